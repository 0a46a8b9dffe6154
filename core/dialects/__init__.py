"""Contract dialects: each contract's words for the canonical vocabulary of core, in one
table per contract, importable by core (webhook payloads) and api (handlers) alike."""
