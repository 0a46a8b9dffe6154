"""Channels customers reach a shop on, as core sees them: which WhatsApp number belongs
to which shop (`whatsapp_numbers`) and the inbox of every message in and out (`inbox`:
de-duplication by the provider's message id, delivery states, the 24-hour window)."""
