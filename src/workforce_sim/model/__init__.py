"""The SimPy model of one council's service: workforce, children's cases, allocation."""
