"""Shop contract: webhooks (being built)."""
