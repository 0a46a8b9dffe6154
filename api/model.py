"""The base of the contract models: each is built on first use.

A pydantic model builds its validator and serializer when its class is defined. The API
documents declare some 150 request and answer models, and a process serving one port
uses a few of them (the hot answers are written as plain JSON, their models describe
them in the document): `defer_build` builds a model when it first validates, serialises
or describes itself, which keeps about 15 MiB out of a process that never needs it.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ContractModel(BaseModel):
    model_config = ConfigDict(defer_build=True)
