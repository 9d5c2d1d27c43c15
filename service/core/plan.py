"""Which documents a batch needs: pure functions of the decisions (where they live: service.bundle.layout)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass

from service.core.filing import FilingMode
from service.core.kinds import DocumentKind, OutputFormat
from service.core.models import Decision

# A per-case filing: the motion (or, under HSC 11361.8, the response) and the proposed order,
# each as the PDF to file and an editable DOCX copy.
CASE_DOCUMENTS = [
    (DocumentKind.MOTION, OutputFormat.PDF),
    (DocumentKind.MOTION, OutputFormat.DOCX),
    (DocumentKind.ORDER, OutputFormat.PDF),
    (DocumentKind.ORDER, OutputFormat.DOCX),
]


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


def plan_documents(decisions: Sequence[Decision], filing: FilingMode) -> list[PlannedDocument]:
    """Return the documents workers render for a batch's filing, one at a time.

    Per case: four per decision (CASE_DOCUMENTS). Omnibus: none; each court's motion, order and
    Exhibit A are made when the court is published, from all its decisions at once. Letters are
    not part of a filing: a person is told only after the judge has ruled.
    """
    if filing is FilingMode.OMNIBUS:
        return []
    return [
        PlannedDocument(decision.court.code, decision.decision_id, kind, output_format)
        for decision in decisions
        for kind, output_format in CASE_DOCUMENTS
    ]
