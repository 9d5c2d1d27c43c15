"""What documents exist, and the template context each one is rendered from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from service.errors import RenderError
from service.models import Decision


class DocumentKind(StrEnum):
    MOTION = "motion"
    ORDER = "order"
    LETTER = "letter"


class OutputFormat(StrEnum):
    PDF = "pdf"
    DOCX = "docx"
    HTML = "html"


MEDIA_TYPES = {
    OutputFormat.PDF: "application/pdf",
    OutputFormat.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    OutputFormat.HTML: "text/html; charset=utf-8",
}


@dataclass(frozen=True)
class DocumentHtml:
    """A document rendered to HTML, with what the later stages need to know about it."""

    kind: DocumentKind
    html: str
    title: str
    language: str
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class RenderedDocument:
    """A finished document: its bytes and the facts a manifest records about it."""

    kind: DocumentKind
    format: OutputFormat
    content: bytes
    language: str
    pages: int | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.format]


def choose_language(requested: str, available: Sequence[str]) -> tuple[str, str | None]:
    """Return the letter language for a BCP 47 tag, and the tag asked for if it fell back."""
    wanted = requested.lower()
    by_lower = {tag.lower(): tag for tag in available}
    candidates = [wanted]
    while "-" in wanted:
        wanted = wanted.rsplit("-", 1)[0]
        candidates.append(wanted)
    for candidate in candidates:
        if candidate in by_lower:
            return by_lower[candidate], None
    return "en", requested


def case_context(decision: Decision, *, draft: bool) -> dict[str, Any]:
    """Return the template context of a per-case court document (motion or order)."""
    return {
        "decision": decision,
        "filer": decision,
        "court": decision.court,
        "basis": decision.basis,
        "case_label": decision.case.number,
        "created": decision.approved_at.isoformat(),
        "draft": draft,
    }


def letter_context(
    decisions: Sequence[Decision], language: str, fallback_from: str | None, *, draft: bool
) -> dict[str, Any]:
    """Return the template context of a letter to one person about one or more of their cases."""
    if not decisions:
        raise RenderError("a letter needs at least one decision")
    latest = max(decisions, key=lambda decision: decision.approved_at)
    reliefs = list(
        dict.fromkeys(relief for decision in decisions for relief in decision.relief_kinds)
    )
    return {
        "person": decisions[0].person,
        "cases": list(decisions),
        "agency": latest.agency,
        "reliefs": [relief.value for relief in reliefs],
        "sent_on": latest.approved_at.date(),
        "created": latest.approved_at.isoformat(),
        "language": language,
        "fallback_from": fallback_from,
        "draft": draft,
    }
