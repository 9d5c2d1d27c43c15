"""The database, the source of truth: one engine and the query modules, each for one kind of record."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from service.db.batches import BatchQueries
from service.db.documents import DocumentQueries
from service.db.leases import LeaseQueries
from service.db.publications import PublicationQueries
from service.db.schema import add_missing_columns, make_engine, metadata
from service.errors import DatabaseUnavailableError


class Store:
    """Every read and write of the database goes through one of its query modules."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.batches = BatchQueries(self.engine)  # batches and their decisions
        self.documents = DocumentQueries(self.engine)  # reading documents
        self.leases = LeaseQueries(self.engine)  # render leases and their outcomes
        self.publications = PublicationQueries(self.engine)  # court batches, publication, bundles

    def create_schema(self) -> None:
        """Create every table that does not exist yet; safe to run any number of times."""
        try:
            try:
                metadata.create_all(self.engine, checkfirst=True)
            except IntegrityError:
                # Another process created a table at the same moment; check again, it exists now.
                metadata.create_all(self.engine, checkfirst=True)
            add_missing_columns(self.engine)
        except SQLAlchemyError as error:
            raise DatabaseUnavailableError(f"cannot create the database schema: {error}") from error

    def dispose(self) -> None:
        """Release the engine's pooled connections."""
        self.engine.dispose()
