"""The database layer: tables, migrations and the queries, split by what they keep."""
