"""One module per reproduced chapter: its stages, its tables and the map of our numbers onto published keys."""
