"""Shop contract: warehouse (being built)."""
