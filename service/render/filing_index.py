"""The template context of a bundle's filing index: its rows, envelopes and banner, ready to print."""

from __future__ import annotations

from typing import Any

from service.core.filing_index import ROLE_LABELS, FilingIndex, IndexStatus

FILING_INDEX_TEMPLATE = "filing_index.html"
_UNITS = ((1_000_000_000, "GB"), (1_000_000, "MB"), (1_000, "kB"))  # decimal, as e-filing limits are


def human_size(size: int) -> str:
    """Return a size as a clerk reads it against a limit in MB: 1.2 MB, 34.9 kB, 512 bytes."""
    for unit, name in _UNITS:
        if size >= unit:
            return f"{size / unit:.1f} {name}"
    return f"{size} byte" if size == 1 else f"{size} bytes"


def filing_index_context(index: FilingIndex) -> dict[str, Any]:
    """Return the context of filing_index.html: rows in filing order, envelope totals, the banner."""
    rows = []
    envelope = 1
    for number, item in enumerate(index.items, start=1):
        rows.append(
            {
                "number": number,
                "envelope": item.envelope or "",
                "new_envelope": (item.envelope or envelope) != envelope,  # a rule above its row
                "title": item.title,
                "name": item.name,
                "pages": "" if item.pages is None else f"{item.pages:,}",
                "size": human_size(item.bytes),
                "role": item.role.value,
                "role_label": ROLE_LABELS[item.role],
            }
        )
        envelope = item.envelope or envelope
    envelopes = [
        {
            "number": envelope.number,
            "filing": _filing_words(envelope.case_number, envelope.basis),
            "documents": f"{envelope.documents:,}",
            "pages": f"{envelope.pages:,}",
            "size": human_size(envelope.bytes),
            "bytes": f"{envelope.bytes:,}",
        }
        for envelope in index.envelopes
    ]
    filed = [item for item in index.items if item.filed]
    return {
        "index": index,
        "status": index.status.value,
        "draft": index.status is not IndexStatus.FINAL,
        "ready_line": _ready_line(index.signer_line),
        "missing": [{"case_number": case, "reason": reason} for case, reason in index.missing],
        "rows": rows,
        "envelopes": envelopes,
        "limit": human_size(index.envelope_limit),
        "limit_bytes": f"{index.envelope_limit:,}",
        "filed_documents": f"{len(filed):,}",
        "filed_pages": f"{sum(item.pages or 0 for item in filed):,}",
        "filed_size": human_size(sum(item.bytes for item in filed)),
        "copies": f"{len(index.items) - len(filed):,}",
        "per_case": index.mode.value == "per-case",
    }


def _filing_words(case_number: str, basis: str) -> str:
    """Return what an envelope is filed in: "Case BA123456 (HSC 11361.9)", "Omnibus filing (HSC 11361.9)"."""
    filing = f"Case {case_number}" if case_number else "Omnibus filing"
    return f"{filing} ({basis})" if basis else filing


def _ready_line(signer_line: str) -> str:
    """Return "Ready to file: signed by …" from "Signed by …"."""
    return f"Ready to file: {signer_line[:1].lower()}{signer_line[1:]}" if signer_line else ""
