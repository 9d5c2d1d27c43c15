"""courtdocs: court filings for mass cannabis-conviction relief."""

__version__ = "0.1.0"
