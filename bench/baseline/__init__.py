"""Same-run baselines: a minimal CRUD service and a constant endpoint."""
