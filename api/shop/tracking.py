"""Shop contract: tracking (being built)."""
