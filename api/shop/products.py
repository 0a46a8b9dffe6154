"""Shop contract: products (being built)."""
