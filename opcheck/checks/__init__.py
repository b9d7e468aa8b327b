"""The theorem's hypotheses and conclusions as typed records."""
