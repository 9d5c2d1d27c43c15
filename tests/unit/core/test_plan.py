"""The filing plan decides which documents workers render: per case four, omnibus none, letters never."""

from __future__ import annotations

from collections import Counter

import pytest

from service.core.filing import FilingMode, Signer
from service.core.kinds import DocumentKind, OutputFormat
from service.core.models import Decision
from service.core.plan import plan_documents
from service.core.sample import generate_decisions
from service.core.validation import parse_decision


def _decisions(count: int) -> list[Decision]:
    return [parse_decision(record) for record in generate_decisions(count, seed=11, courts=2)]


def test_a_per_case_filing_renders_a_motion_and_an_order_per_case_in_pdf_and_docx() -> None:
    decisions = _decisions(12)
    planned = plan_documents(decisions, FilingMode.PER_CASE)
    per_decision = Counter(doc.subject for doc in planned)
    assert per_decision == {decision.decision_id: 4 for decision in decisions}
    assert {(doc.kind, doc.format) for doc in planned} == {
        (kind, fmt)
        for kind in (DocumentKind.MOTION, DocumentKind.ORDER)
        for fmt in (OutputFormat.PDF, OutputFormat.DOCX)
    }
    courts = {decision.decision_id: decision.court.code for decision in decisions}
    assert all(doc.court_code == courts[doc.subject] for doc in planned)


def test_an_omnibus_filing_renders_no_per_case_document() -> None:
    assert plan_documents(_decisions(12), FilingMode.OMNIBUS) == []


@pytest.mark.parametrize("mode", list(FilingMode))
def test_no_filing_plans_a_letter_before_the_judge_has_ruled(mode: FilingMode) -> None:
    assert all(doc.kind is not DocumentKind.LETTER for doc in plan_documents(_decisions(12), mode))


def test_a_signer_without_a_bar_number_is_refused_naming_the_field() -> None:
    with pytest.raises(ValueError, match="bar_number"):
        Signer.model_validate(
            {"name": "Ana Ruiz", "title": "Deputy District Attorney", "approved_on": "2026-11-30"}
        )
    with pytest.raises(ValueError, match="bar_number"):
        Signer(name="Ana Ruiz", title="Deputy", bar_number="SBN-12", approved_on="2026-11-30")  # type: ignore[arg-type]
