"""Composition roots: each job builds its real adapters (clients, repositories, queues) from
settings and runs one core recipe. Lambda handlers and API routes call these, nothing else."""
