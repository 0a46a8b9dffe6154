"""Dialects: each contract's words for the canonical vocabulary of core, one table each.

A contract module maps its own words (crm's "новый", ...) onto core's values here, so
round trips hold and every other contract and channel sees the canonical value.
"""
