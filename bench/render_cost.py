"""What one per-case document costs to render, per kind and format, in one process (CPU time, medians).

The documents a per-case filing renders for every decision (service.core.plan.CASE_DOCUMENTS:
motion and order, PDF and DOCX); an omnibus filing renders none per case, and letters are not
part of a filing (bench/filing_cost.py measures whole filings of both kinds).

    python -m bench.render_cost                          # 24 sample decisions, 3 rounds
    python -m bench.render_cost --against OLD/templates  # the same, interleaved with other templates

With --against, each document is rendered with both template folders in turn, so a change to
the stylesheet or a template is measured side by side on a noisy machine (docs/performance.md).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

from service.core.models import Decision
from service.core.plan import CASE_DOCUMENTS
from service.core.sample import generate_decisions
from service.render import Renderer
from service.settings import Settings

CASES = CASE_DOCUMENTS


def measure(renderers: dict[str, Renderer], decisions: list[Decision], rounds: int) -> None:
    """Print the median CPU milliseconds of each kind and format, for each renderer."""
    for kind, output_format in CASES:
        timings: dict[str, list[float]] = {name: [] for name in renderers}
        documents = {name: [r.html(kind, [d]) for d in decisions] for name, r in renderers.items()}
        for name, renderer in renderers.items():  # warm up: caches, fonts
            renderer.convert(documents[name][0], output_format)
        for _ in range(rounds):
            for index in range(len(decisions)):
                for name, renderer in renderers.items():
                    started = time.process_time()
                    renderer.convert(documents[name][index], output_format)
                    timings[name].append(time.process_time() - started)
        figures = "  ".join(
            f"{name}: {statistics.median(values) * 1000:6.1f} ms" for name, values in timings.items()
        )
        print(f"{kind.value:7} {output_format.value:5} {figures}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--decisions", type=int, default=24)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--against", type=Path, help="another templates folder, measured interleaved")
    args = parser.parse_args()
    settings = Settings.from_env()
    renderers = {"current": Renderer(settings)}
    if args.against:
        renderers["against"] = Renderer(replace(settings, templates_dir=args.against.resolve()))
    decisions = [Decision.model_validate(d) for d in generate_decisions(args.decisions, seed=1)]
    print(f"median CPU time per document over {args.decisions} sample decisions x {args.rounds} rounds")
    measure(renderers, decisions, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
