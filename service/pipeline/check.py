"""`courtdocs check`: whether a batch kept the promise of docs/reliability.md, every violation in words.

Facts are gathered from the database and the output folder once (`check_facts.gather`); the rules
are pure functions of those facts, so tests can hand them any state, good or broken.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from service.bundle.layout import (
    COURT_WIDE,
    EntryKind,
    entry_kind,
    exhibit_entry,
    is_case_entry_of,
    is_filing_entry_of,
    omnibus_entry,
)
from service.core.filing import FilingMode
from service.core.kinds import EXHIBIT_FILINGS, DocumentKind, ExhibitVariant
from service.core.models import Basis
from service.core.plan import CASE_DOCUMENTS
from service.core.states import BatchState, CourtState, DocumentState
from service.db.rows import CourtBatchRow, DocumentRow
from service.db.store import Store
from service.errors import NotFoundError
from service.pipeline.check_facts import BatchFacts, BundleFacts, DecisionFacts, gather
from service.pipeline.check_rulings import ruling_problems
from service.render.documents import omnibus_kinds


@dataclass(frozen=True)
class CheckResult:
    """The outcome of checking one batch."""

    batch_id: str
    violations: list[str]
    decisions: int = 0
    failed_decisions: int = 0
    bundles: int = 0

    @property
    def ok(self) -> bool:
        return not self.violations


# -- checking ----------------------------------------------------------------------------


def check_batch(store: Store, output_dir: Path, batch_id: str) -> CheckResult:
    """Check one batch against every rule; raise NotFoundError for a batch that does not exist."""
    facts = gather(store, output_dir, batch_id)
    if facts is None:
        raise NotFoundError(f"no batch {batch_id}")
    violations = [problem for rule in RULES for problem in rule(facts)]
    failed = {doc.subject for doc in facts.documents if doc.state is DocumentState.FAILED}
    return CheckResult(batch_id, violations, len(facts.decisions), len(failed), len(facts.bundles))


# -- rules ---------------------------------------------------------------------------------


def outcome_rule(facts: BatchFacts) -> list[str]:
    """Every document the filing plan needs exists and ended rendered, or failed with a reason."""
    problems = []
    by_subject: dict[str, list[DocumentRow]] = {}
    for doc in facts.documents:
        by_subject.setdefault(doc.subject, []).append(doc)
    per_case = facts.batch.filing is FilingMode.PER_CASE
    expected = {f"{kind.value}.{fmt.value}" for kind, fmt in CASE_DOCUMENTS} if per_case else set()
    for decision in facts.decisions:
        have = {
            f"{doc.kind}.{doc.format}"
            for doc in by_subject.get(decision.decision_id, [])
            if not _left_out_of_omnibus(doc, per_case)
        }
        problems += [
            f"decision {decision.decision_id}: no {name} document" for name in sorted(expected - have)
        ]
        problems += [
            f"decision {decision.decision_id}: {name} is no document of {_filing_words(facts.batch.filing)}"
            for name in sorted(have - expected)
        ]
    for doc in facts.documents:
        if doc.state is DocumentState.PENDING:
            problems.append(f"{_name(doc)}: still {doc.state}")
        elif doc.state is DocumentState.FAILED and not (doc.last_error or "").strip():
            problems.append(f"{_name(doc)}: failed without a reason")
        elif doc.state is DocumentState.RENDERED and facts.file_hashes.get(doc.id) != doc.sha256:
            problems.append(f"{_name(doc)}: the file on disk is missing or differs from its record")
    return problems


def placement_rule(facts: BatchFacts) -> list[str]:
    """Each rendered decision's documents sit exactly once in its court's latest bundle; failed ones not."""
    latest = facts.latest()
    failed = {doc.subject for doc in facts.documents if doc.state is DocumentState.FAILED}
    problems = []
    for doc in facts.documents:
        bundle = latest.get(doc.court_code)
        if bundle is None or doc.state is DocumentState.PENDING:
            continue
        entries = [item for item in bundle.manifest.get("files", []) if _is_entry_of(item, doc)]
        decision_failed = doc.subject in failed
        if decision_failed or doc.state is DocumentState.FAILED:
            if entries:
                problems.append(f"{_name(doc)}: in bundle {bundle.path} although it failed")
            if doc.state is DocumentState.FAILED and not _listed_as_failed(bundle, doc):
                problems.append(f"{_name(doc)}: failed but not listed in the failures of {bundle.path}")
        elif len(entries) != 1:
            problems.append(f"{_name(doc)}: {len(entries)} entries in bundle {bundle.path}, not exactly one")
        elif entries[0].get("sha256") != doc.sha256:
            problems.append(f"{_name(doc)}: bundle {bundle.path} holds other bytes than were rendered")
    return problems


def filing_rule(facts: BatchFacts) -> list[str]:
    """Each latest bundle files its cases one way: one omnibus filing per basis of its cases, or per case."""
    failed = {doc.subject for doc in facts.documents if doc.state is DocumentState.FAILED}
    problems = []
    per_case = facts.batch.filing is FilingMode.PER_CASE
    for code, bundle in sorted(facts.latest().items()):
        names = [str(item.get("path", "")) for item in bundle.manifest.get("files", [])]
        cases = {d.basis for d in facts.decisions if d.court_code == code and d.decision_id not in failed}
        listed = [] if per_case else [basis for basis in Basis if basis.value in cases]
        for name in names:
            if entry_kind(name) is EntryKind.CASE and not per_case:
                problems.append(f"bundle {bundle.path}: {name}: a per-case document in an omnibus filing")
            if entry_kind(name) is EntryKind.LETTER:
                problems.append(f"bundle {bundle.path}: {name}: a letter in a filing, before any ruling")
            basis = next((b for b in Basis if is_filing_entry_of(name, b.value)), None)
            if entry_kind(name) is EntryKind.COURT and name not in COURT_WIDE and basis not in listed:
                problems.append(f"bundle {bundle.path}: {name}: no omnibus filing of a basis its cases have")
        for basis in listed:
            expected = [omnibus_entry(kind, basis.value) for kind in omnibus_kinds(basis)]
            exhibits = tuple(v for v in ExhibitVariant if exhibit_entry(1, basis.value, v) in names)
            if exhibits not in EXHIBIT_FILINGS:  # none, a public version alone, or full and sealed both
                versions = " and ".join(exhibits) or "no"
                problems.append(
                    f"bundle {bundle.path}: part 1 of the {basis.value} Exhibit A in {versions} version, "
                    "not full, confidential, or confidential and public"
                )
            for name in [*expected, *(exhibit_entry(1, basis.value, v) for v in exhibits)]:
                if names.count(name) != 1:
                    problems.append(
                        f"bundle {bundle.path}: {names.count(name)} entries {name}, not exactly one"
                    )
    return problems


def approval_rule(facts: BatchFacts) -> list[str]:
    """A court's latest bundle is final (signed) exactly when an attorney approved its filing."""
    problems = []
    for code, bundle in sorted(facts.latest().items()):
        approved = code in facts.approved_courts
        stated = bundle.manifest.get("filing_index", {}).get("final") if bundle.manifest else None
        if bundle.final and not approved:
            problems.append(f"bundle {bundle.path}: recorded as final, but no attorney approved the filing")
        if stated is not None and stated != bundle.final:
            problems.append(f"bundle {bundle.path}: its filing index says final={stated}, the record not")
    return problems


def provenance_rule(facts: BatchFacts) -> list[str]:
    """No bundle holds anything that was not submitted to this batch and court."""
    decisions = {d.decision_id: d for d in facts.decisions}
    problems = []
    for bundle in facts.bundles:
        manifest = bundle.manifest
        if manifest and (manifest.get("batch_id"), manifest.get("court", {}).get("code")) != (
            facts.batch.id,
            bundle.court_code,
        ):
            problems.append(f"bundle {bundle.path}: its manifest names another batch or court")
        for item in manifest.get("files", []):
            problem = _foreign_entry(item, bundle.court_code, decisions)
            if problem:
                problems.append(f"bundle {bundle.path}: {item.get('path')}: {problem}")
        for decision_id in sorted(set(bundle.clerk_decisions)):
            decision = decisions.get(decision_id)
            if decision is None or decision.court_code != bundle.court_code:
                problems.append(f"bundle {bundle.path}: clerk import lists {decision_id}, not submitted here")
    return problems


def integrity_rule(facts: BatchFacts) -> list[str]:
    """Every published version is still the file recorded, and every entry matches its manifest."""
    problems = []
    for bundle in facts.bundles:
        if bundle.actual is None:
            problems.append(f"bundle {bundle.path}: recorded but missing")
        elif bundle.actual != (bundle.recorded_sha256, bundle.recorded_bytes):
            problems.append(f"bundle {bundle.path}: modified since it was published (hash or size differs)")
        problems += [f"bundle {bundle.path}: {problem}" for problem in bundle.problems]
    problems += [f"{path}: a bundle file that was never published" for path in facts.unrecorded_bundles]
    return problems


def leftovers_rule(facts: BatchFacts) -> list[str]:
    """No temporary file is left in the batch's folder."""
    return [f"{path}: temporary file left behind" for path in facts.temp_files]


def state_rule(facts: BatchFacts) -> list[str]:
    """The batch is published exactly when every court is, and a published court has its bundle."""
    batch_id, state = facts.batch.id, facts.batch.state
    courts = {court.court_code: court for court in facts.courts}
    pending = Counter(doc.court_code for doc in facts.documents if doc.state is DocumentState.PENDING)
    latest = facts.latest()
    problems = []
    all_published = bool(courts) and all(c.state is CourtState.PUBLISHED for c in courts.values())
    if (state is BatchState.PUBLISHED) != all_published:
        problems.append(f"batch {batch_id}: state {state}, but {_court_states(courts)}")
    if state is BatchState.PUBLISHED and facts.batch.finished_at is None:
        problems.append(f"batch {batch_id}: published without a finish time")
    if facts.batch.decision_count != len(facts.decisions):
        recorded = facts.batch.decision_count
        problems.append(f"batch {batch_id}: {recorded} decisions recorded, {len(facts.decisions)} stored")
    for code, court in sorted(courts.items()):
        if court.state is not CourtState.PUBLISHED:
            reason = f" (last attempt failed: {court.last_error})" if court.last_error else ""
            problems.append(f"court {code}: not published yet, {court.state}{reason}")
        elif pending[code]:
            problems.append(f"court {code}: published with {pending[code]} document(s) pending")
        elif code not in latest:
            problems.append(f"court {code}: published without a bundle")
    return problems


def ruling_rule(facts: BatchFacts) -> list[str]:
    """A ruling is only for a final filing, and its stored order and clerk import are unchanged."""
    final = {
        code for code, bundle in facts.latest().items() if bundle.final and code in facts.approved_courts
    }
    return ruling_problems(facts.rulings, final)


RULES: list[Callable[[BatchFacts], list[str]]] = [
    state_rule,
    outcome_rule,
    placement_rule,
    filing_rule,
    approval_rule,
    provenance_rule,
    integrity_rule,
    leftovers_rule,
    ruling_rule,
]


def _filing_words(filing: FilingMode) -> str:
    return "an omnibus filing" if filing is FilingMode.OMNIBUS else "a per-case filing"


def _left_out_of_omnibus(doc: DocumentRow, per_case: bool) -> bool:
    """Return whether a document records a case an omnibus filing left out (its row cannot render)."""
    return not per_case and doc.kind is DocumentKind.EXHIBIT and doc.state is DocumentState.FAILED


def _name(doc: DocumentRow) -> str:
    return f"decision {doc.subject} {doc.kind}.{doc.format}"


def _is_entry_of(item: dict[str, Any], doc: DocumentRow) -> bool:
    return (item.get("decision_id"), item.get("kind"), item.get("format")) == (
        doc.subject,
        doc.kind,
        doc.format,
    )


def _listed_as_failed(bundle: BundleFacts, doc: DocumentRow) -> bool:
    failures = bundle.manifest.get("failures", [])
    return (doc.subject, doc.kind, doc.format) in {
        (f.get("subject"), f.get("kind"), f.get("format")) for f in failures
    }


def _foreign_entry(item: dict[str, Any], court_code: str, decisions: dict[str, DecisionFacts]) -> str | None:
    """Return why a manifest entry is not something submitted to this batch and court, or None."""
    path = str(item.get("path", ""))
    kind = entry_kind(path)
    if kind is EntryKind.CASE:
        decision = decisions.get(str(item.get("decision_id")))
        if decision is None or decision.court_code != court_code:
            return "a case document of a decision not submitted to this court in this batch"
        if not is_case_entry_of(path, decision.case_number, decision.decision_id):
            return "filed under another case"
        return None
    if kind is EntryKind.COURT:
        return None
    return "not a kind of file a bundle holds"


def _court_states(courts: dict[str, CourtBatchRow]) -> str:
    return ", ".join(f"{code} {court.state}" for code, court in sorted(courts.items())) or "no courts"


def describe(result: CheckResult) -> Iterable[str]:
    """Return the lines `courtdocs check` prints."""
    yield from result.violations
    verdict = "VIOLATIONS" if result.violations else "ok"
    yield (
        f"batch {result.batch_id}: {verdict}: {result.decisions} decision(s), "
        f"{result.failed_decisions} failed with a reason, {result.bundles} bundle version(s) checked"
        + (f", {len(result.violations)} violation(s)" if result.violations else "")
    )
