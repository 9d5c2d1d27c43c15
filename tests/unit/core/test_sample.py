"""The synthetic decision generator: valid decision/v1, deterministic, realistic in shape."""

from __future__ import annotations

import io
import itertools
import json
import unicodedata
from collections import Counter, defaultdict
from datetime import date
from functools import cache
from typing import Any

import pytest

from service.core import sample
from service.core.sample import COURTS, generate_decisions, write_jsonl
from service.core.validation import Record, records_from_lines, validate_records

SECTIONS = {"11357", "11357(a)", "11357(b)", "11358", "11359", "11360", "11360(a)", "11362.1"}


@cache
def _batch(seed: int = 0, count: int = 2000) -> tuple[dict[str, Any], ...]:
    """Return a generated batch, made once per test session (tests must not change it)."""
    return tuple(generate_decisions(count, seed=seed))


def _errors(decisions: Any) -> list[str]:
    """Return every validation error of the decisions, as text."""
    report = validate_records(Record(f"index {i}", d) for i, d in enumerate(decisions))
    return [str(error) for error in report.errors]


def _person_key(decision: dict[str, Any]) -> tuple[str, str, str | None]:
    """Return what identifies one person across decisions."""
    person = decision["person"]
    return person["name"], person["dob"], person.get("cii")


@pytest.mark.parametrize("seed", [0, 1, 2024])
def test_every_generated_decision_passes_validation(seed: int) -> None:
    decisions = _batch(seed)
    assert len(decisions) == 2000
    assert _errors(decisions) == []


@pytest.mark.parametrize("courts", [1, len(COURTS)])
def test_decisions_for_one_court_and_for_all_courts_pass_validation(courts: int) -> None:
    assert _errors(generate_decisions(2000, seed=3, courts=courts)) == []


def test_same_seed_gives_the_same_decisions_and_another_seed_others() -> None:
    assert list(generate_decisions(300, seed=5)) == list(generate_decisions(300, seed=5))
    assert list(generate_decisions(300, seed=5)) != list(generate_decisions(300, seed=6))
    assert list(generate_decisions(300)) == list(_batch(0)[:300])  # a prefix of a longer run


def test_count_is_exact_and_arguments_are_checked() -> None:
    assert list(generate_decisions(0)) == []
    assert len(list(generate_decisions(1))) == 1
    with pytest.raises(ValueError):
        generate_decisions(-1)
    for courts in (0, len(COURTS) + 1):
        with pytest.raises(ValueError):
            generate_decisions(10, courts=courts)


def test_courts_picks_the_first_k_courthouses() -> None:
    assert {d["court"]["code"] for d in _batch(0)} == {"LA-CCB", "LA-VNW", "LA-AIR"}
    assert {d["court"]["code"] for d in generate_decisions(200, courts=1)} == {"LA-CCB"}
    used = Counter(d["court"]["code"] for d in generate_decisions(2000, courts=5))
    assert set(used) == {court[0] for court in COURTS[:5]}
    assert min(used.values()) > 200  # spread over the courts, not piled on one
    for decision in generate_decisions(200, courts=len(COURTS)):
        court = decision["court"]
        assert court["county"] == "Los Angeles"
        assert (court["code"], court["courthouse"]) in {(c[0], c[1]) for c in COURTS}


def test_about_fifteen_percent_of_persons_have_several_cases_with_the_same_details() -> None:
    by_person: dict[tuple[str, str, str | None], list[dict[str, Any]]] = defaultdict(list)
    for decision in _batch(0):
        by_person[_person_key(decision)].append(decision)
    repeat = [cases for cases in by_person.values() if len(cases) > 1]
    assert 0.10 <= len(repeat) / len(by_person) <= 0.20
    for cases in repeat:
        assert all(case["person"] == cases[0]["person"] for case in cases)
        assert len({case["case"]["number"] for case in cases}) == len(cases)


def test_ten_thousand_decisions_have_unique_ids_case_numbers_and_cii() -> None:
    decisions = list(generate_decisions(10_000, seed=11, courts=2))
    assert len({d["decision_id"] for d in decisions}) == 10_000
    assert len({(d["court"]["code"], d["case"]["number"]) for d in decisions}) == 10_000
    cii_owner: dict[str, tuple[str, str, str | None]] = {}
    for decision in decisions:
        if "cii" in decision["person"]:
            key = _person_key(decision)
            assert cii_owner.setdefault(decision["person"]["cii"], key) == key


def test_generation_is_lazy() -> None:
    first = next(generate_decisions(10**9, seed=2))  # nothing is built up front
    assert first == next(generate_decisions(1, seed=2))


def test_identifiers_and_case_numbers_look_real() -> None:
    for decision in _batch(0):
        code, year = decision["court"]["code"], decision["case"]["convicted_on"][:4]
        assert decision["decision_id"].startswith(f"{code}-{year}-")
        prefix = next(court[2] for court in COURTS if court[0] == code)
        number = decision["case"]["number"]
        felony = any(count["level"] == "felony" for count in decision["counts"])
        assert number.startswith(prefix) if felony else number[0] == year[-1]
        cii = decision["person"].get("cii")
        assert cii is None or (len(cii) == 9 and cii[0] == "A" and cii[1:].isdigit())


def test_counts_and_relief_make_legal_sense() -> None:
    count_numbers = Counter[int]()
    for decision in _batch(1):
        counts = decision["counts"]
        count_numbers[len(counts)] += 1
        assert [count["count"] for count in counts] == list(range(1, len(counts) + 1))
        convicted = date.fromisoformat(decision["case"]["convicted_on"])
        dob = date.fromisoformat(decision["person"]["dob"])
        assert date(1970, 1, 1) <= convicted <= date(2016, 11, 8)
        assert (convicted.year, convicted.month, convicted.day) >= (
            dob.year + 18,
            dob.month,
            dob.day,
        )
        serving = not counts[0]["sentence_completed"]
        for count in counts:
            assert count["code"] == "HSC"
            assert count["section"] in SECTIONS
            assert count["disposition_date"] == decision["case"]["convicted_on"]
            # Only the recalled felony sentences are still being served (decision-format.md).
            assert count["sentence_completed"] is (count["relief"] != "resentence")
            if count["relief"] == "redesignate_misdemeanor":
                assert count["level"] == "felony"
            if count["relief"] == "redesignate_infraction":
                assert count["level"] == "misdemeanor"
            if count["relief"] == "resentence":
                assert count["level"] == "felony" and serving
        if serving:
            assert any(count["relief"] == "resentence" for count in counts)
    assert max(count_numbers) <= 6
    assert count_numbers[1] + count_numbers[2] > 0.7 * sum(count_numbers.values())
    reliefs = Counter(c["relief"] for d in _batch(1) for c in d["counts"])
    assert set(reliefs) == {
        "dismiss_and_seal",
        "redesignate_misdemeanor",
        "redesignate_infraction",
        "resentence",
    }
    assert reliefs["resentence"] < 0.03 * sum(reliefs.values())


def test_serving_cases_of_both_bases_fit_the_relief_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    """With every recent felony case still serving and half of all cases petitions, 2,000 validate."""
    monkeypatch.setattr(sample, "SERVING_SHARE", 1.0)
    monkeypatch.setattr(sample, "PETITION_SHARE", 0.5)
    decisions = list(generate_decisions(2000, seed=7))
    assert _errors(decisions) == []
    mixed = Counter(
        decision["basis"]
        for decision in decisions
        if {"resentence", "dismiss_and_seal"} <= {count["relief"] for count in decision["counts"]}
    )
    assert mixed["HSC 11361.8"] > 5 and mixed["HSC 11361.9"] > 5  # served and completed counts, one case


def test_names_are_varied_romanised_and_keep_their_diacritics() -> None:
    names = [d["person"]["name"] for d in _batch(0)]
    akas = [aka for d in _batch(0) for aka in d["person"]["aka"]]
    for name in itertools.chain(names, akas):
        assert unicodedata.is_normalized("NFC", name)
        for char in name:
            assert char in " -.'" or "LATIN" in unicodedata.name(char), (name, char)
    assert len(set(names)) > 1000
    assert any("Nguyễn" in name or "Trần" in name for name in names)
    assert any("María" in name or "José" in name for name in names)
    assert sum(not name.isascii() for name in names) > 0.2 * len(names)
    assert 0.1 < sum(bool(d["person"]["aka"]) for d in _batch(0)) / len(names) < 0.3


def test_preferred_languages_follow_los_angeles_county() -> None:
    languages = Counter(d["person"]["language"] for d in _batch(0))
    assert [language for language, _ in languages.most_common(2)] == ["en", "es"]
    assert languages["en"] + languages["es"] > 0.8 * len(_batch(0))
    assert {"ko", "zh-Hant", "zh-Hans", "hy", "vi", "fa", "tl", "ru"} <= set(languages)


def test_notice_address_and_approval_fields() -> None:
    decisions = _batch(0)
    unnotified = [d for d in decisions if not d["person"]["notify"]]
    assert 0 < len(unnotified) < 0.1 * len(decisions)
    assert all("address" not in d["person"] for d in unnotified)
    assert all(d["person"]["address"]["state"] == "CA" for d in decisions if d["person"]["notify"])
    bases = Counter(d["basis"] for d in decisions)
    assert bases["HSC 11361.9"] > 0.9 * len(decisions)
    assert 1 < len({d["approved_by"]["bar_number"] for d in decisions}) <= 6
    assert {d["approved_at"] for d in decisions} == {decisions[0]["approved_at"]}
    assert {d["status"] for d in decisions} == {"approved"}


def test_decisions_share_no_mutable_parts() -> None:
    decisions = list(generate_decisions(300, seed=9))
    decisions[0]["agency"]["address"].append("changed")
    decisions[0]["approved_by"]["name"] = "changed"
    assert "changed" not in json.dumps(list(generate_decisions(300, seed=9)))
    by_person: dict[tuple[str, str, str | None], list[dict[str, Any]]] = defaultdict(list)
    for decision in decisions:
        by_person[_person_key(decision)].append(decision)
    first, second = next(cases for cases in by_person.values() if len(cases) > 1)[:2]
    first["person"]["aka"].append("changed")
    assert "changed" not in second["person"]["aka"]


def test_write_jsonl_writes_one_valid_utf8_line_per_decision() -> None:
    stream = io.StringIO()
    assert write_jsonl(generate_decisions(50, seed=4), stream) == 50
    text = stream.getvalue()
    assert text.endswith("\n") and len(text.splitlines()) == 50
    assert "\\u" not in text  # names are written as text, not escaped
    records = list(records_from_lines(line.encode() for line in text.splitlines()))
    assert _errors(record.value for record in records) == []
    assert [record.value for record in records] == list(generate_decisions(50, seed=4))
    assert write_jsonl([], io.StringIO()) == 0
