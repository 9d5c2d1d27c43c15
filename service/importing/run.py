"""Import gogen's results in one streaming pass: rows in, decision/v1 JSON Lines and a review report out.

gogen writes its rows in the order of the DOJ file it read (exporter/data_exporter.go: Export walks
dojInformation.Rows), and it groups a person's rows through a map, not by their order
(data/doj_information.go: aggregateSubjects), so nothing promises that a case's counts, or a
person's cases, are adjacent. Rows are therefore sorted outside memory: each row is parsed as it
is read and stored in a temporary SQLite file beside the output, then read back ordered by CII,
court and case number, one person at a time. Memory holds one person's rows, never the file's.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import sqlite3
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, closing
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO

from service.core.files import atomic_writer
from service.core.validation import parse_decision
from service.errors import FieldError, InvalidInputError
from service.importing import contacts, gogen
from service.importing.gogen import CountRow, Review
from service.importing.office import Office
from service.importing.tables import read_rows

MAX_ERRORS = 200  # cell errors listed before the import stops reading (the file is wrong throughout)
REPORT_HEADER = ["source line", "CII", "case number", "reason", "detail"]
NO_CONTACT = "no contact"
REPEATED_COUNT = "count repeated in its case"
TAKEN_CASE = "case already imported for another person"
REJECTED = "decision rejected by decision/v1"
SEVERAL_COURTS = "note: cases in several courts (decisions written)"
_SCHEMA = """
CREATE TABLE contacts (cii TEXT PRIMARY KEY, line INTEGER, contact TEXT);
CREATE TABLE people (cii TEXT PRIMARY KEY, dob TEXT, deceased INTEGER);
CREATE TABLE names (cii TEXT, name TEXT, line INTEGER, PRIMARY KEY (cii, name));
CREATE TABLE counts (
    line INTEGER, cii TEXT, court TEXT, case_number TEXT, number INTEGER, convicted_on TEXT, count TEXT
);
CREATE TABLE cases (court TEXT, case_number TEXT, PRIMARY KEY (court, case_number));
"""


@dataclass
class ImportSummary:
    """What an import did: decisions written, rows read, and every row not imported by reason."""

    output: Path
    report: Path
    rows: int = 0  # data rows of the results file
    without_determination: int = 0  # All_Results rows that are not Prop 64 convictions
    decisions: int = 0
    counts: int = 0
    several_courts: int = 0  # people with decisions in more than one court
    reasons: Counter[str] = field(default_factory=Counter)  # rows (or people, for notes) by reason

    def lines(self) -> list[str]:
        """Return the summary as printed on the terminal."""
        out = [
            f"{self.rows} result row(s): {self.decisions} decision(s) with {self.counts} count(s) "
            f"written to {self.output}",
        ]
        if self.without_determination:
            out.append(f"{self.without_determination} row(s) without a determination (not Prop 64 rows)")
        out += [f"{number:>7}  {reason}" for reason, number in sorted(self.reasons.items())]
        if self.reasons:
            out.append(f"review report: {self.report}")
        return out


def report_path(output: Path) -> Path:
    """Return where the review report of an output goes: beside it, decisions.review.csv."""
    return output.with_name(f"{output.stem}.review.csv")


def import_gogen(
    results: Path,
    contacts_file: Path,
    office: Office,
    output: Path,
    *,
    encoding: str = "utf-8",
    today: date | None = None,
    now: datetime | None = None,
) -> ImportSummary:
    """Import gogen's results with the office's contacts into `output`; the report goes beside it.

    Bad input (a missing column, a date that is not a date, a CII that is not one, a contact
    repeated) raises InvalidInputError naming the file, line and column; nothing is written then.
    """
    summary = ImportSummary(output, report_path(output))
    with ExitStack() as stack:
        folder = stack.enter_context(tempfile.TemporaryDirectory(prefix=".tmp-import-", dir=output.parent))
        db = stack.enter_context(closing(sqlite3.connect(Path(folder) / "rows.sqlite")))
        db.executescript(_SCHEMA)
        out = stack.enter_context(atomic_writer(output))
        report = _ReportWriter(stack.enter_context(atomic_writer(summary.report)), summary)
        with db:
            _load_contacts(db, contacts_file, encoding)
            _load_results(db, results, office, encoding, report, summary)
        _write_decisions(db, office, out, report, summary, today, now)
        report.close()
    return summary


class _ReportWriter:
    def __init__(self, stream: BinaryIO, summary: ImportSummary) -> None:
        self._text = io.TextIOWrapper(stream, encoding="utf-8", newline="")
        self._csv = csv.writer(self._text)
        self._csv.writerow(REPORT_HEADER)
        self._summary = summary

    def add(self, item: Review) -> None:
        self._summary.reasons[item.reason] += 1
        line = "" if item.line is None else str(item.line)
        self._csv.writerow([line, item.cii, item.case_number, item.reason, item.detail])

    def close(self) -> None:
        self._text.flush()
        self._text.detach()


def _collect(errors: list[FieldError], error: InvalidInputError) -> None:
    errors.extend(error.errors)
    if len(errors) >= MAX_ERRORS:
        raise InvalidInputError(errors)


def _load_contacts(db: sqlite3.Connection, path: Path, encoding: str) -> None:
    label = path.name
    errors: list[FieldError] = []
    for row in read_rows(path, contacts.REQUIRED, encoding=encoding):
        try:
            cii, contact = contacts.contact_of(row, label)
        except InvalidInputError as error:
            _collect(errors, error)
            continue
        try:
            db.execute("INSERT INTO contacts VALUES (?, ?, ?)", (cii, row.line, json.dumps(contact)))
        except sqlite3.IntegrityError:
            (first,) = db.execute("SELECT line FROM contacts WHERE cii = ?", (cii,)).fetchone()
            message = f"repeats the contact of CII {cii} (first at line {first}); keep one row per person"
            repeated = FieldError(f"{label} line {row.line}", None, "cii", message)
            _collect(errors, InvalidInputError([repeated]))
    if errors:
        raise InvalidInputError(errors)


def _load_results(
    db: sqlite3.Connection,
    path: Path,
    office: Office,
    encoding: str,
    report: _ReportWriter,
    summary: ImportSummary,
) -> None:
    label = path.name
    errors: list[FieldError] = []
    for row in read_rows(path, gogen.REQUIRED, encoding=encoding):
        summary.rows += 1
        determined = bool(row.get(gogen.DETERMINATION))
        try:
            facts = gogen.facts_of(row, label, with_dob=determined)
            found = gogen.count_of(row, facts, office, label) if determined else None
        except InvalidInputError as error:
            _collect(errors, error)
            continue
        db.execute("INSERT OR IGNORE INTO names VALUES (?, ?, ?)", (facts.cii, facts.name, row.line))
        if not determined:
            summary.without_determination += 1
            continue
        db.execute(
            "INSERT INTO people VALUES (?, ?, ?) ON CONFLICT (cii) DO UPDATE "
            "SET deceased = max(deceased, excluded.deceased)",
            (facts.cii, facts.dob, int(facts.deceased)),
        )
        if isinstance(found, Review):
            report.add(found)
        elif found is not None:
            db.execute(
                "INSERT INTO counts VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    found.line,
                    found.cii,
                    found.court,
                    found.case_number,
                    found.number,
                    found.convicted_on,
                    json.dumps(found.count),
                ),
            )
    if errors:
        raise InvalidInputError(errors)


def _counts_in_order(db: sqlite3.Connection) -> Iterator[CountRow]:
    query = "SELECT * FROM counts ORDER BY cii, court, case_number, number IS NULL, number, line"
    for line, cii, court, case_number, number, convicted_on, count in db.execute(query):
        yield CountRow(line, cii, court, case_number, number, convicted_on, json.loads(count))


def _write_decisions(
    db: sqlite3.Connection,
    office: Office,
    out: BinaryIO,
    report: _ReportWriter,
    summary: ImportSummary,
    today: date | None,
    now: datetime | None,
) -> None:
    courts = {rule.code: rule for rule in office.courts}
    for cii, rows in itertools.groupby(_counts_in_order(db), key=lambda row: row.cii):
        person = _person(db, cii)
        if person is None:
            for row in rows:
                report.add(Review(row.line, cii, row.case_number, NO_CONTACT, "no row in the contacts file"))
            continue
        written: set[str] = set()
        cases = itertools.groupby(rows, key=lambda row: (row.court, row.case_number))
        for (court, case_number), case_rows in cases:
            counts = _numbered(list(case_rows), report)
            decision = _decision(office, courts[court].as_court(), case_number, person, counts)
            try:
                parse_decision(decision, today=today, now=now)
            except InvalidInputError as error:
                for row in counts:
                    report.add(Review(row.line, cii, case_number, REJECTED, gogen.validation_detail(error)))
                continue
            try:
                db.execute("INSERT INTO cases VALUES (?, ?)", (court, case_number))
            except sqlite3.IntegrityError:
                for row in counts:
                    detail = f"court {court}: one decision per case"
                    report.add(Review(row.line, cii, case_number, TAKEN_CASE, detail))
                continue
            out.write(json.dumps(decision, ensure_ascii=False).encode("utf-8") + b"\n")
            summary.decisions += 1
            summary.counts += len(counts)
            written.add(court)
        if len(written) > 1:
            summary.several_courts += 1
            report.add(Review(None, cii, "", SEVERAL_COURTS, ", ".join(sorted(written))))


def _numbered(rows: list[CountRow], report: _ReportWriter) -> list[CountRow]:
    """Return the case's counts, each with a number: CNT_ORDER's, else the next free one."""
    used: set[int] = set()
    kept = []
    for row in rows:
        number = row.number if row.number is not None else max(used, default=0) + 1
        if number in used:
            report.add(Review(row.line, row.cii, row.case_number, REPEATED_COUNT, f"count {number}"))
            continue
        used.add(number)
        kept.append(replace(row, number=number))
    return kept


def _person(db: sqlite3.Connection, cii: str) -> dict[str, Any] | None:
    """Return the decision's person: the contact's name and address, the DOJ's other names as AKAs.

    None when a living person has no contact (no letter could be sent). A person gogen marks
    deceased gets no letter (notify false), with or without a contact.
    """
    dob, deceased = db.execute("SELECT dob, deceased FROM people WHERE cii = ?", (cii,)).fetchone()
    found = db.execute("SELECT contact FROM contacts WHERE cii = ?", (cii,)).fetchone()
    if found is None and not deceased:
        return None
    contact: dict[str, Any] = json.loads(found[0]) if found else {"language": "en"}
    names = [name for (name,) in db.execute("SELECT name FROM names WHERE cii = ? ORDER BY line", (cii,))]
    name = contact.pop("name", None) or names[0]
    aka = [other for other in names if other.casefold() != name.casefold()][:20]
    person = {"name": name, **({"aka": aka} if aka else {}), "dob": dob, "cii": cii, **contact}
    if deceased:
        person["notify"] = False
    return person


def _decision(
    office: Office, court: dict[str, str], case_number: str, person: dict[str, Any], counts: list[CountRow]
) -> dict[str, Any]:
    decision_id = f"{office.id_prefix}.{court['code']}.{case_number}"
    if len(decision_id) > 64:
        digest = hashlib.sha256(f"{court['code']}|{case_number}".encode()).hexdigest()[:32]
        decision_id = f"{office.id_prefix}.{digest}"
    return {
        "format": "decision/v1",
        "decision_id": decision_id,
        "status": "approved",
        "basis": office.basis,
        "approved_by": office.approved_by,
        "approved_at": office.approved_at,
        "agency": office.agency,
        "court": court,
        "case": {"number": case_number, "convicted_on": min(row.convicted_on for row in counts)},
        "person": person,
        "counts": [{"count": row.number, **row.count} for row in counts],
    }
