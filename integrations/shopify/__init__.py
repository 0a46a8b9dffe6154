"""Shopify: the Admin API client, the order format, and the sync/webhook outbox jobs."""
