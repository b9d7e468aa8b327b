"""Runtime plumbing: BLAS guard, memory planner, seeding."""
