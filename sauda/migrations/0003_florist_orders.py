from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0002_bot_scheduler_support')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='Order',
            name='florists',
            field=fields.ManyToManyField('models.User', unique=True, db_constraint=True, through='order_florists', forward_key='user_id', backward_key='orders_id', related_name='florist_orders', on_delete=OnDelete.CASCADE),
        ),
    ]
