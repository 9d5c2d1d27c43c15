"""The office's contact file: where each person's letter goes, joined to gogen's rows by CII.

The DOJ research file has no address, phone or language, so letters need this second source.
Columns (docs/import.md): cii, name, address_1, address_2, address_3, city, state, zip, language,
notify. Only cii is required as a column; a person to notify needs an address (decision/v1).
"""

from __future__ import annotations

from typing import Any

from service.importing.gogen import CII
from service.importing.tables import Row, fail

REQUIRED = ("cii",)
ADDRESS_LINES = ("address_1", "address_2", "address_3")
_YES = {"", "yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0"}


def contact_of(row: Row, label: str) -> tuple[str, dict[str, Any]]:
    """Return (CII, the person fields this contact gives); raise InvalidInputError for a bad cell."""
    cii = row.get("cii").upper()
    if not CII.fullmatch(cii):
        raise fail(label, row.line, "cii", "is not a CII number (1 to 10 letters A-Z and digits)")
    notify_text = row.get("notify").casefold()
    if notify_text not in _YES | _NO:
        raise fail(label, row.line, "notify", f"must be yes or no (got {row.get('notify')!r})")
    contact: dict[str, Any] = {"language": row.get("language") or "en", "notify": notify_text in _YES}
    if row.get("name"):
        contact["name"] = row.get("name")
    lines = [row.get(column) for column in ADDRESS_LINES if row.get(column)]
    place = {key: row.get(key) for key in ("city", "state", "zip")}
    if lines or any(place.values()):
        contact["address"] = {"lines": lines, **place}
    return cii, contact
