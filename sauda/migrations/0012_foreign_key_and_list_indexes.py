from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0005_refresh_tokens')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='ApiKey',
            index=Index(fields=['shop_id']),
        ),
        ops.AddIndex(
            model_name='ApiKey',
            index=Index(fields=['created_by_id']),
        ),
        ops.AddIndex(
            model_name='Category',
            index=Index(fields=['parent_id']),
        ),
        ops.AddIndex(
            model_name='Conversation',
            index=Index(fields=['customer_id']),
        ),
        ops.AddIndex(
            model_name='ImportantDate',
            index=Index(fields=['shop_id']),
        ),
        ops.AddIndex(
            model_name='ImportantDate',
            index=Index(fields=['customer_id']),
        ),
        ops.AddIndex(
            model_name='Membership',
            index=Index(fields=['shop_id', 'role']),
        ),
        ops.AddIndex(
            model_name='Message',
            index=Index(fields=['customer_id']),
        ),
        ops.AddIndex(
            model_name='Message',
            index=Index(fields=['order_id']),
        ),
        ops.AddIndex(
            model_name='Message',
            index=Index(fields=['sent_by_id']),
        ),
        ops.AddIndex(
            model_name='Order',
            index=Index(fields=['shop_id', 'created_at', 'id']),
        ),
        ops.AddIndex(
            model_name='Order',
            index=Index(fields=['shop_id', 'status']),
        ),
        ops.AddIndex(
            model_name='Order',
            index=Index(fields=['shop_id', 'delivery_from']),
        ),
        ops.AddIndex(
            model_name='Order',
            index=Index(fields=['customer_id']),
        ),
        ops.AddIndex(
            model_name='Order',
            index=Index(fields=['recipient_id']),
        ),
        ops.AddIndex(
            model_name='Order',
            index=Index(fields=['manager_id']),
        ),
        ops.AddIndex(
            model_name='Order',
            index=Index(fields=['courier_id']),
        ),
        ops.AddIndex(
            model_name='OrderIssue',
            index=Index(fields=['order_id']),
        ),
        ops.AddIndex(
            model_name='OrderIssue',
            index=Index(fields=['reported_by_id']),
        ),
        ops.AddIndex(
            model_name='OrderItem',
            index=Index(fields=['order_id']),
        ),
        ops.AddIndex(
            model_name='OrderItem',
            index=Index(fields=['product_id']),
        ),
        ops.AddIndex(
            model_name='OrderPhoto',
            index=Index(fields=['order_id']),
        ),
        ops.AddIndex(
            model_name='OrderPhoto',
            index=Index(fields=['uploaded_by_id']),
        ),
        ops.AddIndex(
            model_name='OrderStatusEvent',
            index=Index(fields=['order_id', 'id']),
        ),
        ops.AddIndex(
            model_name='OrderStatusEvent',
            index=Index(fields=['actor_id']),
        ),
        ops.AddIndex(
            model_name='OutboxEvent',
            index=Index(fields=['shop_id']),
        ),
        ops.AddIndex(
            model_name='Payment',
            index=Index(fields=['shop_id']),
        ),
        ops.AddIndex(
            model_name='Payment',
            index=Index(fields=['order_id']),
        ),
        ops.AddIndex(
            model_name='Product',
            index=Index(fields=['category_id']),
        ),
        ops.AddIndex(
            model_name='ProductComponent',
            index=Index(fields=['product_id']),
        ),
        ops.AddIndex(
            model_name='ProductComponent',
            index=Index(fields=['stock_item_id']),
        ),
        ops.AddIndex(
            model_name='StockItem',
            index=Index(fields=['shop_id']),
        ),
        ops.AddIndex(
            model_name='StockItem',
            index=Index(fields=['product_id']),
        ),
        ops.AddIndex(
            model_name='StockMove',
            index=Index(fields=['shop_id', 'created_at']),
        ),
        ops.AddIndex(
            model_name='StockMove',
            index=Index(fields=['stock_item_id', 'id']),
        ),
        ops.AddIndex(
            model_name='StockMove',
            index=Index(fields=['order_id']),
        ),
        ops.AddIndex(
            model_name='StockMove',
            index=Index(fields=['supply_id']),
        ),
        ops.AddIndex(
            model_name='StockMove',
            index=Index(fields=['created_by_id']),
        ),
        ops.AddIndex(
            model_name='StockSnapshot',
            index=Index(fields=['shop_id', 'day']),
        ),
        ops.AddIndex(
            model_name='SupplyDelivery',
            index=Index(fields=['shop_id', 'delivery_date']),
        ),
        ops.AddIndex(
            model_name='SupplyDelivery',
            index=Index(fields=['created_by_id']),
        ),
        ops.AddIndex(
            model_name='SupplyPosition',
            index=Index(fields=['delivery_id']),
        ),
        ops.AddIndex(
            model_name='SupplyPosition',
            index=Index(fields=['stock_item_id']),
        ),
        ops.AddIndex(
            model_name='Task',
            index=Index(fields=['shop_id', 'status']),
        ),
        ops.AddIndex(
            model_name='Task',
            index=Index(fields=['assignee_id']),
        ),
        ops.AddIndex(
            model_name='Task',
            index=Index(fields=['created_by_id']),
        ),
        ops.AddIndex(
            model_name='Task',
            index=Index(fields=['order_id']),
        ),
        ops.AddIndex(
            model_name='TaskComment',
            index=Index(fields=['task_id']),
        ),
        ops.AddIndex(
            model_name='TaskComment',
            index=Index(fields=['author_id']),
        ),
        ops.AddIndex(
            model_name='WebhookEndpoint',
            index=Index(fields=['shop_id']),
        ),
        ops.AddIndex(
            model_name='RefreshToken',
            index=Index(fields=['user_id']),
        ),
        ops.AddIndex(
            model_name='RefreshToken',
            index=Index(fields=['shop_id']),
        ),
        # The florists' side of the order <-> florist table (Tortoise indexes only the pair).
        ops.RunSQL(
            'CREATE INDEX IF NOT EXISTS "idx_order_florists_user_id" ON "order_florists" ("user_id")',
            reverse_sql='DROP INDEX IF EXISTS "idx_order_florists_user_id"',
        ),
    ]
