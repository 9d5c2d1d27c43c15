"""A court's omnibus filing per basis: the motion (or response), the proposed order and Exhibit A in parts."""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from service.bundle.layout import exhibit_entry, omnibus_entry, omnibus_file
from service.bundle.manifest import BundleFile
from service.core.files import write_atomic
from service.core.filing import Signer
from service.core.kinds import exhibit_variants
from service.core.models import Basis, Decision, from_stored
from service.db.store import Store
from service.errors import (
    BundleLimitError,
    BusyError,
    MissingGlyphError,
    UnrenderableCasesError,
    failure_reason,
)
from service.render import OutputFormat, Renderer
from service.render.documents import (
    DocumentHtml,
    ExhibitPart,
    OmnibusSummary,
    RenderedDocument,
    omnibus_kinds,
    summarize,
)
from service.settings import Settings

log = logging.getLogger("courtdocs.publish")
# One omnibus filing per basis, never both in one: the People's motion (11361.9), then their
# response to the persons' petitions/applications (11361.8).
FILINGS = (Basis.PROSECUTOR_REVIEW, Basis.PETITION)


@dataclass(frozen=True)
class CourtFiling:
    """What one court batch's omnibus filings are made with, and where they are written."""

    settings: Settings
    store: Store
    renderer: Renderer
    batch_id: str
    court_code: str
    failed: frozenset[str]  # decisions left out: a document of theirs failed
    work: Path
    renew: Callable[[], None]  # extends the publication's lease between long steps
    signer: Signer | None  # the attorney who approved the filing; None: a draft

    def decisions(self) -> Iterator[Decision]:
        """Yield the court's decisions that are filed (none failed), in case-number order, streaming."""
        for decision_id, payload in self.store.batches.court_payloads(self.batch_id, self.court_code):
            if decision_id not in self.failed:
                yield from_stored(payload)

    def first_decision(self) -> Decision:
        """Return the court's first decision, filed or not (it names the court)."""
        with closing(self.store.batches.court_payloads(self.batch_id, self.court_code)) as payloads:
            for _, payload in payloads:
                return from_stored(payload)
        raise BusyError(f"court batch {self.batch_id}/{self.court_code} has no decisions")


@dataclass
class _CourtScan:
    """What one streaming pass over a court batch's decisions learns of the cases of one basis."""

    filer: Decision | None = None
    exhibit: list[list[BundleFile]] = field(default_factory=list)  # each part, in every version
    cases: int = 0  # decisions that did not fail, listed in Exhibit A
    by_relief: Counter[str] = field(default_factory=Counter)
    bases: set[Basis] = field(default_factory=set)

    def add(self, decision: Decision) -> None:
        """Count a decision that goes into Exhibit A."""
        self.filer = self.filer or decision
        self.cases += 1
        self.by_relief.update(count.relief.value for count in decision.counts)
        self.bases.add(decision.basis)

    def summary(self) -> OmnibusSummary:
        return OmnibusSummary(
            cases=self.cases,
            counts=sum(self.by_relief.values()),
            parts=len(self.exhibit),
            by_relief=tuple(self.by_relief.items()),
            bases=tuple(sorted(self.bases)),
        )


def omnibus_filings(job: CourtFiling) -> list[BundleFile]:
    """Render the court's omnibus filing of each basis, in filing order: motion, order, exhibit parts."""
    files: list[BundleFile] = []
    for scan in _scan_court(job):
        files += _omnibus_files(job, scan) + [file for part in scan.exhibit for file in part]
    return files


def _scan_court(job: CourtFiling) -> list[_CourtScan]:
    """Stream the court's decisions, rendering each basis's own Exhibit A part by part.

    Each basis is one omnibus filing with its own exhibit (FILINGS). Its cases are counted first,
    so every part says "Part i of n" and which cases it holds; a part over the e-filing limits
    makes every part of that exhibit half as long, and the exhibit is rendered again: each part
    still holds the same number of cases and knows n.
    """
    listed = _listed_by_basis(job)
    scans = []
    for basis in FILINGS:
        if not listed[basis]:
            continue
        part_size = job.settings.omnibus_part_decisions
        while (scan := _scan_parts(job, basis, listed[basis], part_size)) is None:
            part_size = (part_size + 1) // 2
            log.info(
                "Exhibit A of %s/%s over the e-filing limits: parts of %d cases",
                job.batch_id,
                job.court_code,
                part_size,
            )
        scans.append(scan)
    return scans


def _listed_by_basis(job: CourtFiling) -> Counter[Basis]:
    """Count the cases each basis lists in its Exhibit A (decisions that did not fail), streaming."""
    listed: Counter[Basis] = Counter()
    for decision_id, payload in job.store.batches.court_payloads(job.batch_id, job.court_code):
        if decision_id not in job.failed:
            listed[Basis(json.loads(payload)["basis"])] += 1
    return listed


def _scan_parts(job: CourtFiling, basis: Basis, listed: int, part_size: int) -> _CourtScan | None:
    """Render one basis's Exhibit A in parts of `part_size` cases; None if a part is over the limits."""
    scan = _CourtScan()
    parts = -(-listed // part_size)
    part: list[Decision] = []
    for decision in job.decisions():
        if decision.basis is not basis:
            continue
        scan.add(decision)
        part.append(decision)
        if len(part) >= part_size or scan.cases == listed:
            place = ExhibitPart(len(scan.exhibit) + 1, parts, scan.cases - len(part) + 1, len(part), listed)
            try:
                rendered = _render_exhibit(job, part, place)
            except MissingGlyphError:
                if reasons := _unrenderable(job, part):
                    raise UnrenderableCasesError(reasons) from None
                raise  # not one case's row: the court's own words (its name, the office's)
            if rendered is None:
                return None
            scan.exhibit.append(rendered)
            part = []
            job.renew()
    if part or scan.cases != listed:
        raise BusyError(f"court batch {job.batch_id}/{job.court_code} changed while its exhibit was rendered")
    return scan


def _unrenderable(job: CourtFiling, part: list[Decision]) -> dict[str, str]:
    """Return each case of a part whose row needs a character no bundled font has, and why."""
    reasons = {}
    for decision in part:
        alone = job.renderer.exhibit(
            ExhibitPart.whole(1), [decision], summarize([decision], parts=1), final=False
        )
        try:
            job.renderer.pdf.check_glyphs(alone.html)
        except MissingGlyphError as error:
            reasons[decision.decision_id] = failure_reason(error)
    return reasons


def _render_exhibit(
    job: CourtFiling, decisions: list[Decision], place: ExhibitPart
) -> list[BundleFile] | None:
    """Render one part of Exhibit A in every version the court gets (confidential, public...).

    None if a version is over the e-filing limits and the part could be shorter: the versions
    share their parts, so a confidential part and its public version list the same cases.
    """
    settings, renderer = job.settings, job.renderer
    summary = summarize(decisions, parts=place.of)
    files = []
    for variant in exhibit_variants(settings, job.court_code):
        document = renderer.exhibit(place, decisions, summary, final=job.signer is not None, variant=variant)
        rendered = renderer.convert(document, OutputFormat.PDF)
        if _over_limits(settings, rendered) and len(decisions) > 1:
            return None
        if _over_limits(settings, rendered):
            raise BundleLimitError(
                f"part {place.number} of Exhibit A, one case, has {rendered.pages} pages and "
                f"{len(rendered.content)} bytes: over the e-filing limits of {settings.efiling_max_pages} "
                f"pages and {settings.efiling_max_bytes} bytes"
            )
        name = exhibit_entry(place.number, decisions[0].basis, variant)
        target = job.work / omnibus_file(name)
        files.append(stored(target, name, rendered.content, "exhibit", "pdf", rendered.pages))
    return files


def _over_limits(settings: Settings, rendered: RenderedDocument) -> bool:
    too_long = (rendered.pages or 0) > settings.efiling_max_pages
    return too_long or len(rendered.content) > settings.efiling_max_bytes


def _omnibus_files(job: CourtFiling, scan: _CourtScan) -> list[BundleFile]:
    """Render a basis's motion (or response) and proposed order, signed by the filing's attorney."""
    if scan.filer is None:
        return []
    summary = scan.summary()
    files = []
    for kind in omnibus_kinds(scan.filer.basis):
        document: DocumentHtml = job.renderer.omnibus(kind, scan.filer, summary, job.signer)
        rendered = job.renderer.convert(document, OutputFormat.PDF)
        name = omnibus_entry(kind, scan.filer.basis)
        target = job.work / omnibus_file(name)
        files.append(stored(target, name, rendered.content, kind.value, "pdf", rendered.pages))
    return files


def stored(target: Path, name: str, content: bytes, kind: str, fmt: str, pages: int | None) -> BundleFile:
    """Write a file the publication made into the court's work folder; return its bundle entry."""
    write_atomic(target, content)
    return BundleFile(name, target, kind, fmt, hashlib.sha256(content).hexdigest(), len(content), pages)
