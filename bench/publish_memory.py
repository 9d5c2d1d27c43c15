"""Memory of publishing one court batch, by court size: does it grow with the number of files?

Each court of a batch of N decisions (3 courts) is published in this process, its files rendered
once and hard-linked as in bench/bundle_build.py. Printed per court: the time, the peak of
Python's own allocations during the publication (tracemalloc: what publication holds, without
the noise of the allocator), and the process's resident memory before and at its peak.

The batch is filed per case by default (four files a decision to list, zip and verify: the
question is whether memory grows with the number of files). With --filing omnibus there are no
per-case files: publishing renders the court's omnibus filing and Exhibit A, which is measured.

    python -m bench.publish_memory --decisions 1000
    python -m bench.publish_memory --decisions 5000
    python -m bench.publish_memory --decisions 5000 --filing omnibus
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc

import psutil

from bench.bundle_build import pretend_rendered, publish_court
from bench.common import COMPARED_FILING, MIB, PeakRss, installation, sample
from service.core.filing import FilingMode
from service.pipeline.submit import submit_file


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--decisions", type=int, default=1000)
    parser.add_argument(
        "--filing", choices=[mode.value for mode in FilingMode], default=COMPARED_FILING.value
    )
    args = parser.parse_args()
    process = psutil.Process()
    with installation() as (rt, _env):
        path = sample(rt, args.decisions)
        batch_id = submit_file(rt, path, filing=FilingMode(args.filing)).batch_id
        rt.queue.empty()  # type: ignore[no-untyped-call]  # nothing renders: files are linked
        pretend_rendered(rt, batch_id, path)
        print(
            f"{args.decisions} decisions, 3 courts, filed {args.filing}, published one court at a time",
            flush=True,
        )
        for court in rt.store.publications.courts_of(batch_id):
            code = court.court_code
            files = sum(rt.store.documents.state_counts(batch_id).get(code, {}).values())
            gc.collect()
            before = process.memory_info().rss
            peak = PeakRss(process)
            tracemalloc.start()
            started = time.monotonic()
            publish_court(rt, batch_id, code)
            seconds = time.monotonic() - started
            _, traced = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            added = (peak.stop() - before) / MIB
            print(
                f"{code}: {files} documents in {seconds:.1f} s (traced, so slower); Python allocations "
                f"peak {traced / MIB:.1f} MiB; RSS {before / MIB:.1f} MiB before, peak +{added:.1f} MiB",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
