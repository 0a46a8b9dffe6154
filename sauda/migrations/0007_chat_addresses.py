from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index



def _copy_chats(channel: str, mine: str, other: str) -> str:
    return (
        'INSERT INTO "chat_addresses" ("shop_id", "customer_id", "channel", "external_id", "created_at", "updated_at") '
        f'SELECT c."shop_id", c."id", \'{channel}\', CAST({mine} AS VARCHAR(64)), c."updated_at", c."updated_at" '
        f'FROM "customers" c WHERE {mine} IS NOT NULL AND NOT EXISTS ('
        f'SELECT 1 FROM "customers" o WHERE o."shop_id" = c."shop_id" AND {other} = {mine} '
        'AND (o."updated_at" > c."updated_at" OR (o."updated_at" = c."updated_at" AND o."id" > c."id")))'
    )


class DropColumn(ops.RemoveField):
    """RemoveField without SQLite's table rebuild. The rebuild drops and recreates
    `customers`, and with foreign keys on, dropping it deletes every row that refers to a
    customer (important dates, chats) and unlinks their orders. SQLite (>= 3.35) drops a
    plain column in place."""

    async def database_forward(self, app_label, old_state, new_state, state_editor=None):
        if state_editor is not None and getattr(state_editor, "DIALECT", "") == "sqlite":
            model = old_state.apps.get_model(f"{app_label}.{self.model_name}")
            table = model._meta.db_table
            await state_editor._run_sql(f'ALTER TABLE "{table}" DROP COLUMN "{self.name}"')
            return
        await super().database_forward(app_label, old_state, new_state, state_editor)


class Migration(migrations.Migration):
    dependencies = [('models', '0013_ai_usage')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CustomerChat',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('shop', fields.ForeignKeyField('models.Shop', source_field='shop_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='chats', on_delete=OnDelete.CASCADE)),
                ('channel', fields.CharField(max_length=16)),
                ('external_id', fields.CharField(max_length=64)),
            ],
            options={'table': 'chat_addresses', 'app': 'models', 'unique_together': (('shop', 'channel', 'external_id'),), 'indexes': [Index(fields=['customer_id'])], 'pk_attr': 'id', 'table_description': 'One chat of a customer: a `core.ports.chat.ChatAddress` (channel, external id),'},
            bases=['TimestampedModel'],
        ),
        # A customer's Telegram and WhatsApp ids become their chats. Where one id was on
        # several customers of a shop, the most recently changed customer keeps it.
        ops.RunSQL(
            [
                _copy_chats('telegram', 'COALESCE(c."telegram_user_id", c."telegram_chat_id")', 'COALESCE(o."telegram_user_id", o."telegram_chat_id")'),
                _copy_chats('whatsapp', 'c."whatsapp_id"', 'o."whatsapp_id"'),
            ],
            reverse_sql=[
                'UPDATE "customers" SET "telegram_user_id" = (SELECT CAST(a."external_id" AS BIGINT) FROM "chat_addresses" a WHERE a."customer_id" = "customers"."id" AND a."channel" = \'telegram\' ORDER BY a."id" LIMIT 1)',
                'UPDATE "customers" SET "telegram_chat_id" = "telegram_user_id"',
                'UPDATE "customers" SET "whatsapp_id" = (SELECT a."external_id" FROM "chat_addresses" a WHERE a."customer_id" = "customers"."id" AND a."channel" = \'whatsapp\' ORDER BY a."id" LIMIT 1)',
            ],
        ),
        DropColumn(model_name='Customer', name='telegram_chat_id'),
        DropColumn(model_name='Customer', name='telegram_user_id'),
        DropColumn(model_name='Customer', name='whatsapp_id'),
        ops.RenameField(
            model_name='User',
            old_name='telegram_user_id',
            new_name='telegram_id',
        ),
    ]
