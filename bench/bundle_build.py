"""Time and memory of publishing court bundles for many decisions (issue 5: 10,000 in under 100 MB more).

A per-case batch (the default): its workers would render 40,000 documents first, most of an hour,
so each kind of document is rendered once and hard-linked as the file of every decision; what is
measured is publication (clerk import, filing index, manifest, streamed ZIP, verification) of
a bundle of four files a decision. An omnibus batch has no per-case documents: publication renders
each court's omnibus motion or response, proposed order and Exhibit A for real, and that is measured.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import time
from datetime import timedelta
from pathlib import Path

import psutil
from sqlalchemy import bindparam, update

from bench.common import COMPARED_FILING, MIB, PeakRss, installation, sample
from service.bundle.layout import document_path
from service.core.files import ensure_dir
from service.core.filing import FilingMode
from service.core.kinds import DocumentKind, OutputFormat
from service.core.validation import validate_file
from service.db.schema import documents
from service.pipeline.publish import publish
from service.pipeline.runtime import Runtime
from service.pipeline.submit import submit_file


def measure_bundle(decisions: int, filing: FilingMode = COMPARED_FILING) -> tuple[float, float]:
    """Return seconds to publish every court of a batch of this many decisions, and the peak MiB added."""
    with installation() as (rt, _env):
        path = sample(rt, decisions)
        batch_id = submit_file(rt, path, filing=filing).batch_id
        rt.queue.empty()  # type: ignore[no-untyped-call]  # nothing renders: files are linked below
        pretend_rendered(rt, batch_id, path)
        process = psutil.Process()
        before = process.memory_info().rss
        peak = PeakRss(process)
        started = time.monotonic()
        for court in rt.store.publications.courts_of(batch_id):
            publish_court(rt, batch_id, court.court_code)
        seconds = time.monotonic() - started
        return seconds, (peak.stop() - before) / MIB


def pretend_rendered(rt: Runtime, batch_id: str, path: Path) -> None:
    """Give every document the bytes of one real render of its kind and format, by hard links."""
    first = validate_file(path).decisions[0]
    originals: dict[tuple[DocumentKind, OutputFormat], tuple[Path, str, int, int | None]] = {}

    def original(kind: DocumentKind, output_format: OutputFormat) -> tuple[Path, str, int, int | None]:
        if (kind, output_format) not in originals:
            rendered = rt.renderer.render(kind, [first], output_format)
            target = rt.settings.output_dir / f"original-{kind.value}.{output_format.value}"
            target.write_bytes(rendered.content)
            digest = hashlib.sha256(rendered.content).hexdigest()
            originals[(kind, output_format)] = (target, digest, len(rendered.content), rendered.pages)
        return originals[(kind, output_format)]

    rows = []
    for court in rt.store.publications.courts_of(batch_id):
        for doc in rt.store.documents.of_court(batch_id, court.court_code):
            source, digest, size, pages = original(doc.kind, doc.format)
            relative = document_path(batch_id, doc.court_code, doc.subject, doc.kind, doc.format)
            target = rt.settings.output_dir / relative
            ensure_dir(target.parent)
            os.link(source, target)
            rows.append({"doc_id": doc.id, "p": relative, "h": digest, "b": size, "n": pages})
    if not rows:
        return  # an omnibus batch: no per-case documents
    with rt.store.engine.begin() as conn:
        conn.execute(
            update(documents)
            .where(documents.c.id == bindparam("doc_id"))
            .values(
                state="rendered",
                path=bindparam("p"),
                sha256=bindparam("h"),
                bytes=bindparam("b"),
                pages=bindparam("n"),
            ),
            rows,
        )


def publish_court(rt: Runtime, batch_id: str, court_code: str) -> None:
    """Take a court's publication as a worker would, and publish it in this process."""
    token = secrets.token_hex(8)
    lease = timedelta(minutes=30)
    rt.store.publications.claim(batch_id, court_code, lease)  # an omnibus submission claimed it already
    if not rt.store.publications.take(batch_id, court_code, lease, token):
        raise RuntimeError(f"could not take the publication of {court_code}")
    publish(rt.settings, rt.store, rt.renderer, batch_id, court_code, token=token, renew=lambda: None)
