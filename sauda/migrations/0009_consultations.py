from tortoise import migrations
from tortoise.migrations import operations as ops
from core.models.consultations import ConsultationStatus
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import UniqueConstraint



class RemoveInlineUnique(ops.RemoveConstraint):
    """RemoveConstraint that also works on SQLite, where CREATE TABLE wrote the unique
    pair inline (an autoindex that cannot be dropped): there the table is remade from
    the new state, as SQLite's ALTER TABLE guide does."""

    async def database_forward(self, app_label, old_state, new_state, state_editor=None):
        if state_editor is not None and state_editor.DIALECT == "sqlite":
            model = new_state.apps.get_model(f"{app_label}.{self.model_name}")
            await state_editor._remake_table(model)
            return
        await super().database_forward(app_label, old_state, new_state, state_editor)


class Migration(migrations.Migration):
    dependencies = [('models', '0010_commerce')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Consultation',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('public_id', fields.UUIDField(default=uuid4, unique=True)),
                ('shop', fields.ForeignKeyField('models.Shop', source_field='shop_id', db_constraint=True, to_field='id', related_name='consultations', on_delete=OnDelete.CASCADE)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='consultations', on_delete=OnDelete.CASCADE)),
                ('status', fields.CharEnumField(default=ConsultationStatus.NEW, description='NEW: new\nPENDING: pending\nCLOSED: closed\nOTHER: other', enum_type=ConsultationStatus, max_length=16)),
                ('lang', fields.CharField(default='ru', max_length=8)),
                ('comment', fields.TextField(unique=False)),
                ('topic', fields.CharField(null=True, max_length=200)),
                ('online_question_cat', fields.CharField(null=True, max_length=64)),
                ('online_question', fields.CharField(null=True, max_length=64)),
                ('importance', fields.IntField(null=True)),
                ('org_inn', fields.CharField(null=True, max_length=20)),
                ('scheduled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('ended_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('source', fields.CharField(default='SITE', max_length=32)),
                ('fingerprint', fields.CharField(max_length=64)),
                ('chatwoot_conversation_id', fields.CharField(null=True, max_length=32)),
                ('onec_ref_key', fields.CharField(null=True, max_length=64)),
                ('number', fields.CharField(null=True, max_length=32)),
            ],
            options={'table': 'consultations', 'app': 'models', 'indexes': [Index(fields=['shop_id', 'chatwoot_conversation_id']), Index(fields=['customer_id', 'fingerprint'])], 'pk_attr': 'id', 'table_description': 'One request for a consultation.'},
            bases=['TimestampedModel'],
        ),
        RemoveInlineUnique(
            model_name='Customer',
            name=None,
            fields=['shop', 'phone'],
        ),
        ops.AddIndex(
            model_name='Customer',
            index=Index(fields=['shop_id', 'phone']),
        ),
        # One customer per shop and phone, for phones that are set (same SQL on SQLite
        # and PostgreSQL; Tortoise writes conditional constraints on PostgreSQL only).
        ops.RunSQL(
            "CREATE UNIQUE INDEX customers_shop_phone_set ON customers (shop_id, phone) "
            "WHERE phone <> ''",
            reverse_sql="DROP INDEX customers_shop_phone_set",
        ),
        ops.AlterModelOptions(
            name='OrganisationProfile',
            options={'table': 'organisation_profiles', 'app': 'models', 'unique_together': (('shop_id', 'client_id_hash'), ('shop_id', 'match_key')), 'pk_attr': 'id', 'table_description': 'What makes a customer a client of a service firm: the organisation, its'},
        ),
        ops.AddField(
            model_name='OrganisationProfile',
            name='city',
            field=fields.CharField(null=True, max_length=100),
        ),
        ops.AddField(
            model_name='OrganisationProfile',
            name='client_id_hash',
            field=fields.CharField(null=True, max_length=128),
        ),
        ops.AddField(
            model_name='OrganisationProfile',
            name='country',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name='OrganisationProfile',
            name='match_key',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name='OrganisationProfile',
            name='org_id',
            field=fields.CharField(null=True, max_length=100),
        ),
        ops.AddField(
            model_name='OrganisationProfile',
            name='region',
            field=fields.CharField(null=True, max_length=100),
        ),
        ops.AddField(
            model_name='OrganisationProfile',
            name='shop_id',
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name='OrganisationProfile',
            name='subscription_end',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='OrganisationProfile',
            name='subscription_start',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='OrganisationProfile',
            name='tariff_period',
            field=fields.CharField(null=True, max_length=100),
        ),
        ops.AddConstraint(
            model_name='OrganisationProfile',
            constraint=UniqueConstraint(fields=('shop_id', 'client_id_hash'), name=None),
        ),
        ops.AddConstraint(
            model_name='OrganisationProfile',
            constraint=UniqueConstraint(fields=('shop_id', 'match_key'), name=None),
        ),
    ]
