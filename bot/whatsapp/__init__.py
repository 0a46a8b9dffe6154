"""The WhatsApp channel (Cloud API): the webhook's signature check and reading of Meta's
deliveries (`webhook`), action ids (`actions`), rendering an `OutgoingMessage` into
WhatsApp messages within WhatsApp's limits (`render`, `labels`), and the outbox
deliverer of topic `whatsapp` with the 24-hour window and templates (`deliver`, a
plugin of sauda.wiring.PLUGINS). The Graph client is integrations.whatsapp.client.
"""
