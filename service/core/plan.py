"""Which documents a batch needs: pure functions of the decisions (where they live: service.bundle.layout)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass

from service.core.kinds import DocumentKind, OutputFormat
from service.core.models import Decision

CASE_DOCUMENTS = [
    (DocumentKind.MOTION, OutputFormat.PDF),
    (DocumentKind.MOTION, OutputFormat.DOCX),
    (DocumentKind.ORDER, OutputFormat.PDF),
    (DocumentKind.ORDER, OutputFormat.DOCX),
]
LETTER_FORMAT = OutputFormat.PDF


def person_key(decision: Decision, salt: str) -> str:
    """Return an opaque key for the person: same CII, or same name and date of birth without one.

    Keyed with the batch's secret salt, so a key cannot be traced back to a CII number or a name.
    """
    person = decision.person
    identity = f"cii:{person.cii}" if person.cii else f"name:{person.name.casefold()}|dob:{person.dob}"
    return "p-" + hmac.new(salt.encode(), identity.encode("utf-8"), hashlib.sha256).hexdigest()[:24]


@dataclass(frozen=True)
class PlannedDocument:
    court_code: str
    subject: str  # decision_id, or person key for a letter
    kind: DocumentKind
    format: OutputFormat


def plan_documents(decisions: Sequence[Decision], salt: str) -> list[PlannedDocument]:
    """Return every document of a batch: four per decision, one letter per person to notify.

    A person's letter belongs to the court of that person's first decision in the file.
    """
    planned = [
        PlannedDocument(decision.court.code, decision.decision_id, kind, output_format)
        for decision in decisions
        for kind, output_format in CASE_DOCUMENTS
    ]
    letter_courts: dict[str, str] = {}
    for decision in decisions:
        if decision.person.notify:
            letter_courts.setdefault(person_key(decision, salt), decision.court.code)
    planned.extend(
        PlannedDocument(court, key, DocumentKind.LETTER, LETTER_FORMAT)
        for key, court in letter_courts.items()
    )
    return planned
