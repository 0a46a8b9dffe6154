from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from core.models.orders import ApprovalStatus
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Notification',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('shop', fields.ForeignKeyField('models.Shop', source_field='shop_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharField(max_length=48)),
                ('ref', fields.CharField(max_length=64)),
                ('period', fields.CharField(default='', max_length=32)),
                ('payload', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
            ],
            options={'table': 'notifications', 'app': 'models', 'unique_together': (('shop', 'kind', 'ref', 'period'),), 'pk_attr': 'id', 'table_description': 'A record that something was sent once (a reminder for a date in a year, an alert'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='StockSnapshot',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('shop', fields.ForeignKeyField('models.Shop', source_field='shop_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('stock_item', fields.ForeignKeyField('models.StockItem', source_field='stock_item_id', db_constraint=True, to_field='id', related_name='snapshots', on_delete=OnDelete.CASCADE)),
                ('day', fields.DateField()),
                ('quantity', fields.DecimalField(max_digits=14, decimal_places=3)),
                ('min_quantity', fields.DecimalField(default=0, max_digits=14, decimal_places=3)),
            ],
            options={'table': 'stock_snapshots', 'app': 'models', 'unique_together': (('stock_item', 'day'),), 'pk_attr': 'id', 'table_description': "Quantity of an item at the start of a shop's day (analytics read these)."},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='TelegramUpdate',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('update_id', fields.BigIntField(unique=True)),
                ('payload', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('processed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('error', fields.TextField(null=True, unique=False)),
            ],
            options={'table': 'telegram_updates', 'app': 'models', 'pk_attr': 'id', 'table_description': 'An incoming Telegram update, stored before it is acknowledged. Its id takes effect once.'},
            bases=['TimestampedModel'],
        ),
        ops.AddField(
            model_name='Order',
            name='approval_comment',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='Order',
            name='approval_requested_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Order',
            name='approval_status',
            field=fields.CharEnumField(default=ApprovalStatus.NOT_REQUIRED, description='NOT_REQUIRED: not_required\nPENDING: pending\nAPPROVED: approved\nCHANGE_REQUESTED: change_requested\nAUTO_APPROVED: auto_approved', enum_type=ApprovalStatus, max_length=20),
        ),
        ops.AddField(
            model_name='Order',
            name='delivery_time_range',
            field=fields.CharField(null=True, max_length=32),
        ),
        ops.AddField(
            model_name='Order',
            name='staff_card_chat_id',
            field=fields.BigIntField(null=True),
        ),
        ops.AddField(
            model_name='Order',
            name='staff_card_message_id',
            field=fields.BigIntField(null=True),
        ),
    ]
