"""Customer dialogues written once, channel-neutral, as state tables (see `shop_chat`).

A channel adapter reads what the person did into a `Said`, keeps the `Session` between
messages, and sends the `OutgoingMessage`s the flow answers with through core.notify;
each channel renders them its own way (WhatsApp buttons and lists, Telegram keyboards).
"""
