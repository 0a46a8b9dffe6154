from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from core.models.conversations import MessageDirection, MessageStatus
from core.models.integrations import IntegrationStatus
from json import dumps, loads
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0003_florist_orders')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Conversation',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('public_id', fields.UUIDField(default=uuid4, unique=True)),
                ('shop', fields.ForeignKeyField('models.Shop', source_field='shop_id', db_constraint=True, to_field='id', related_name='conversations', on_delete=OnDelete.CASCADE)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', null=True, db_constraint=True, to_field='id', related_name='conversations', on_delete=OnDelete.SET_NULL)),
                ('channel', fields.CharField(max_length=16)),
                ('external_id', fields.CharField(max_length=64)),
                ('last_inbound_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_message_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'conversations', 'app': 'models', 'unique_together': (('shop', 'channel', 'external_id'),), 'pk_attr': 'id'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='Integration',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('public_id', fields.UUIDField(default=uuid4, unique=True)),
                ('shop', fields.ForeignKeyField('models.Shop', source_field='shop_id', db_constraint=True, to_field='id', related_name='integrations', on_delete=OnDelete.CASCADE)),
                ('provider', fields.CharField(max_length=32)),
                ('status', fields.CharEnumField(default=IntegrationStatus.CONNECTED, description='CONNECTED: connected\nERROR: error\nDISCONNECTED: disconnected', enum_type=IntegrationStatus, max_length=16)),
                ('external_key', fields.CharField(null=True, max_length=200)),
                ('config', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('secrets', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('last_sync', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_error', fields.TextField(null=True, unique=False)),
            ],
            options={'table': 'integrations', 'app': 'models', 'unique_together': (('provider', 'external_key'),), 'indexes': [Index(fields=['shop_id', 'provider'])], 'pk_attr': 'id', 'table_description': "A shop's connection to an outside system (Shopify store, WhatsApp number, Chatwoot"},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='Message',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('public_id', fields.UUIDField(default=uuid4, unique=True)),
                ('shop', fields.ForeignKeyField('models.Shop', source_field='shop_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('conversation', fields.ForeignKeyField('models.Conversation', source_field='conversation_id', db_constraint=True, to_field='id', related_name='messages', on_delete=OnDelete.CASCADE)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('order', fields.ForeignKeyField('models.Order', source_field='order_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('channel', fields.CharField(max_length=16)),
                ('direction', fields.CharEnumField(description='INBOUND: inbound\nOUTBOUND: outbound', enum_type=MessageDirection, max_length=16)),
                ('text', fields.TextField(default='', unique=False)),
                ('payload', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('external_id', fields.CharField(null=True, max_length=128)),
                ('status', fields.CharEnumField(default=MessageStatus.QUEUED, description='QUEUED: queued\nSENT: sent\nDELIVERED: delivered\nREAD: read\nFAILED: failed\nRECEIVED: received', enum_type=MessageStatus, max_length=16)),
                ('status_detail', fields.TextField(null=True, unique=False)),
                ('is_read', fields.BooleanField(default=False)),
                ('ai_generated', fields.BooleanField(default=False)),
                ('sent_by', fields.ForeignKeyField('models.User', source_field='sent_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('sent_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'messages', 'app': 'models', 'unique_together': (('channel', 'external_id'),), 'indexes': [Index(fields=['conversation_id', 'sent_at']), Index(fields=['shop_id', 'sent_at'])], 'pk_attr': 'id'},
            bases=['TimestampedModel'],
        ),
    ]
