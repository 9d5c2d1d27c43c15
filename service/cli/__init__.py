"""The courtdocs command line: one group (main.py), its commands by what they act on."""

from service.cli import accounts, batches, database, documents, filings, processes
from service.cli.main import main

__all__ = ["accounts", "batches", "database", "documents", "filings", "main", "processes"]
