"""`crossorg connections graph` and the graph model behind it."""
