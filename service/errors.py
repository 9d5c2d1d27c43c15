"""The one error hierarchy of courtdocs; every error the service raises on purpose derives from it.

Each class says when it is raised and whether it is `transient`: a fault that may pass if the
same work is tried again (a full disk, a database or Redis that does not answer). Only transient
faults are retried (`is_transient`); a permanent one fails its document at once with its reason.
The web (service/web/app.py) and the command line (service/cli/main.py) each map this tree to
HTTP statuses and exit codes in one table.

This module imports nothing beyond the standard library: the pure core raises these errors too.
So `is_transient` and `failure_reason` recognise other libraries' exceptions (SQLAlchemy, Redis)
by their qualified class names instead of importing those libraries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


class CourtdocsError(Exception):
    """Base class of every error courtdocs raises on purpose; permanent unless a subclass says so."""

    transient: ClassVar[bool] = False


# -- the request or the input is wrong: asking again the same way cannot help ---------------------


@dataclass(frozen=True)
class FieldError:
    """One problem with one field of one decision in an input file."""

    position: str  # "line 3" (JSON Lines) or "index 2" (JSON array) or "" for a single object
    decision_id: str | None
    path: str  # e.g. "counts[1].relief"; "" for the whole record
    message: str

    def __str__(self) -> str:
        where = [
            part for part in (self.position, self.decision_id and f"decision {self.decision_id}") if part
        ]
        prefix = ", ".join(where)
        field = self.path or "(record)"
        return f"{prefix}: {field}: {self.message}" if prefix else f"{field}: {self.message}"


class InvalidRequestError(CourtdocsError):
    """Raised when a request can never succeed as asked (e.g. a clerk without a court)."""


class InvalidInputError(InvalidRequestError):
    """Raised when input decisions do not follow decision/v1; carries every error found."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        summary = "; ".join(str(error) for error in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        super().__init__(f"{len(errors)} invalid field(s): {summary}{more}")


class AccountError(InvalidRequestError):
    """Raised when a user or token cannot be created or used as asked (service/db/accounts.py)."""


class DuplicateKeyError(InvalidRequestError):
    """Raised while parsing JSON whose object repeats a key (the last one would silently win)."""


class SettingsError(CourtdocsError):
    """Raised when an environment variable holds a value courtdocs cannot use."""


class MappingError(SettingsError):
    """Raised when a DOJ report mapping file is not valid; names every wrong key (core/doj_mapping.py)."""

    def __init__(self, source: str, errors: list[str]) -> None:
        self.errors = errors
        super().__init__(f"{source}: {len(errors)} error(s): {'; '.join(errors)}")


class ReportValueError(InvalidRequestError):
    """Raised when a value cannot be written in a DOJ report as its mapping says (too wide, not ASCII)."""


class UnsafePathError(InvalidRequestError):
    """Raised when a value that names a file or folder could climb out of it or hide it (`safe_part`)."""


# -- what was asked for does not exist, or the state forbids it now -------------------------------


class NotFoundError(CourtdocsError):
    """Raised when a batch, court batch, bundle, decision, user or token asked for does not exist."""


class MissingDecisionError(NotFoundError):
    """Raised when a document's decision is not in the database (its batch was deleted under it)."""


class ConflictError(CourtdocsError):
    """Raised when a request contradicts an earlier one (an idempotency key reused for other content)."""


class UnfinishedBatchError(ConflictError):
    """Raised when deleting a batch that is still being rendered or published, without --force."""


class BusyError(ConflictError):
    """Raised when a batch or court batch is being rendered or published; the same request may pass later."""

    transient = True


class LeaseLostError(ConflictError):
    """Raised when another worker took over the work this job held: this job stops, the holder finishes."""


class PublicationTakenOverError(LeaseLostError):
    """Raised when another publisher took over a court batch's publication while this one worked."""


# -- a document or a bundle cannot be made: trying again will not help ----------------------------


class RenderError(CourtdocsError):
    """Raised when a document cannot be rendered; permanent, retrying will not help."""


class TemplateError(RenderError):
    """Raised when a template does not compile or refers to something that does not exist."""


class UnrenderableCasesError(RenderError):
    """Raised when cases' rows of an omnibus filing cannot be rendered: the filing leaves them out.

    Publication records them as failed and renders the filing again without them; it is then
    published incomplete, naming them.
    """

    def __init__(self, reasons: dict[str, str]) -> None:
        self.reasons = reasons  # decision id -> why its row cannot be rendered
        super().__init__(f"{len(reasons)} case(s) cannot be rendered: " + "; ".join(reasons.values()))


class MissingGlyphError(RenderError):
    """Raised when a document needs characters that no bundled font can draw."""

    def __init__(self, characters: list[str]) -> None:
        self.characters = characters
        listed = ", ".join(f"U+{ord(c):04X}" for c in characters[:20])
        super().__init__(
            f"the bundled fonts have no glyph for {len(characters)} character(s): {listed}; "
            "add a font that covers them to fonts/ (nothing was rendered)"
        )


class StoredDecisionError(RenderError):
    """Raised when a decision stored after validation no longer validates (the model changed)."""


class ForbiddenResourceError(RenderError):
    """Raised when a document refers to anything but the project's own assets."""


class BundleError(CourtdocsError):
    """Raised when a court's bundle cannot be built, or a ZIP read, as its manifest says."""


class BundleLimitError(BundleError):
    """Raised when one case alone passes the PDF page or byte limit, or a ZIP entry 2 GiB without ZIP64."""


class ChangedOnDiskError(BundleError):
    """Raised when a rendered file no longer has the hash recorded when it was rendered."""


class BundleVerificationError(BundleError):
    """Raised when a bundle just written does not verify against its own manifest."""


class UnexpectedLayoutError(BundleError):
    """Raised when a ZIP is not laid out as service/bundle/ziparchive.py writes it (e.g. compressed)."""


# -- something the service depends on is unavailable for now: try again later ----------------------


class UnavailableError(CourtdocsError):
    """Raised when the disk, the database or Redis cannot be used right now."""

    transient = True


class StorageUnavailableError(UnavailableError):
    """Raised when an output file cannot be written (disk full, read-only, I/O error)."""


class DatabaseUnavailableError(UnavailableError):
    """Raised when the database does not answer, is locked, or its schema cannot be created."""


# -- classifying any exception ----------------------------------------------------------------------

# Other libraries' exceptions that mean "not now" rather than "never", by qualified class name.
_TRANSIENT_FOREIGN = frozenset(
    {
        "sqlalchemy.exc.OperationalError",  # database unreachable, locked, connection dropped
        "sqlalchemy.exc.DisconnectionError",
        "sqlalchemy.exc.TimeoutError",  # no pooled connection free in time
        "redis.exceptions.ConnectionError",  # Redis down or loading (BusyLoadingError derives from it)
        "redis.exceptions.TimeoutError",
    }
)
# Other libraries whose messages are safe to store: the engine hides SQL parameters.
_SAFE_MESSAGES = frozenset({"sqlalchemy.exc.SQLAlchemyError"})


def _derives_from(error: BaseException, names: frozenset[str]) -> bool:
    return any(f"{cls.__module__}.{cls.__qualname__}" in names for cls in type(error).__mro__)


def is_transient(error: BaseException) -> bool:
    """Return whether an error may pass if the same work is tried again; only those are retried.

    Ours say so themselves; OS errors (disk full, I/O) and running out of memory may pass; of the
    database and Redis, lost or refused connections, locks and timeouts may pass. Anything else,
    including a bug, would fail the same way again.
    """
    if isinstance(error, CourtdocsError):
        return error.transient
    if isinstance(error, OSError | MemoryError):
        return True
    if getattr(error, "connection_invalidated", False) is True:  # SQLAlchemy: the connection was lost
        return True
    return _derives_from(error, _TRANSIENT_FOREIGN)


def failure_reason(error: BaseException) -> str:
    """Return why an attempt failed in words safe to store and log: our messages carry identifiers only.

    Other libraries' messages may quote a decision's values (pydantic does), so only their type is
    kept, except for OS errors and database errors (whose parameters are hidden).
    """
    if isinstance(error, CourtdocsError | OSError) or _derives_from(error, _SAFE_MESSAGES):
        return f"{type(error).__name__}: {error}"
    return type(error).__name__


class AssetsError(CourtdocsError):
    """Raised when the shipped templates or fonts are not a real folder on disk (a broken install)."""


class SchemaError(CourtdocsError):
    """Raised when the database's schema is not one this courtdocs can use or migrate."""


class SchemaOutOfDateError(SchemaError):
    """Raised when the database is at an older revision than the code needs."""

    def __init__(self, current: str | None, head: str) -> None:
        self.current = current
        self.head = head
        super().__init__(
            f"the database is at revision {current or 'none'}, this courtdocs needs {head}: "
            "run `courtdocs db upgrade`"
        )
