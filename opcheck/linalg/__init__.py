"""Jacobian products, the structured Gram, eigen-solvers, Khatri-Rao powers."""
