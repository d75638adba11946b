"""The science: the task, connectivity (masks, scars, pruning, regrowth), training, treatments, stress tests,
relapse, the sweeps and the longitudinal courses. Everything here is pure mechanism; chapters compose it."""
