"""Sauda's domain core: models, services, rules. It never imports a transport."""
