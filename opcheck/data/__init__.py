"""Loading and preparing data for Assumption 2."""
