"""Shop contract: production (being built)."""
