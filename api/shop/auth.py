"""Shop contract: auth (being built)."""
