"""Channel webhooks on API_PORT under /api/v1: where messengers deliver what customers
write (`POST /api/v1/webhooks/whatsapp`, Meta's Cloud API, with its GET handshake).

The path is the commerce seed's ("WhatsApp Webhook: POST /api/v1/webhooks/whatsapp,
receives incoming messages from WhatsApp Business API"); until the commerce contract
lands it is served by this small contract of its own, on the same mount, so commerce
can take it over (or keep importing this module) without the path moving. Errors are
the seeds' `{"detail": ...}`.
"""

from __future__ import annotations

from api.routing import Contract

contract = Contract(
    "channels",
    title="Sauda channel webhooks",
    version="1.0.0",
    description="Webhooks of the messengers customers write from (WhatsApp Cloud API).",
    mount="/api/v1",
)

from api.channels import whatsapp  # noqa: E402

__all__ = ["contract", "whatsapp"]
