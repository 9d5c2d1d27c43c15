"""The pipeline: submit, dispatch and reconcile, render jobs, publish, retry, status, check, retention.

Each step takes the runtime (settings, database, Redis, renderer) as an argument.
"""
