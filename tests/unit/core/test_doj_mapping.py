"""The DOJ report's mapping file: the shipped default, the setting, and errors that name the key."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from service import assets
from service.core.doj import FIELDS, Disposition
from service.core.doj_mapping import FORMAT, load_mapping, parse_mapping
from service.errors import MappingError
from service.settings import Settings

DOCS = Path(__file__).resolve().parents[3] / "docs" / "doj-report.md"


def mapping(*columns: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"format": FORMAT, "columns": list(columns), **top}


def errors_of(data: dict[str, Any]) -> list[str]:
    with pytest.raises(MappingError) as raised:
        parse_mapping(data, "court.toml")
    assert str(raised.value).startswith("court.toml: ")
    return raised.value.errors


def test_the_shipped_mapping_is_the_default_setting_and_is_valid() -> None:
    settings = Settings.from_env({})
    assert settings.doj_mapping == assets.templates_dir() / "doj" / "mapping.toml"
    default = load_mapping(settings.doj_mapping)
    assert [c.field for c in default.columns][:5] == [
        "cii",
        "court_code",
        "court_name",
        "case_number",
        "count",
    ]
    assert {"cii", "case_number", "disposition", "disposition_date", "new_level", "reason"} <= default.fields
    assert not {"person_name", "person_dob"} & default.fields  # only when a court's mapping asks
    assert default.record_length == sum(c.width for c in default.columns)


def test_the_setting_names_another_mapping_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(f'format = "{FORMAT}"\n[[columns]]\nfield = "cii"\nheading = "CII"\nwidth = 10\n')
    settings = Settings.from_env({"COURTDOCS_DOJ_MAPPING": str(path)})
    assert settings.doj_mapping == path.resolve()
    assert load_mapping(settings.doj_mapping).fields == {"cii"}


def test_every_field_is_documented_in_the_shipped_mapping_and_the_docs() -> None:
    shipped = assets.doj_mapping_file().read_text(encoding="utf-8")
    docs = DOCS.read_text(encoding="utf-8")
    for field in FIELDS:
        assert field in shipped, field
        assert f"`{field}`" in docs, field


def test_positions_follow_the_column_order_unless_a_start_leaves_a_gap() -> None:
    checked = parse_mapping(
        mapping(
            {"field": "cii", "heading": "CII", "width": 10},
            {"field": "case_number", "heading": "Docket", "width": 12, "start": 15},
            {"field": "count", "heading": "Count", "width": 3, "align": "right", "pad": "0"},
        )
    )
    assert [(c.start, c.end) for c in checked.columns] == [(1, 10), (15, 26), (27, 29)]
    assert checked.record_length == 29


def test_a_mapping_renames_dispositions_and_keeps_the_other_words() -> None:
    checked = parse_mapping(
        mapping({"field": "disposition", "heading": "D", "width": 9}, dispositions={"denied": "DENIED"})
    )
    assert checked.disposition_text(Disposition.DENIED) == "DENIED"
    assert checked.disposition_text(Disposition.NOT_FOUND) == "CASE OR COUNT NOT FOUND"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"columns": [{"field": "cii", "heading": "CII", "width": 10}]}, "format: must be"),
        (mapping({"field": "cii", "heading": "CII", "width": 10}, colums=[]), "colums: is not a key here"),
        (mapping(), "columns: must be 1 or more [[columns]] tables"),
        (
            mapping({"field": "ciii", "heading": "CII", "width": 10}),
            "columns[0].field: must be one of the fields",
        ),
        (
            mapping({"field": "cii", "heading": " ", "width": 10}),
            "columns[0].heading: must be a non-blank text",
        ),
        (mapping({"field": "cii", "heading": "CII", "width": 0}), "columns[0].width: must be a whole number"),
        (
            mapping({"field": "cii", "heading": "CII", "width": "10"}),
            "columns[0].width: must be a whole number",
        ),
        (mapping({"field": "cii", "heading": "CII", "width": 10, "align": "centre"}), "columns[0].align:"),
        (mapping({"field": "cii", "heading": "CII", "width": 10, "pad": "ab"}), "columns[0].pad:"),
        (mapping({"field": "cii", "heading": "CII", "width": 10, "truncate": "yes"}), "columns[0].truncate:"),
        (
            mapping({"field": "cii", "heading": "CII", "width": 10, "size": 3}),
            "columns[0].size: is not a key",
        ),
        (
            mapping(
                {"field": "cii", "heading": "CII", "width": 10},
                {"field": "count", "heading": "N", "width": 3, "start": 5},
            ),
            "columns[1].start: must be a whole number of at least 11 (columns must not overlap)",
        ),
        (mapping({"field": "cii", "heading": "CII", "width": 10}, date_format="DD.MM.YYYY"), "date_format:"),
        (
            mapping({"field": "cii", "heading": "CII", "width": 10}, fixed_width={"line_ending": "cr"}),
            "fixed_width.line_ending:",
        ),
        (
            mapping({"field": "cii", "heading": "CII", "width": 10}, fixed_width={"non_ascii": "drop"}),
            "fixed_width.non_ascii:",
        ),
        (
            mapping({"field": "cii", "heading": "CII", "width": 10}, fixed_width={"headers": True}),
            "fixed_width.headers: is not a key",
        ),
        (
            mapping({"field": "cii", "heading": "CII", "width": 10}, dispositions={"dismissed": "X"}),
            "dispositions.dismissed: is not a key",
        ),
        (
            mapping({"field": "cii", "heading": "CII", "width": 10}, dispositions={"denied": ""}),
            "dispositions.denied: must be a non-blank text",
        ),
        (
            mapping(
                {"field": "cii", "heading": "CII NUMBER OF THE PERSON", "width": 10},
                fixed_width={"header": True},
            ),
            "columns[0].heading: is 24 characters, wider than the column's width 10",
        ),
        (
            mapping({"field": "cii", "heading": "Número", "width": 10}, fixed_width={"header": True}),
            "columns[0].heading: must be ASCII",
        ),
    ],
)
def test_a_wrong_mapping_is_refused_naming_the_key(data: dict[str, Any], expected: str) -> None:
    assert any(error.startswith(expected) for error in errors_of(data)), errors_of(data)


def test_every_error_of_a_mapping_is_reported_not_only_the_first() -> None:
    errors = errors_of(
        mapping(
            {"field": "ciii", "heading": "CII", "width": 10},
            {"field": "count", "heading": "N", "width": -1},
            date_format="?",
        )
    )
    assert [error.split(":")[0] for error in errors] == [
        "date_format",
        "columns[0].field",
        "columns[1].width",
    ]


def test_a_file_that_is_not_toml_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[[columns]\n")
    with pytest.raises(MappingError, match=r"^broken\.toml: 1 error\(s\): is not valid TOML"):
        load_mapping(path)
    with pytest.raises(MappingError, match=r"^absent\.toml: 1 error\(s\): cannot be read"):
        load_mapping(tmp_path / "absent.toml")


def test_the_shipped_mapping_is_plain_toml_with_the_documented_keys() -> None:
    data = tomllib.loads(assets.doj_mapping_file().read_text(encoding="utf-8"))
    assert set(data) == {"format", "date_format", "fixed_width", "dispositions", "columns"}
    assert set(data["dispositions"]) == {d.value for d in Disposition}
