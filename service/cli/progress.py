"""Progress of a batch on the command line: a bar redrawn on a terminal, a plain line at times in a log."""

from __future__ import annotations

import time
from types import TracebackType
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from service.core.states import BatchState
from service.pipeline.status import BatchStatus

LOG_INTERVAL_SECONDS = 5.0  # at most one progress line this often when the output is not a terminal


def progress_line(report: BatchStatus) -> str:
    """Return the batch's progress in one line of words."""
    docs = report.documents
    courts = f"{report.published_courts}/{len(report.courts)} court bundle(s) published"
    if not docs.total:  # an omnibus filing: each court's documents are made as it is published
        return courts
    return f"{docs.done}/{docs.total} documents ({docs.failed} failed), {courts}"


class ProgressDisplay:
    """Show each new BatchStatus: rich's bar on a terminal; on a pipe or log file, plain lines."""

    def __init__(self, stream: TextIO, *, interval: float = LOG_INTERVAL_SECONDS) -> None:
        self.console = Console(file=stream, highlight=False)
        self.stream = stream
        self.interval = interval
        self.last_line = -interval
        self.bar: Progress | None = None
        self.task = TaskID(0)

    def __enter__(self) -> ProgressDisplay:
        if self.console.is_terminal:
            self.bar = Progress(
                TextColumn("{task.fields[unit]}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[detail]}"),
                TimeElapsedColumn(),
                console=self.console,
            )
            self.bar.start()
            self.task = self.bar.add_task("batch", total=None, detail="", unit="documents")
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self.bar is not None:
            self.bar.stop()

    def show(self, report: BatchStatus) -> None:
        """Show a new status of the batch."""
        if self.bar is not None:
            docs, published, courts = report.documents, report.published_courts, len(report.courts)
            if docs.total:
                detail = f"{docs.failed} failed, {published}/{courts} bundles published"
                total, done, unit = docs.total, docs.done, "documents"
            else:  # an omnibus filing: the courts' filings are the work
                detail, total, done, unit = "", courts, published, "court filings"
            self.bar.update(self.task, total=total, completed=done, detail=detail, unit=unit)
            return
        finished = report.state is BatchState.PUBLISHED
        if finished or time.monotonic() - self.last_line >= self.interval:
            self.stream.write(progress_line(report) + "\n")
            self.stream.flush()
            self.last_line = time.monotonic()
