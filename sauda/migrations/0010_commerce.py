from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from core.models.reports import ReportType
from core.models.shops import Currency
from json import dumps, loads
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0008_erp_pos')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Report',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('public_id', fields.UUIDField(default=uuid4, unique=True)),
                ('shop', fields.ForeignKeyField('models.Shop', source_field='shop_id', db_constraint=True, to_field='id', related_name='reports', on_delete=OnDelete.CASCADE)),
                ('report_type', fields.CharEnumField(description='SALES: sales\nMESSAGES: messages\nPERFORMANCE: performance', enum_type=ReportType, max_length=16)),
                ('start_date', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('end_date', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('filters', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('summary', fields.TextField(default='', unique=False)),
                ('payload', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('generated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('created_by', fields.ForeignKeyField('models.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'reports', 'app': 'models', 'indexes': [Index(fields=['shop_id', 'generated_at']), Index(fields=['created_by_id'])], 'pk_attr': 'id', 'table_description': "A report's figures as they were when it was generated (`payload`), its summary"},
            bases=['TimestampedModel'],
        ),
        ops.AddField(
            model_name='Order',
            name='currency',
            field=fields.CharField(null=True, max_length=3),
        ),
        ops.AddField(
            model_name='Order',
            name='fulfilled_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Order',
            name='public_id',
            field=fields.UUIDField(null=True, default=uuid4, unique=True),
        ),
        ops.AlterField(
            model_name='Shop',
            name='currency',
            field=fields.CharEnumField(default=Currency.KZT, description='KZT: KZT\nUZS: UZS\nUSD: USD\nEUR: EUR\nRUB: RUB\nGBP: GBP', enum_type=Currency, max_length=3),
        ),
        ops.AddField(
            model_name='Shop',
            name='description',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='Shop',
            name='public_id',
            field=fields.UUIDField(null=True, default=uuid4, unique=True),
        ),
        ops.AddField(
            model_name='User',
            name='public_id',
            field=fields.UUIDField(null=True, default=uuid4, unique=True),
        ),
    ]
