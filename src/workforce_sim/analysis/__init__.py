"""Measures derived from results: workforce, cases, finance, targets, comparisons, checks."""
