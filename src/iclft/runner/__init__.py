"""The study runner: planning, cells and their cache, run folders, grids and shards."""
