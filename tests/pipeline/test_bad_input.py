"""Bad input that tests/unit/core/test_validation.py and tests/web/test_web.py do not cover.

Each names its field, and nothing is stored or queued.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.core.validation import parse_decision
from service.db.accounts import Role
from service.render import DocumentKind, OutputFormat, Renderer
from service.render.documents import ExhibitPart, summarize
from service.web.app import create_app
from tests.conftest import example_decision
from tests.pdftools import pdf_text
from tests.pipeline_helpers import Pipeline, make_pipeline

# Validates a file without keeping its decisions and prints what it found and its peak RSS (KiB).
MEASURE = (
    "import resource, sys; from pathlib import Path; from service.core.validation import validate_file; "
    "report = validate_file(Path(sys.argv[1]), keep_decisions=False); "
    "print(report.valid, len(report.errors), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
)


@dataclass
class Api:
    """The HTTP API of an empty installation, with a submitter's and an attorney's token."""

    pipeline: Pipeline
    client: TestClient
    tokens: dict[str, str]

    def post(self, body: bytes, content_type: str | None, who: str = "submitter") -> Any:
        headers = {"authorization": f"Bearer {self.tokens[who]}"}
        if content_type is not None:
            headers["content-type"] = content_type
        return self.client.post("/api/v1/batches", content=body, headers=headers)

    def get(self, url: str, who: str) -> Any:
        return self.client.get(url, headers={"authorization": f"Bearer {self.tokens[who]}"})

    def nothing_stored_or_queued(self) -> bool:
        rt = self.pipeline.runtime()
        return rt.store.batches.list_batches() == [] and rt.queue.count == 0


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    pipeline = make_pipeline(tmp_path_factory.mktemp("bad") / "out")
    app = create_app(pipeline.settings)
    tokens = {}
    for name, role in (("submitter", Role.SUBMITTER), ("attorney", Role.ATTORNEY), ("clerk", Role.CLERK)):
        app.state.accounts.add_user(name, role, ["LA-CCB"] if role is Role.CLERK else [], None)
        tokens[name] = app.state.accounts.create_token(name)[1]
    with TestClient(app) as client:
        yield Api(pipeline, client, tokens)
    pipeline.close()


def details(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 422, response.text
    return list(response.json()["error"]["details"])


# -- thousands of counts -------------------------------------------------------------------------


@pytest.mark.parametrize("counts", [51, 5000])
def test_thousands_of_counts_are_one_error_naming_counts(api: Api, counts: int) -> None:
    decision = example_decision()
    decision["counts"] = [dict(decision["counts"][0], count=1 + n % 999) for n in range(counts)]
    errors = details(api.post(json.dumps([decision]).encode(), "application/json"))
    assert [(e["path"], e["message"]) for e in errors] == [("counts", "must have at most 50 item(s)")]
    assert api.nothing_stored_or_queued()


# -- relief that makes no sense ------------------------------------------------------------------


def test_relief_that_does_not_fit_its_count_refuses_the_batch_naming_each_count(api: Api) -> None:
    unfit = example_decision()
    unfit["decision_id"], unfit["case"]["number"] = "LAX-2021-0000124", "BA123457"
    unfit["counts"][0].update(level="misdemeanor")  # redesignate_misdemeanor
    unfit["counts"][1].update(relief="resentence")  # sentence_completed: true
    body = "".join(json.dumps(value) + "\n" for value in (example_decision(), unfit)).encode()
    errors = details(api.post(body, "application/x-ndjson"))
    assert [(e["position"], e["decision_id"], e["path"], e["message"]) for e in errors] == [
        ("line 2", "LAX-2021-0000124", "counts[0].relief",
         "a misdemeanor cannot be redesignated as a misdemeanor"),
        ("line 2", "LAX-2021-0000124", "counts[1].relief",
         "a completed sentence (sentence_completed is true) cannot be recalled and resentenced; "
         "resentence is only for a sentence still being served"),
    ]  # fmt: skip
    assert api.nothing_stored_or_queued()


# -- a 100,000-decision file, in flat memory ------------------------------------------------------


def write_decisions(path: Path, count: int) -> Path:
    """Write `count` valid decisions as JSON Lines, each with its own id and case number."""
    decision = example_decision()
    with path.open("w", encoding="utf-8") as out:
        for number in range(count):
            decision["decision_id"] = f"BIG-{number:06d}"
            decision["case"]["number"] = f"BIG{number:06d}"
            out.write(json.dumps(decision) + "\n")
    return path


def peak_rss_kib(path: Path) -> tuple[int, int, int]:
    """Validate the file in a fresh process; return (valid, errors, peak RSS in KiB)."""
    output = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path)], capture_output=True, text=True, check=True
    ).stdout
    valid, errors, peak = map(int, output.split())
    return valid, errors, peak


@pytest.mark.parametrize("decisions", [pytest.param(10_000), pytest.param(100_000, marks=pytest.mark.slow)])
def test_a_huge_json_lines_file_is_validated_streaming_in_flat_memory(tmp_path: Path, decisions: int) -> None:
    _, _, small = peak_rss_kib(write_decisions(tmp_path / "small.jsonl", 1_000))
    valid, errors, large = peak_rss_kib(write_decisions(tmp_path / "large.jsonl", decisions))
    assert (valid, errors) == (decisions, 0)
    per_decision = (large - small) * 1024 / (decisions - 1_000)
    # Keeping the decisions costs about 9 KiB each; streaming keeps only their ids (about 0.4 KiB).
    assert per_decision < 1024, f"{per_decision:.0f} bytes more per decision"


# -- identifiers in URLs that climb out of their folder ------------------------------------------


@pytest.mark.parametrize(
    ("url", "who"),
    [
        ("/api/v1/batches/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "submitter"),
        ("/api/v1/batches/%252e%252e%252fcourtdocs.sqlite3", "submitter"),
        ("/api/v1/batches/b20210101-0000000000/bundles/%2e%2e", "clerk"),
        ("/api/v1/batches/b20210101-0000000000/bundles/..%2f..%2f..%2fcourtdocs.sqlite3", "clerk"),
        ("/api/v1/batches/b20210101-0000000000/bundles/LA-CCB%00", "clerk"),
        ("/api/v1/batches/b20210101-0000000000/bundles/LA-CCB%2f..%2f..%2f..%2f/manifest", "clerk"),
        ("/api/v1/decisions/%2e%2e%2f%2e%2e%2fetc%2fpasswd/documents/motion.pdf", "attorney"),
        ("/api/v1/decisions/..%5c..%5cwindows/documents/motion.pdf", "attorney"),
        ("/api/v1/decisions/LAX-1/documents/..%2f..%2f..%2fcourtdocs.sqlite3", "attorney"),
        ("/api/v1/decisions/LAX-1/documents/%2e%2e%2fmotion.pdf", "attorney"),
        ("/clerk/batches/..%2f..%2fetc/courts/LA-CCB/manifest", "clerk"),
    ],
)
def test_encoded_identifiers_that_climb_out_of_their_folder_never_reach_a_file(
    api: Api, url: str, who: str
) -> None:
    response = api.get(url, who)
    assert response.status_code in (404, 422), (url, response.status_code)
    assert b"root:" not in response.content and b"SQLite format" not in response.content


# -- names that look like URLs ------------------------------------------------------------------


@pytest.fixture(scope="module")
def renderer(api: Api) -> Renderer:
    return Renderer(api.pipeline.settings)


@pytest.mark.parametrize("kind", [DocumentKind.ORDER, DocumentKind.LETTER, DocumentKind.EXHIBIT])
def test_a_name_that_is_a_file_url_prints_literally_and_fetches_nothing(
    renderer: Renderer, kind: DocumentKind, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    value = example_decision()
    value["person"]["name"] = secret.as_uri()
    value["person"]["aka"] = [f"url({secret.as_uri()})"]
    decision = parse_decision(value)
    if kind is DocumentKind.EXHIBIT:
        document = renderer.convert(
            renderer.exhibit(ExhibitPart.whole(1), [decision], summarize([decision], parts=1), final=False),
            OutputFormat.PDF,
        )
    else:
        document = renderer.render(kind, [decision], OutputFormat.PDF)
    path = tmp_path / "document.pdf"
    path.write_bytes(document.content)
    text = "".join(pdf_text(path).split())
    assert "TOP-SECRET-CONTENT" not in text and "secret.txt" in text


# -- wrong content types --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [None, "multipart/form-data; boundary=x", "application/xml", "application/ndjson", "text/csv"],
)
def test_a_body_of_an_unaccepted_content_type_is_415_and_stores_nothing(
    api: Api, content_type: str | None
) -> None:
    response = api.post(json.dumps([example_decision()]).encode(), content_type)
    assert response.status_code == 415, response.text
    assert "application/x-ndjson" in response.json()["error"]["message"]
    assert api.nothing_stored_or_queued()


def test_json_lines_sent_as_json_is_malformed_json_with_its_line(api: Api) -> None:
    body = (json.dumps(example_decision()) + "\n" + json.dumps(example_decision())).encode()
    errors = details(api.post(body, "application/json"))
    assert len(errors) == 1 and "line 2" in errors[0]["message"]
    assert api.nothing_stored_or_queued()


def test_a_json_array_sent_as_json_lines_is_one_record_that_is_not_a_decision(api: Api) -> None:
    errors = details(api.post(json.dumps([example_decision()]).encode(), "application/x-ndjson"))
    assert [(e["position"], e["message"]) for e in errors] == [
        ("line 1", "must be a JSON object (one decision)")
    ]
    assert api.nothing_stored_or_queued()
