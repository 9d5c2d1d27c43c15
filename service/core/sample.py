"""Synthetic approved decisions in decision/v1, deterministic for a seed (demos and load tests)."""

from __future__ import annotations

import json
import random
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TextIO


def _names(text: str) -> tuple[str, ...]:
    """Return the comma-separated names in `text`, stripped and NFC-normalised."""
    return tuple(unicodedata.normalize("NFC", name.strip()) for name in text.split(","))


@dataclass(frozen=True)
class Group:
    """One community's romanised names and the preferred languages of its members."""

    weight: int
    style: str  # american (middle initials), latino (two surnames), family_first, east_asian, plain
    languages: tuple[tuple[str, int], ...]
    male: tuple[str, ...]
    female: tuple[str, ...]
    surnames: tuple[str, ...]


# One community per block: weight, name style and preferred languages with their weights
# | male given names | female given names | surnames (romanised, with their diacritics).
# Weights approximate Los Angeles County (Spanish far ahead, then Korean, Chinese, Armenian...).
GROUP_TABLE = """
14 american en:1 | Michael, David, Robert, Kevin, Brian, Christopher, Steven, Daniel, Jeffrey
| Jennifer, Sarah, Heather, Amy, Michelle, Kimberly, Lisa, Renée, Zoë
| Smith, Miller, Anderson, O'Brien, McAllister, Kowalski, Sullivan, Thompson, Becker
16 american en:1 | DeShawn, Marcus, Darnell, Tyrone, Jamal, Andre, Terrell, Reginald, Cedric
| Keisha, Latoya, Aaliyah, Tamika, Monique, Ebony, Shanice, Yolanda
| Washington, Jackson, Johnson, Williams, Brooks-Harris, Jefferson, Robinson, Coleman, O'Neal
48 latino es:62 en:38 | José, Juan, Luis, Jesús, Raúl, Héctor, Ramón, Óscar, Joaquín, Andrés,
Martín, Ángel, Víctor Manuel, José Luis, Francisco, Miguel
| María, María Elena, Guadalupe, Inés, Ana Lucía, Sofía, Verónica, Rocío, Mónica, Leticia,
Araceli, María de los Ángeles
| García, Hernández, López, Martínez, González, Rodríguez, Pérez, Sánchez, Ramírez, Flores,
Gómez, Díaz, Muñoz, Peña, Ibáñez, Gutiérrez, Jiménez, Vásquez, Domínguez, Chávez, de la Cruz,
Núñez, Ortiz, Castañeda, Reyes, Cervantes
5 east_asian ko:50 en:50 | Min-jun, Ji-hoon, Sung-min, Young-ho, Jae-won, Dong-hyun
| Seo-yeon, Hye-jin, Eun-ji, Ji-young, Soo-jin, Min-ji
| Kim, Lee, Park, Choi, Jung, Kang, Cho, Yoon, Han, Shin
5 east_asian zh-Hant:32 zh-Hans:28 en:40 | Wei, Jun, Jianguo, Ka-Wai, Chi Keung, Zhiwei, Hao
| Mei-Ling, Li Na, Xiaoling, Wing Yee, Siu Ling, Yan
| Chen, Wang, Li, Zhang, Liu, Wong, Chan, Lam, Huang, Ng
4 plain hy:45 en:45 ru:10 | Armen, Narek, Tigran, Hovhannes, Aram, Vahe, Gevorg
| Lusine, Anahit, Gayane, Sona, Ani, Nune
| Sargsyan, Petrosyan, Hakobyan, Grigoryan, Khachatryan, Avetisyan, Ter-Petrosyan, Mkrtchyan,
Karapetian, Zakarian, Hovsepian
3 family_first vi:50 en:50 | Văn Thành, Văn Hùng, Minh Tuấn, Quốc Bảo, Đức Anh, Văn Dũng
| Thị Lan, Thị Hương, Ngọc Mai, Thu Trang, Thị Phương, Kim Oanh
| Nguyễn, Trần, Lê, Phạm, Huỳnh, Hoàng, Võ, Đặng, Bùi, Đỗ
3 plain tl:30 en:70 | Rodel, Ferdinand, Rommel, Mark Anthony, Jerome, Arnel
| Marites, Jocelyn, Maria Cristina, Analyn, Rowena, Lorna
| Santos, Reyes, Cruz, Bautista, Dela Cruz, Villanueva, Mendoza, Aquino, Macaraeg
2 plain fa:50 en:50 | Dariush, Mehdi, Reza, Kourosh, Babak, Amir
| Shirin, Parisa, Nasrin, Leila, Mahnaz, Azadeh
| Hosseini, Rahimi, Tehrani, Farahani, Ahmadi, Mohammadi, Karimi, Sadeghi
1 plain ru:60 en:40 | Sergei, Dmitri, Alexei, Yuri, Mikhail
| Olga, Natalia, Irina, Svetlana, Tatiana
| Kovalenko, Shevchenko, Bondarenko, Tkachenko, Rabinovich, Gurevich, Melnyk
"""


def _group(block: str) -> Group:
    """Return the Group described by one block of GROUP_TABLE."""
    header, male, female, surnames = " ".join(block.splitlines()).split("|")
    weight, style, *languages = header.split()
    tags = tuple((tag, int(share)) for tag, share in (lang.split(":") for lang in languages))
    return Group(int(weight), style, tags, _names(male), _names(female), _names(surnames))


GROUPS = tuple(_group(block) for block in re.split(r"\n(?=\d)", GROUP_TABLE.strip()))
_GROUP_WEIGHTS = tuple((group, group.weight) for group in GROUPS)
# Real Los Angeles Superior Court courthouses: code, name, felony and misdemeanor case prefixes.
COURTS = (
    ("LA-CCB", "Clara Shortridge Foltz Criminal Justice Center", "BA", "CJ"),
    ("LA-VNW", "Van Nuys Courthouse West", "LA", "VY"),
    ("LA-AIR", "Airport Courthouse", "SA", "WA"),
    ("LA-CMP", "Compton Courthouse", "TA", "CP"),
    ("LA-LBC", "Governor George Deukmejian Courthouse", "NA", "LB"),
    ("LA-PAS", "Pasadena Courthouse", "GA", "PD"),
    ("LA-TOR", "Torrance Courthouse", "YA", "TR"),
    ("LA-POM", "Pomona Courthouse South", "KA", "PM"),
    ("LA-NOR", "Norwalk Courthouse", "VA", "NW"),
    ("LA-SFS", "San Fernando Courthouse", "PA", "SF"),
    ("LA-LAN", "Michael D. Antonovich Antelope Valley Courthouse", "MA", "AV"),
)
COURT = "Superior Court of California, County of Los Angeles"
AGENCY = {
    "name": "Los Angeles County District Attorney's Office",
    "address": ["211 West Temple Street", "Los Angeles, CA 90012"],
    "phone": "(213) 555-0100",
}
DDA = "Deputy District Attorney"
APPROVERS = (
    {"name": "Dana R. Whitfield", "title": DDA, "bar_number": "287654"},
    {"name": "Marcus T. Oyelaran", "title": DDA, "bar_number": "301122"},
    {"name": "Elena Vázquez-Moreno", "title": DDA, "bar_number": "254310"},
    {"name": "Jonathan H. Cho", "title": DDA, "bar_number": "276805"},
)
APPROVED_AT = "2021-09-20T10:15:00-07:00"
# City, ZIP codes, and streets that run through them.
PLACES = (
    ("Los Angeles", ("90003", "90011"), ("South Central Avenue", "South Broadway")),
    ("Los Angeles", ("90017", "90057"), ("West 7th Street", "South Alvarado Street")),
    ("Los Angeles", ("90033", "90063"), ("East Cesar E. Chavez Avenue", "North Soto Street")),
    ("Los Angeles", ("90005", "90010", "90020"), ("South Western Avenue", "Wilshire Boulevard")),
    ("Los Angeles", ("90008", "90043"), ("Crenshaw Boulevard", "West Slauson Avenue")),
    ("Los Angeles", ("90042", "90065"), ("North Figueroa Street", "York Boulevard")),
    ("Van Nuys", ("91405", "91406", "91411"), ("Van Nuys Boulevard", "Sherman Way")),
    ("North Hollywood", ("91601", "91605"), ("Lankershim Boulevard", "Vineland Avenue")),
    ("Compton", ("90220", "90221", "90222"), ("East Rosecrans Avenue", "West Alondra Boulevard")),
    ("Long Beach", ("90805", "90813"), ("Atlantic Avenue", "East Anaheim Street")),
    ("Pasadena", ("91101", "91103", "91104"), ("East Colorado Boulevard", "North Lake Avenue")),
    ("Torrance", ("90501", "90503"), ("Hawthorne Boulevard", "Torrance Boulevard")),
    ("Inglewood", ("90301", "90302"), ("South La Brea Avenue", "West Manchester Boulevard")),
    ("Glendale", ("91203", "91205"), ("North Brand Boulevard", "East Broadway")),
    ("Alhambra", ("91801", "91803"), ("West Valley Boulevard", "South Garfield Avenue")),
    ("Pomona", ("91766", "91767"), ("East Holt Avenue", "North Garey Avenue")),
    ("Lancaster", ("93534", "93535"), ("West Avenue J", "North Sierra Highway")),
)
# Section, level and relief of one count, with its weight: Prop 64 / HSC 11361.8 outcomes.
COUNT_KINDS = (
    ("11357", "misdemeanor", "dismiss_and_seal", 10),
    ("11357(a)", "felony", "redesignate_misdemeanor", 3),
    ("11357(a)", "misdemeanor", "dismiss_and_seal", 2),
    ("11357(b)", "misdemeanor", "dismiss_and_seal", 22),
    ("11357(b)", "misdemeanor", "redesignate_infraction", 3),
    ("11358", "felony", "redesignate_misdemeanor", 5),
    ("11358", "felony", "dismiss_and_seal", 3),
    ("11359", "felony", "redesignate_misdemeanor", 16),
    ("11359", "felony", "dismiss_and_seal", 8),
    ("11360", "felony", "redesignate_misdemeanor", 5),
    ("11360(a)", "felony", "redesignate_misdemeanor", 8),
    ("11360(a)", "felony", "dismiss_and_seal", 4),
)
COUNTS_PER_CASE = ((1, 55), (2, 28), (3, 10), (4, 4), (5, 2), (6, 1))
CASES_PER_REPEAT_PERSON = ((2, 60), (3, 25), (4, 10), (5, 5))
MULTI_CASE_SHARE = 0.15  # of persons
AKA_SHARE = 0.2
NO_NOTICE_SHARE = 0.04
NO_CII_SHARE = 0.03
PETITION_SHARE = 0.05  # HSC 11361.8 rather than 11361.9
SERVING_SHARE = 0.08  # of felony cases from 2012 on: still serving, so recall and resentence
FIRST_CONVICTION, LAST_CONVICTION = date(1970, 1, 1), date(2016, 11, 8)  # Prop 64 passed Nov 9
_LEVEL_ORDER = {"felony": 0, "misdemeanor": 1, "infraction": 2}
_SERIAL_STEP, _CII_STEP = 382_171, 48_271_957  # coprime to 10**6 and 10**8: unique, no lookups


def _pick(rng: random.Random, weighted: tuple[tuple[Any, int], ...]) -> Any:
    """Return one value of (value, weight) pairs, chosen by weight."""
    return rng.choices([value for value, _ in weighted], [weight for _, weight in weighted])[0]


def _copy(value: Any) -> Any:
    """Return a copy of a JSON-like value that shares nothing mutable with the original."""
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    return [_copy(item) for item in value] if isinstance(value, list) else value


def _fold(name: str) -> str:
    """Return the name without diacritics, as older court records often spell it."""
    plain = "".join(c for c in unicodedata.normalize("NFD", name) if not unicodedata.combining(c))
    return plain.replace("Đ", "D").replace("đ", "d")


def _aka(rng: random.Random, group: Group, given: str, surname: str, name: str) -> list[str]:
    """Return the other names a person may have used on a case (usually none)."""
    if rng.random() >= AKA_SHARE:
        return []
    options = {_fold(name)}
    if group.style == "family_first":
        options.add(_fold(f"{given.split()[-1]} {surname}"))
    else:
        options.add(f"{given.split()[0]} {surname}")
    if group.style == "east_asian":
        english = GROUPS[0].female if given in group.female else GROUPS[0].male
        options.add(f"{rng.choice(english)} {surname}")
    options.add(f"{given} {rng.choice(group.surnames)}")
    options.discard(name)
    return rng.sample(sorted(options), min(len(options), 1 if rng.random() < 0.85 else 2))


def _person(rng: random.Random, cii: str) -> tuple[dict[str, Any], date]:
    """Return a synthetic person (decision/v1 `person`) and their date of birth."""
    group: Group = _pick(rng, _GROUP_WEIGHTS)
    given = rng.choice(group.female if rng.random() < 0.2 else group.male)
    surname = rng.choice(group.surnames)
    name = f"{given} {surname}"
    if group.style == "family_first":
        name = f"{surname} {given}"
    elif group.style == "latino" and rng.random() < 0.3:
        name = f"{name} {rng.choice(group.surnames)}"
    elif group.style == "american" and rng.random() < 0.3:
        name = f"{given} {rng.choice('ABCDEFGHJKLMNPRSTW')}. {surname}"
    dob = date(int(rng.triangular(1930, 1997, 1972)), 1, 1) + timedelta(rng.randrange(365))
    person: dict[str, Any] = {
        "name": name,
        "aka": _aka(rng, group, given, surname, name),
        "dob": dob.isoformat(),
        "cii": cii,
        "language": _pick(rng, group.languages),
        "notify": rng.random() >= NO_NOTICE_SHARE,
    }
    if rng.random() < NO_CII_SHARE:
        del person["cii"]
    if person["notify"]:
        city, zips, streets = rng.choice(PLACES)
        lines = [f"{rng.randrange(100, 9000)} {rng.choice(streets)}"]
        if rng.random() < 0.3:
            lines.append(f"Apt {rng.randrange(1, 40)}{rng.choice(['', 'A', 'B'])}")
        person["address"] = {"lines": lines, "city": city, "state": "CA", "zip": rng.choice(zips)}
    return person, dob


def _conviction_date(rng: random.Random, dob: date) -> date:
    """Return a conviction date from 1970 to November 2016, after the 18th birthday."""
    adult = date(dob.year + 18, dob.month, 1) + timedelta(dob.day - 1)  # 29 Feb: 1 March
    start = max(adult, FIRST_CONVICTION)
    return start + timedelta(int(rng.triangular(0, (LAST_CONVICTION - start).days, 0)))


def _counts(rng: random.Random, convicted: date) -> list[dict[str, Any]]:
    """Return the counts of one case, most serious first, with relief that fits each."""
    kinds = rng.choices(COUNT_KINDS, [kind[3] for kind in COUNT_KINDS], k=_pick(rng, COUNTS_PER_CASE))
    rows = []
    for section, level, relief, _ in kinds:
        if section.startswith("11357") and convicted.year < 1976:  # felony before the Moscone Act
            section, level, relief = "11357", "felony", "dismiss_and_seal"
        elif section == "11357(b)" and convicted.year >= 2011:  # an infraction since SB 1449
            level, relief = "infraction", "dismiss_and_seal"
        rows.append((section, level, relief))
    rows.sort(key=lambda row: _LEVEL_ORDER[row[1]])
    felony = rows[0][1] == "felony"
    serving = felony and convicted.year >= 2012 and rng.random() < SERVING_SHARE
    # Still serving the felony sentence: each felony count is recalled and resentenced; the
    # shorter misdemeanor and infraction sentences of the case are completed (decision-format.md:
    # resentence only while serving; under HSC 11361.8 nothing else while serving).
    return [
        {
            "count": number,
            "code": "HSC",
            "section": section,
            "level": level,
            "disposition_date": convicted.isoformat(),
            "sentence_completed": not (serving and level == "felony"),
            "relief": "resentence" if serving and level == "felony" else relief,
        }
        for number, (section, level, relief) in enumerate(rows, start=1)
    ]


def generate_decisions(count: int, *, seed: int = 0, courts: int = 3) -> Iterator[dict[str, Any]]:
    """Return an iterator of `count` valid approved decisions across the first `courts` courts."""
    if count < 0:
        raise ValueError("count must not be negative")
    if not 1 <= courts <= len(COURTS):
        raise ValueError(f"courts must be from 1 to {len(COURTS)}")
    return _generate(count, random.Random(seed), COURTS[:courts])


def _generate(
    count: int, rng: random.Random, courts: tuple[tuple[str, str, str, str], ...]
) -> Iterator[dict[str, Any]]:
    """Yield the decisions, person by person; every uniqueness comes from a counter."""
    serials = dict.fromkeys((court[0] for court in courts), 0)
    offsets = {court[0]: rng.randrange(10**6) for court in courts}
    cii_offset, index, person_index = rng.randrange(10**8), 0, 0
    while index < count:
        cii = f"A{(cii_offset + person_index * _CII_STEP) % 10**8:08d}"
        person, dob = _person(rng, cii)
        person_index += 1
        cases = _pick(rng, CASES_PER_REPEAT_PERSON) if rng.random() < MULTI_CASE_SHARE else 1
        for convicted in sorted(_conviction_date(rng, dob) for _ in range(cases)):
            if index == count:
                return
            code, house, felony_prefix, misdemeanor_prefix = rng.choice(courts)
            counts = _counts(rng, convicted)
            serial = serials[code]
            serials[code] += 1
            number = (offsets[code] + serial * _SERIAL_STEP) % 10**6 if serial < 10**6 else serial
            felony = counts[0]["level"] == "felony"
            prefix = felony_prefix if felony else f"{convicted.year % 10}{misdemeanor_prefix}"
            yield {
                "format": "decision/v1",
                "decision_id": f"{code}-{convicted.year}-{index:07d}",
                "status": "approved",
                "basis": "HSC 11361.8" if rng.random() < PETITION_SHARE else "HSC 11361.9",
                "approved_by": dict(rng.choice(APPROVERS)),
                "approved_at": APPROVED_AT,
                "agency": _copy(AGENCY),
                "court": {
                    "code": code,
                    "county": "Los Angeles",
                    "name": COURT,
                    "courthouse": house,
                },
                "case": {"number": f"{prefix}{number:06d}", "convicted_on": convicted.isoformat()},
                "person": _copy(person),
                "counts": counts,
            }
            index += 1


def write_jsonl(decisions: Iterable[dict[str, Any]], stream: TextIO) -> int:
    """Write the decisions to `stream` as JSON Lines (UTF-8 text, not escaped); return how many."""
    written = 0
    for decision in decisions:
        stream.write(json.dumps(decision, ensure_ascii=False) + "\n")
        written += 1
    return written
