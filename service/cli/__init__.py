"""The courtdocs command line: one group (main.py), its commands by what they act on."""

from service.cli import accounts, batches, database, documents, filings, imports, processes, rulings
from service.cli.main import main

__all__ = [
    "accounts",
    "batches",
    "database",
    "documents",
    "filings",
    "imports",
    "main",
    "processes",
    "rulings",
]
