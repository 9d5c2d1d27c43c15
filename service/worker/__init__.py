"""The worker process: rq entry points (jobs) and the pool of long-lived worker processes."""
