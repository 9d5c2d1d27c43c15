"""Approve a court's filing: the attorney who signs it, then the filing rendered and published, final.

Until its filing is approved a court's bundle is a draft. An approval names the attorney who signs
(a bar number is required), is dated the day of approval in California, and is recorded once:
a second approval of the same filing is refused, naming the first. Approving sends the court back
to be published; a per-case batch's motions and orders are rendered again first, signed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from service.core.filing import FilingMode, Signer
from service.core.kinds import DocumentKind
from service.core.states import DocumentState
from service.core.validation import field_errors
from service.db.accounts import Accounts
from service.db.rows import ApprovalRow
from service.db.sql import now
from service.errors import (
    ConflictError,
    CourtdocsError,
    InvalidInputError,
    InvalidRequestError,
    NotFoundError,
)
from service.pipeline.dispatch import enqueue_documents, publish_when_finished
from service.pipeline.runtime import Runtime

CALIFORNIA = ZoneInfo("America/Los_Angeles")  # the filing is dated the day of approval, where it is filed
AUDIT_ACTION = "approve_filing"
PER_CASE_KINDS = (DocumentKind.MOTION, DocumentKind.ORDER)  # the documents an approval signs, per case


def filing_date(at: datetime) -> date:
    """Return the date in California at a moment: the date an approval made then gives its filing."""
    return at.astimezone(CALIFORNIA).date()


def approve_filing(
    rt: Runtime,
    batch_id: str,
    courts: Sequence[str] | None,
    *,
    name: str,
    title: str,
    bar_number: str,
    email: str | None,
    actor: str,
) -> list[ApprovalRow]:
    """Approve the filing of these courts of a batch (None: every court), signed by one attorney.

    All the courts or none: InvalidInputError names each invalid field of the attorney,
    NotFoundError an unknown batch or court, ConflictError a filing approved already (by whom,
    when), BusyError a court being published right now. Each approval is written to the audit log,
    and so is each refusal.
    """
    accounts = Accounts(rt.store)
    target = f"{batch_id}/{','.join(courts) if courts is not None else '*'}"
    try:
        signer = _signer(name, title, bar_number, email, filing_date(now()))
        batch = rt.store.batches.batch(batch_id)
        if batch is None:
            raise NotFoundError(f"no batch {batch_id}")
        approvals = _approvals(rt, batch_id, courts, signer, actor)
        render_again = PER_CASE_KINDS if batch.filing is FilingMode.PER_CASE else ()
        rt.store.approvals.approve(approvals, render_again=render_again)
    except CourtdocsError as error:
        accounts.audit(actor, AUDIT_ACTION, target, f"refused: {type(error).__name__}"[:40])
        raise
    for approval in approvals:
        accounts.audit(
            actor, AUDIT_ACTION, f"{batch_id}/{approval.court_code}", f"approved: SBN {approval.bar_number}"
        )
    _publish_signed(rt, batch_id, [approval.court_code for approval in approvals], render_again)
    return approvals


def _approvals(
    rt: Runtime, batch_id: str, courts: Sequence[str] | None, signer: Signer, actor: str
) -> list[ApprovalRow]:
    """Check the courts asked for against the batch and its approvals; return the new approvals."""
    known = [court.court_code for court in rt.store.publications.courts_of(batch_id)]
    chosen = known if courts is None else list(dict.fromkeys(courts))
    if not chosen:
        raise InvalidRequestError("name at least one court, or approve every court of the batch")
    unknown = [court for court in chosen if court not in known]
    if unknown:
        raise NotFoundError(f"batch {batch_id} has no court {', '.join(unknown)}")
    approved = rt.store.approvals.of_batch(batch_id)
    if earlier := [approved[court] for court in chosen if court in approved]:
        raise ConflictError("; ".join(_already(row) for row in earlier) + "; nothing was approved")
    at = now()
    return [
        ApprovalRow(
            batch_id=batch_id,
            court_code=court,
            name=signer.name,
            title=signer.title,
            bar_number=signer.bar_number,
            email=signer.email,
            approved_on=signer.approved_on,
            approved_at=at,
            approved_by=actor,
        )
        for court in chosen
    ]


def _signer(name: str, title: str, bar_number: str, email: str | None, approved_on: date) -> Signer:
    """Validate the attorney; a field left empty is missing (a bar number is required)."""
    fields = {"name": name, "title": title, "bar_number": bar_number, "email": email}
    given: dict[str, object] = {key: value for key, value in fields.items() if value and value.strip()}
    given["approved_on"] = approved_on
    try:
        return Signer.model_validate(given)
    except ValidationError as error:
        raise InvalidInputError(field_errors(error)) from None


def _already(row: ApprovalRow) -> str:
    return (
        f"the {row.court_code} filing of batch {row.batch_id} is already approved: signed by {row.name}"
        f" (SBN {row.bar_number}) on {row.approved_on.isoformat()},"
        f" approved by {row.approved_by} at {row.approved_at:%Y-%m-%d %H:%M} UTC"
    )


def _publish_signed(
    rt: Runtime, batch_id: str, courts: Sequence[str], render_again: Sequence[DocumentKind]
) -> None:
    """Queue what the approved courts render again, then publish each court that has nothing left."""
    if render_again:
        pending = [
            doc
            for court in courts
            for doc in rt.store.documents.of_court(batch_id, court)
            if doc.state is DocumentState.PENDING and doc.kind in render_again
        ]
        enqueue_documents(rt, pending)
    for court in courts:
        publish_when_finished(rt, batch_id, court)
