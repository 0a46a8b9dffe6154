"""Shop contract: orders (being built)."""
