"""Running the model: replications, executors, parameter sweeps."""
