"""The study runner: a study's cells planned, computed or read back, and written into run, grid and
shard folders. Its modules, each importing only those listed before it (this file imports none of
them, so that a module may import its neighbours without a cycle):

    folders.py  the life of a result folder: written as NAME.partial under a lock, renamed when whole
    grid.py     grid points and shards, decided from the config alone (no model, no data)
    cell.py     one cell (dataset x condition): its cache key and the cell cache, computed or read
                back, written into a run folder
    plan.py     the datasets generated and limited, every cell keyed, before any model loads
                (imports cell and grid)
    run.py      a run or grid folder, started or resumed: every cell, then summary.json and table.txt
                (imports plan, cell, folders and grid); its docstring shows the run folder
    shards.py   a study's cells over independent jobs, and their merge (beside run, whose summary
                writer and model holder it uses)

Above them all, iclft.study dispatches: `run` (a study or one shard) and `resume_study` (a run,
grid or shard folder finished where it stopped). Shared with the rest of the package and kept
beside it: iclft.cache (the content-hash entries of both the cell and the augmentation caches) and
iclft.results (the summary record the report reads).
"""
