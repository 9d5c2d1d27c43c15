"""POST /api/v1/imports/gogen: a submitter uploads gogen's results, the contacts and OFFICE.toml.

The answer is the review summary and report, and either the decisions ready to submit or, with the
form field submit=true, the batch they were submitted as. Same roles, CSRF rule (`require`),
size limit and error shape as the rest of /api/v1 (service/web/api.py).
"""

from __future__ import annotations

import csv
import json
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from service.core.files import ensure_dir
from service.core.filing import FilingMode
from service.db.accounts import Role, User
from service.errors import InvalidRequestError
from service.importing.office import read_office
from service.importing.run import ImportSummary, import_gogen
from service.importing.tables import ENCODINGS, SUFFIXES
from service.pipeline.runtime import Runtime
from service.pipeline.submit import submit_file
from service.web.deps import AccountsDep, RuntimeDep, require

router = APIRouter(prefix="/api/v1")
Submitter = Annotated[User, Depends(require(Role.SUBMITTER))]
FILES = ("results", "contacts", "office")
FIELDS = ("encoding", "submit", "filing")
CHUNK = 1024 * 1024


@router.post("/imports/gogen", summary="Import gogen's results with the office's contacts (multipart)")
async def import_gogen_upload(
    request: Request, rt: RuntimeDep, accounts: AccountsDep, user: Submitter
) -> JSONResponse:
    """Multipart fields: results (.csv/.xlsx), contacts (.csv/.xlsx), office (OFFICE.toml); optional
    encoding (utf-8 or windows-1252), submit (true to submit at once), filing (omnibus or per-case).

    422 names the file, line and column of bad input; 413 refuses a body over the limit unread.
    """
    declared = request.headers.get("content-length", "")
    if not declared.isdigit():
        raise HTTPException(411, "send the upload with a Content-Length")
    if int(declared) > rt.settings.max_request_bytes:
        raise HTTPException(413, f"the body is over the limit of {rt.settings.max_request_bytes} bytes")
    ensure_dir(rt.settings.output_dir)
    with tempfile.TemporaryDirectory(prefix=".tmp-upload-", dir=rt.settings.output_dir) as folder:
        async with request.form(max_files=len(FILES), max_fields=len(FIELDS)) as form:
            unknown = sorted(set(form) - set(FILES) - set(FIELDS))
            if unknown:
                raise InvalidRequestError(f"unknown form field(s): {', '.join(unknown)}")
            paths = {name: await _saved(form.get(name), name, Path(folder)) for name in FILES}
            options = {name: form.get(name) for name in FIELDS}
        encoding = str(options["encoding"] or "utf-8")
        if encoding not in ENCODINGS:
            raise InvalidRequestError(f"encoding must be one of {', '.join(ENCODINGS)}")
        submit = str(options["submit"] or "false").lower() in ("true", "1", "yes", "on")
        filing = _filing(options["filing"])
        out = Path(folder) / "decisions.jsonl"
        summary = await run_in_threadpool(
            lambda: import_gogen(
                paths["results"], paths["contacts"], read_office(paths["office"]), out, encoding=encoding
            )
        )
        body = _summary(summary)
        if submit:
            body["batch"] = await run_in_threadpool(_submit, rt, summary, filing)
            accounts.audit(user.name, "import", body["batch"]["batch_id"], f"{summary.decisions} decision(s)")
        else:
            body["decisions"] = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
            accounts.audit(user.name, "import", "", f"{summary.decisions} decision(s), not submitted")
    return JSONResponse(body, status_code=202 if submit else 200)


async def _saved(upload: Any, name: str, folder: Path) -> Path:
    """Copy one uploaded file under a name of ours that keeps its kind (.csv, .xlsx, .toml)."""
    if not isinstance(upload, UploadFile):
        raise InvalidRequestError(f"the form needs the file {name}")
    suffix = Path(upload.filename or "").suffix.lower()
    allowed = (".toml",) if name == "office" else SUFFIXES
    if suffix not in allowed:
        raise InvalidRequestError(f"{name} must be a {' or '.join(allowed)} file (got {suffix or 'none'})")
    target = folder / ("OFFICE.toml" if name == "office" else f"{name}{suffix}")
    with target.open("wb") as stream:
        while chunk := await upload.read(CHUNK):
            stream.write(chunk)
    return target


def _filing(value: Any) -> FilingMode:
    try:
        return FilingMode(str(value or FilingMode.OMNIBUS.value))
    except ValueError:
        raise InvalidRequestError("filing must be omnibus or per-case") from None


def _summary(summary: ImportSummary) -> dict[str, Any]:
    with summary.report.open(encoding="utf-8", newline="") as stream:
        review = list(csv.DictReader(stream))
    return {
        "rows": summary.rows,
        "without_determination": summary.without_determination,
        "decision_count": summary.decisions,
        "count_count": summary.counts,
        "several_courts": summary.several_courts,
        "reasons": dict(sorted(summary.reasons.items())),
        "review": review,
    }


def _submit(rt: Runtime, summary: ImportSummary, filing: FilingMode) -> dict[str, Any]:
    if not summary.decisions:
        raise InvalidRequestError("nothing to submit: no row became a decision (see the review)")
    result = submit_file(rt, summary.output, filing=filing)
    return {
        "batch_id": result.batch_id,
        "created": result.created,
        "decisions": result.decisions,
        "filing": filing.value,
        "status_url": f"/api/v1/batches/{result.batch_id}",
    }
