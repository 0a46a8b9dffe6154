"""Fakes of the outside world at the transport boundary (real HTTP on loopback)."""
