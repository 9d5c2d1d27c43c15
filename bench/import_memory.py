"""Memory of `courtdocs import gogen` by file size: does it stay flat from 10,000 to 100,000 rows?

Each size runs in a fresh process (so resident memory is its own): synthetic gogen results in
gogen's own columns (service/importing/sample.py: each person's two cases, their counts spread over
the whole file), a contact per person, the sample OFFICE.toml, then one import. Printed per size:
rows, decisions, seconds, the peak of Python's allocations during the import (tracemalloc), and
the resident memory before and at its peak; then the ratios of the largest size to the smallest.

    python -m bench.import_memory                      # 10,000 and 100,000 rows
    python -m bench.import_memory --rows 200 --rows 2000
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import psutil

from bench.common import MIB, REPO, PeakRss
from service.importing.office import read_office
from service.importing.run import import_gogen
from service.importing.sample import (
    CONTACT_COLUMNS,
    RESULTS_COLUMNS,
    SAMPLE_OFFICE,
    synthetic_contacts,
    synthetic_results,
    write_table,
)

COUNTS_PER_PERSON = 4


def measure(rows: int) -> dict[str, float]:
    """Import `rows` synthetic result rows in this process; return what it cost."""
    people = max(1, rows // COUNTS_PER_PERSON)
    with tempfile.TemporaryDirectory(prefix="courtdocs-bench-import-") as name:
        folder = Path(name)
        results, contacts, office = (
            folder / "Prop64_Results.csv",
            folder / "contacts.csv",
            folder / "OFFICE.toml",
        )
        write_table(results, RESULTS_COLUMNS, synthetic_results(people, COUNTS_PER_PERSON))
        write_table(contacts, CONTACT_COLUMNS, synthetic_contacts(people))
        office.write_text(SAMPLE_OFFICE, encoding="utf-8")
        gc.collect()
        process = psutil.Process()
        before = process.memory_info().rss
        peak = PeakRss(process)
        tracemalloc.start()
        started = time.monotonic()
        summary = import_gogen(results, contacts, read_office(office), folder / "decisions.jsonl")
        seconds = time.monotonic() - started
        _, traced = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return {
            "rows": summary.rows,
            "decisions": summary.decisions,
            "seconds": seconds,
            "traced_mib": traced / MIB,
            "rss_before_mib": before / MIB,
            "rss_added_mib": (peak.stop() - before) / MIB,
        }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, action="append", help="a file size to measure (repeatable)")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)  # one size, in a fresh process
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child)))
        return 0
    sizes = sorted(args.rows or [10_000, 100_000])
    measured = []
    for rows in sizes:
        command = [sys.executable, "-m", "bench.import_memory", "--child", str(rows)]
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=True)
        f = json.loads(done.stdout)
        measured.append(f)
        print(
            f"{f['rows']:>8.0f} rows: {f['decisions']:.0f} decisions in {f['seconds']:.1f} s "
            f"(traced, so slower); Python allocations peak {f['traced_mib']:.1f} MiB; "
            f"RSS {f['rss_before_mib']:.1f} MiB before, peak +{f['rss_added_mib']:.1f} MiB",
            flush=True,
        )
    small, large = measured[0], measured[-1]
    times = large["rows"] / small["rows"]
    print(
        f"ratio ({large['rows']:.0f} / {small['rows']:.0f} rows, {times:.0f}x the rows): "
        f"Python allocations peak {large['traced_mib'] / small['traced_mib']:.2f}x, "
        f"RSS peak added {large['rss_added_mib'] / max(small['rss_added_mib'], 0.1):.2f}x"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
