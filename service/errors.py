"""The one error hierarchy of courtdocs; every error the service raises derives from it."""

from __future__ import annotations

from dataclasses import dataclass


class CourtdocsError(Exception):
    """Base class of every error courtdocs raises on purpose."""


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


class InvalidInputError(CourtdocsError):
    """Raised when input decisions do not follow decision/v1; carries every error found."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        summary = "; ".join(str(error) for error in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        super().__init__(f"{len(errors)} invalid field(s): {summary}{more}")


class ConflictError(CourtdocsError):
    """Raised when a request contradicts an earlier one (an idempotency key reused for other content)."""


class RenderError(CourtdocsError):
    """Raised when a document cannot be rendered; permanent, retrying will not help."""


class TemplateError(RenderError):
    """Raised when a template does not compile or refers to something that does not exist."""


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


class StorageError(CourtdocsError):
    """Raised when output files or the database cannot be written or read as expected."""


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
