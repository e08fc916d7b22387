"""Pay progression and the cost of a replication's workforce by month and component."""
