"""What a batch looks like now: states per court, bundles, failures; and waiting for it to finish."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TextIO

from service.pipeline.runtime import Runtime

POLL_SECONDS = 0.5  # how often --wait looks at the database
BAR_WIDTH = 30  # characters of the progress bar


def batch_status(rt: Runtime, batch_id: str) -> dict[str, Any] | None:
    """Return the batch's state, per-court document counts, latest bundles and failures."""
    batch = rt.store.batch(batch_id)
    if batch is None:
        return None
    counts = rt.store.state_counts(batch_id)
    courts = {}
    for court in rt.store.courts_of(batch_id):
        code = court["court_code"]
        bundle = rt.store.latest_bundle(batch_id, code)
        courts[code] = {
            "state": court["state"],
            "last_error": court.get("last_error") if court["state"] != "published" else None,
            "documents": counts.get(code, {}),
            "bundle": None
            if bundle is None
            else {key: bundle[key] for key in ("version", "path", "sha256", "bytes", "created_at")},
        }
    overall: dict[str, int] = {}
    for per_court in counts.values():
        for state, number in per_court.items():
            overall[state] = overall.get(state, 0) + number
    failures = [
        {"subject": doc.subject, "kind": doc.kind, "format": doc.format, "reason": doc.last_error}
        for doc in rt.store.failed_documents(batch_id)
    ]
    return {
        "batch_id": batch_id,
        "state": batch["state"],
        "decisions": batch["decision_count"],
        "created_at": batch["created_at"],
        "finished_at": batch["finished_at"],
        "documents": overall,
        "courts": courts,
        "failures": failures,
    }


def format_status(report: dict[str, Any]) -> str:
    """Return the status report as lines a person reads."""
    docs = report["documents"]
    lines = [
        f"batch {report['batch_id']}: {report['state']}, {report['decisions']} decision(s)",
        f"  documents: {_counts(docs)}",
    ]
    for code, court in report["courts"].items():
        bundle = court["bundle"]
        where = f", bundle v{bundle['version']}: {bundle['path']}" if bundle else ""
        lines.append(f"  {code}: {court['state']}, {_counts(court['documents'])}{where}")
        if court.get("last_error"):
            lines.append(f"    last publication attempt failed: {court['last_error']}")
    for failure in report["failures"]:
        lines.append(
            f"  failed: {failure['kind']}.{failure['format']} {failure['subject']}: {failure['reason']}"
        )
    return "\n".join(lines)


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{counts.get(state, 0)} {state}" for state in ("rendered", "failed", "pending"))


def progress_line(report: dict[str, Any]) -> str:
    docs = report["documents"]
    total = sum(docs.values()) or 1
    done = docs.get("rendered", 0) + docs.get("failed", 0)
    filled = BAR_WIDTH * done // total
    published = sum(1 for court in report["courts"].values() if court["state"] == "published")
    return (
        f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total} documents"
        f" ({docs.get('failed', 0)} failed), {published}/{len(report['courts'])} court bundle(s) published"
    )


def terminal_printer(stream: TextIO) -> Callable[[str], None]:
    """Return a progress printer: one line redrawn on a terminal, at most one line a second otherwise."""
    last = [0.0]

    def show(line: str) -> None:
        if stream.isatty():
            stream.write(f"\r{line}")
        elif time.monotonic() - last[0] >= 1.0 or line.startswith("[" + "#" * BAR_WIDTH):
            stream.write(f"{line}\n")
            last[0] = time.monotonic()
        stream.flush()

    return show


def wait_for_batch(
    rt: Runtime, batch_id: str, *, show: Callable[[str], None], timeout: float | None = None
) -> bool:
    """Show progress until every court bundle of the batch is published; False on timeout."""
    deadline = None if timeout is None else time.monotonic() + timeout
    shown = ""
    while True:
        report = batch_status(rt, batch_id)
        if report is None:
            return False
        line = progress_line(report)
        if line != shown:
            show(line)
            shown = line
        if report["state"] == "published":
            return True
        if deadline is not None and time.monotonic() > deadline:
            return False
        time.sleep(POLL_SECONDS)
