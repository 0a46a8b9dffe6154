"""Orders: the status machine, totals, placement and the team."""
