"""Small interfaces core calls out through; adapters implement them outside core."""
