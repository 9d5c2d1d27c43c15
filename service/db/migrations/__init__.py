"""Alembic's migration environment, inside the package so that it ships in the wheel.

service/db/migrate.py configures Alembic in code (no alembic.ini) and runs it; docs/database.md
says how to write the next revision.
"""
