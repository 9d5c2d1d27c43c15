"""The database, the source of truth: one engine and the query modules, each for one kind of record."""

from __future__ import annotations

from service.db.approvals import ApprovalQueries
from service.db.batches import BatchQueries
from service.db.documents import DocumentQueries
from service.db.leases import LeaseQueries
from service.db.publications import PublicationQueries
from service.db.rulings import RulingQueries
from service.db.schema import make_engine


class Store:
    """Every read and write of the database goes through one of its query modules."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.batches = BatchQueries(self.engine)  # batches and their decisions
        self.documents = DocumentQueries(self.engine)  # reading documents
        self.leases = LeaseQueries(self.engine)  # render leases and their outcomes
        self.publications = PublicationQueries(self.engine)  # court batches, publication, bundles
        self.approvals = ApprovalQueries(self.engine)  # who signs each court's filing
        self.rulings = RulingQueries(self.engine)  # what the court decided on each filing

    def dispose(self) -> None:
        """Release the engine's pooled connections."""
        self.engine.dispose()
