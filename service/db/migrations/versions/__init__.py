"""The revisions, one file each, oldest first: 0001_initial_schema.py is the schema before migrations."""
