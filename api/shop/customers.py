"""Shop contract: customers (being built)."""
