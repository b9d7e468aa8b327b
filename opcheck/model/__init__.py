"""The network x -> V phi(W x): activations and parameters (eqs. 15-17)."""
