"""WhatsApp Cloud API (Meta's Graph API): the HTTP client our outbox deliverer and the
webhook use (`integrations.whatsapp.client`). Nothing here knows shops or orders."""
