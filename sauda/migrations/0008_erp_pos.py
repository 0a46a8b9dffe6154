from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from core.models.cashdesk import PaymentMethod, RefundKind, SaleStatus, SessionStatus
from core.models.work import TaskCategory
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0006_idempotency_records')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CashSession',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('shop', fields.ForeignKeyField('models.Shop', source_field='shop_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('cashier', fields.ForeignKeyField('models.User', source_field='cashier_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('till', fields.CharField(default='main', max_length=64)),
                ('status', fields.CharEnumField(default=SessionStatus.OPEN, description='OPEN: open\nCLOSED: closed', enum_type=SessionStatus, max_length=8)),
                ('opening_balance', fields.BigIntField(default=0)),
                ('expected_cash', fields.BigIntField(null=True)),
                ('actual_cash', fields.BigIntField(null=True)),
                ('opened_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('closed_by', fields.ForeignKeyField('models.User', source_field='closed_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('open_key', fields.CharField(null=True, unique=True, max_length=200)),
            ],
            options={'table': 'cash_sessions', 'app': 'models', 'indexes': [Index(fields=['shop_id', 'status']), Index(fields=['cashier_id']), Index(fields=['closed_by_id'])], 'pk_attr': 'id', 'table_description': "One cashier's shift at one till: the cash drawer from opening to closing."},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='Sale',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('shop', fields.ForeignKeyField('models.Shop', source_field='shop_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('session', fields.ForeignKeyField('models.CashSession', source_field='session_id', db_constraint=True, to_field='id', related_name='sales', on_delete=OnDelete.CASCADE)),
                ('cashier', fields.ForeignKeyField('models.User', source_field='cashier_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', null=True, db_constraint=True, to_field='id', related_name='sales', on_delete=OnDelete.SET_NULL)),
                ('seq', fields.IntField()),
                ('receipt_number', fields.CharField(max_length=64)),
                ('status', fields.CharEnumField(default=SaleStatus.PENDING, description='PENDING: pending\nCOMPLETED: completed\nCANCELLED: cancelled\nREFUNDED: refunded', enum_type=SaleStatus, max_length=16)),
                ('subtotal', fields.BigIntField(default=0)),
                ('discount_amount', fields.BigIntField(default=0)),
                ('tax_amount', fields.BigIntField(default=0)),
                ('total_amount', fields.BigIntField(default=0)),
                ('paid_amount', fields.BigIntField(default=0)),
                ('change_amount', fields.BigIntField(default=0)),
                ('refunded_amount', fields.BigIntField(default=0)),
                ('notes', fields.TextField(null=True, unique=False)),
                ('completed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('cancelled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('refunded_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'sales', 'app': 'models', 'unique_together': (('shop', 'seq'), ('shop', 'receipt_number')), 'indexes': [Index(fields=['shop_id', 'status']), Index(fields=['shop_id', 'completed_at']), Index(fields=['session_id']), Index(fields=['cashier_id']), Index(fields=['customer_id'])], 'pk_attr': 'id'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='SaleItem',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('sale', fields.ForeignKeyField('models.Sale', source_field='sale_id', db_constraint=True, to_field='id', related_name='items', on_delete=OnDelete.CASCADE)),
                ('product', fields.ForeignKeyField('models.Product', source_field='product_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('product_name', fields.CharField(max_length=300)),
                ('product_sku', fields.CharField(null=True, max_length=64)),
                ('quantity', fields.DecimalField(max_digits=14, decimal_places=3)),
                ('refunded_quantity', fields.DecimalField(default=0, max_digits=14, decimal_places=3)),
                ('unit_price', fields.BigIntField()),
                ('cost_price', fields.BigIntField(default=0)),
                ('tax_rate', fields.IntField(default=0)),
                ('discount_amount', fields.BigIntField(default=0)),
                ('line_total', fields.BigIntField()),
            ],
            options={'table': 'sale_items', 'app': 'models', 'indexes': [Index(fields=['sale_id']), Index(fields=['product_id'])], 'pk_attr': 'id'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='SalePayment',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('sale', fields.ForeignKeyField('models.Sale', source_field='sale_id', db_constraint=True, to_field='id', related_name='payments', on_delete=OnDelete.CASCADE)),
                ('method', fields.CharEnumField(description='CASH: cash\nCARD: card\nMOBILE: mobile\nTRANSFER: transfer', enum_type=PaymentMethod, max_length=16)),
                ('amount', fields.BigIntField()),
                ('received_amount', fields.BigIntField(null=True)),
                ('change_amount', fields.BigIntField(default=0)),
                ('card_last4', fields.CharField(null=True, max_length=4)),
                ('transaction_id', fields.CharField(null=True, max_length=100)),
                ('provider', fields.CharField(null=True, max_length=32)),
            ],
            options={'table': 'sale_payments', 'app': 'models', 'indexes': [Index(fields=['sale_id'])], 'pk_attr': 'id'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='SaleRefund',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('sale', fields.ForeignKeyField('models.Sale', source_field='sale_id', db_constraint=True, to_field='id', related_name='refunds', on_delete=OnDelete.CASCADE)),
                ('session', fields.ForeignKeyField('models.CashSession', source_field='session_id', null=True, db_constraint=True, to_field='id', related_name='refunds', on_delete=OnDelete.SET_NULL)),
                ('kind', fields.CharEnumField(default=RefundKind.REFUND, description='REFUND: refund\nCANCELLATION: cancellation', enum_type=RefundKind, max_length=16)),
                ('amount', fields.BigIntField()),
                ('cash_amount', fields.BigIntField(default=0)),
                ('by_method', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('lines', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('reason', fields.CharField(default='', max_length=500)),
                ('created_by', fields.ForeignKeyField('models.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'sale_refunds', 'app': 'models', 'indexes': [Index(fields=['sale_id']), Index(fields=['session_id']), Index(fields=['created_by_id'])], 'pk_attr': 'id', 'table_description': 'Money and goods given back for a completed sale (a refund, or the cancellation of'},
            bases=['TimestampedModel'],
        ),
        ops.AddField(
            model_name='StockMove',
            name='sale',
            field=fields.ForeignKeyField('models.Sale', source_field='sale_id', null=True, db_constraint=True, to_field='id', related_name='stock_moves', on_delete=OnDelete.SET_NULL),
        ),
        ops.AddIndex(
            model_name='StockMove',
            index=Index(fields=['sale_id']),
        ),
        ops.AlterField(
            model_name='Task',
            name='category',
            field=fields.CharEnumField(default=TaskCategory.GENERAL, description='PRODUCTION: production\nGENERAL: general\nINVENTORY: inventory\nDELIVERY: delivery\nCLEANING: cleaning\nSALES: sales\nCUSTOMER_SERVICE: customer_service\nMAINTENANCE: maintenance\nOTHER: other', enum_type=TaskCategory, max_length=16),
        ),
    ]
