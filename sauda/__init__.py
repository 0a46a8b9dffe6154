"""The composition root: settings, wiring and the `sauda` command."""
