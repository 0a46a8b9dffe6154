from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0009_consultations')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AiUsage',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('shop', fields.ForeignKeyField('models.Shop', source_field='shop_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('feature', fields.CharField(max_length=16)),
                ('model', fields.CharField(max_length=64)),
                ('tokens_in', fields.IntField(default=0)),
                ('tokens_out', fields.IntField(default=0)),
                ('cost_usd', fields.DecimalField(default=0, max_digits=14, decimal_places=8)),
                ('latency_ms', fields.IntField(default=0)),
                ('tool_calls', fields.IntField(default=0)),
                ('fallback', fields.BooleanField(default=False)),
                ('fallback_reason', fields.CharField(null=True, max_length=32)),
            ],
            options={'table': 'ai_usage', 'app': 'models', 'indexes': [Index(fields=['shop_id', 'created_at'])], 'pk_attr': 'id'},
            bases=['TimestampedModel'],
        ),
    ]
