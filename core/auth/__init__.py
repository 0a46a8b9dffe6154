"""Identity: one kind of access token, three ways to get it (one-time code, password,
API key)."""
