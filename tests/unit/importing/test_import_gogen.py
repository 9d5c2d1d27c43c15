"""gogen's results and the office's contacts become valid decisions; every other row is reported."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from service.core.validation import validate_file
from service.errors import InvalidInputError
from service.importing.office import read_office
from service.importing.run import ImportSummary, import_gogen
from service.importing.sample import CONTACT_COLUMNS, RESULTS_COLUMNS, result_row, write_table
from tests.unit.importing.gogen_files import (
    DATES,
    ELSEWHERE,
    GARCIA,
    REVIEWED,
    SMITH,
    STRANGER,
    TANGLED,
    TICKET,
    documented_contacts,
    documented_rows,
    write_documented,
)


def run(
    folder: Path, suffix: str = ".csv", encoding: str = "utf-8"
) -> tuple[ImportSummary, list[dict[str, Any]]]:
    results, contacts, office = write_documented(folder, suffix, encoding)
    out = folder / "decisions.jsonl"
    summary = import_gogen(results, contacts, read_office(office), out, encoding=encoding)
    return summary, [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def report_rows(summary: ImportSummary) -> list[dict[str, str]]:
    with summary.report.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def by_case(decisions: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {decision["case"]["number"]: decision for decision in decisions}


def test_each_case_becomes_one_decision_that_courtdocs_validate_accepts(tmp_path: Path) -> None:
    summary, decisions = run(tmp_path)
    assert sorted(by_case(decisions)) == ["BA100001", "BA100002", "BA300003", "LB200001"]
    assert (summary.decisions, summary.counts, summary.rows) == (4, 4, 12)
    report = validate_file(summary.output)
    assert report.ok and report.valid == 4, report.errors


def test_a_multi_case_cell_is_split_by_the_rows_own_case_number(tmp_path: Path) -> None:
    _, decisions = run(tmp_path)
    cases = by_case(decisions)
    assert [(c["count"], c["section"], c["relief"]) for c in cases["BA100001"]["counts"]] == [
        (1, "11359", "dismiss_and_seal")
    ]
    assert [(c["count"], c["section"], c["level"], c["relief"]) for c in cases["BA100002"]["counts"]] == [
        (2, "11357(b)", "misdemeanor", "redesignate_infraction")
    ]


def test_the_person_is_named_as_the_contacts_spell_it_with_the_doj_names_as_akas(tmp_path: Path) -> None:
    _, decisions = run(tmp_path)
    person = by_case(decisions)["BA100001"]["person"]
    assert person["name"] == "María Elena García"
    assert person["aka"] == ["MARIA ELENA GARCIA", "MARIA GARCIA"]
    assert (person["dob"], person["cii"], person["language"], person["notify"]) == (
        "1975-04-03",
        GARCIA,
        "es",
        True,
    )
    assert person["address"]["lines"] == ["1200 West 7th Street, Apt 4"]


def test_a_deceased_person_gets_a_decision_and_no_letter(tmp_path: Path) -> None:
    _, decisions = run(tmp_path)
    smith = by_case(decisions)["BA300003"]
    assert smith["person"]["cii"] == SMITH and smith["person"]["notify"] is False
    assert "address" not in smith["person"] and smith["person"]["name"] == "JOHN SMITH"


def test_the_court_comes_from_the_case_prefix_before_the_doj_court_description(tmp_path: Path) -> None:
    _, decisions = run(tmp_path)
    courts = {number: decision["court"]["code"] for number, decision in by_case(decisions).items()}
    assert courts == {"BA100001": "LA-CCB", "BA100002": "LA-CCB", "BA300003": "LA-CCB", "LB200001": "LA-LBC"}
    long_beach = by_case(decisions)["LB200001"]["counts"][0]
    assert (long_beach["section"], long_beach["relief"]) == ("11360(a)", "redesignate_misdemeanor")


def test_every_row_not_imported_is_in_the_report_with_its_reason(tmp_path: Path) -> None:
    summary, _ = run(tmp_path)
    rows = [(r["source line"], r["CII"], r["case number"], r["reason"]) for r in report_rows(summary)]
    assert sorted(rows) == sorted(
        [
            ("6", GARCIA, "BA100009", "Not eligible"),
            ("7", REVIEWED, "BA400004", "Maybe Eligible - Flag for Review"),
            ("8", REVIEWED, "BA400005", "Hand Review"),
            ("9", ELSEWHERE, "FSB500005", "no court mapping"),
            ("10", TICKET, "BA600006", "relief does not fit the count"),
            ("11", TANGLED, "", "case number unclear"),
            ("12", STRANGER, "BA800008", "no contact"),
            ("", GARCIA, "", "note: cases in several courts (decisions written)"),
        ]
    )
    assert summary.reasons == Counter(row[3] for row in rows)
    assert summary.several_courts == 1 and summary.without_determination == 1


def test_the_relief_that_does_not_fit_is_explained_in_decision_v1s_words(tmp_path: Path) -> None:
    summary, _ = run(tmp_path)
    detail = next(r["detail"] for r in report_rows(summary) if r["reason"] == "relief does not fit the count")
    assert detail == "relief: an infraction cannot be redesignated as an infraction"


def test_the_terminal_summary_counts_each_reason(tmp_path: Path) -> None:
    summary, _ = run(tmp_path)
    printed = "\n".join(summary.lines())
    assert f"12 result row(s): 4 decision(s) with 4 count(s) written to {summary.output}" in printed
    assert "      1  Hand Review" in printed and "      1  no court mapping" in printed
    assert f"review report: {summary.report}" in printed


@pytest.mark.parametrize(
    ("suffix", "encoding"), [(".xlsx", "utf-8"), (".csv", "utf-8-sig"), (".csv", "cp1252")]
)
def test_spreadsheets_as_people_keep_them_give_the_same_decisions(
    tmp_path: Path, suffix: str, encoding: str
) -> None:
    expected = run(tmp_path)[1]
    folder = tmp_path / "kept"
    folder.mkdir()
    results, contacts, office = write_documented(folder, suffix, encoding)
    option = "windows-1252" if encoding == "cp1252" else "utf-8"
    out = folder / "decisions.jsonl"
    import_gogen(results, contacts, read_office(office), out, encoding=option)
    assert [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()] == expected


def bad_import(
    tmp_path: Path, rows: list[dict[str, str]], contacts: list[dict[str, str]] | None = None
) -> str:
    results, contacts_file, office = write_documented(tmp_path)
    write_table(results, RESULTS_COLUMNS, rows)
    if contacts is not None:
        write_table(contacts_file, CONTACT_COLUMNS, contacts)
    out = tmp_path / "decisions.jsonl"
    with pytest.raises(InvalidInputError) as raised:
        import_gogen(results, contacts_file, read_office(office), out)
    assert not out.exists() and not (tmp_path / "decisions.review.csv").exists()
    return "\n".join(str(error) for error in raised.value.errors)


def test_a_date_that_is_not_a_date_is_named_by_file_line_and_column(tmp_path: Path) -> None:
    rows = documented_rows()
    rows[2]["PRI_DOB"] = "1975-13-45"
    rows[4]["Date of Conviction"] = "June 1998"
    assert bad_import(tmp_path, rows) == (
        "Prop64_Results.csv line 4: PRI_DOB: is not a date written YYYYMMDD (got '1975-13-45')\n"
        "Prop64_Results.csv line 6: Date of Conviction: is not a date written MM/DD/YYYY (got 'June 1998')"
    )


def test_a_cii_that_is_not_a_cii_is_named(tmp_path: Path) -> None:
    rows = [*documented_rows(), result_row(CII_NUMBER="A-1/2", PRI_NAME="X,Y", **DATES, Case_Number="B1")]
    assert bad_import(tmp_path, rows) == (
        "Prop64_Results.csv line 14: CII_NUMBER: is not a CII number (1 to 10 letters A-Z and digits)"
    )


def test_duplicate_contacts_for_one_cii_are_refused_naming_both_lines(tmp_path: Path) -> None:
    contacts = [*documented_contacts(), {"cii": GARCIA, "notify": "no"}]
    assert bad_import(tmp_path, documented_rows(), contacts) == (
        f"contacts.csv line 7: cii: repeats the contact of CII {GARCIA} (first at line 2); "
        "keep one row per person"
    )


def test_a_missing_required_column_is_named(tmp_path: Path) -> None:
    rows = [{k: v for k, v in row.items() if k != "Eligibility Determination"} for row in documented_rows()]
    results, contacts, office = write_documented(tmp_path)
    write_table(results, [c for c in RESULTS_COLUMNS if c != "Eligibility Determination"], rows)
    with pytest.raises(InvalidInputError) as raised:
        import_gogen(results, contacts, read_office(office), tmp_path / "d.jsonl")
    assert [str(e) for e in raised.value.errors] == [
        "Prop64_Results.csv line 1: Eligibility Determination: is a required column and is missing"
    ]


def test_co_defendants_on_one_case_get_one_decision_and_the_other_is_reported(tmp_path: Path) -> None:
    rows = documented_rows()
    rows.append(result_row(CII_NUMBER="H8000008", PRI_NAME="ROE,RICHARD", **DATES, Case_Number="BA300003"))
    contacts = [*documented_contacts(), {"cii": "H8000008", "notify": "no"}]
    results, contacts_file, office = write_documented(tmp_path)
    write_table(results, RESULTS_COLUMNS, rows)
    write_table(contacts_file, CONTACT_COLUMNS, contacts)
    summary = import_gogen(results, contacts_file, read_office(office), tmp_path / "decisions.jsonl")
    assert summary.reasons["case already imported for another person"] == 1
    assert validate_file(summary.output).ok
