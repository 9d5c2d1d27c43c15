"""Synthetic gogen results and office contacts, shaped as gogen writes them (tests, demo, bench).

The columns are gogen's own, in its order (codeforamerica/gogen exporter/doj_writer.go:
DojFullHeaders then EligiblityHeaders, written by NewDOJWriter for Prop64_Results and All_Results).
No real person is in here: names, CII numbers and case numbers are made up.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from pathlib import Path

DOJ_COLUMNS = """
RECORD_ID SUBJECT_STATUS SUBJECT_ID REQ_SEG_SEP REQ_CII_NUMBER REQ_NAME REQ_GENDER REQ_DOB REQ_CDL
REQ_SSN PII_SEG_SEP CII_NUMBER PRI_NAME GENDER PRI_DOB PRI_SSN PRI_CDL PRI_IDN PRI_INN FBI_NUMBER
PDR_SEG_SEP RACE_CODE RACE_DESCR EYE_COLOR_CODE EYE_COLOR_DESCR HAIR_COLOR_CODE HAIR_COLOR_DESCR
HEIGHT WEIGHT SINGLE_SOURCE MULTI_SOURCE POB_CODE POB_NAME POB_TYPE CITIZENSHIP_LIST CYC_SEG_SEP
CYC_ORDER CYC_DATE STP_SEG_SEP STP_ORDER STP_EVENT_DATE STP_TYPE_CODE STP_TYPE_DESCR STP_ORI_TYPE
STP_ORI_TYPE_DESCR STP_ORI_CODE STP_ORI_DESCR STP_ORI_CNTY_CODE STP_ORI_CNTY_NAME CNT_SEG_SEP
CNT_ORDER DISP_DATE OFN OFFENSE_CODE OFFENSE_DESCR OFFENSE_TOC OFFENSE_QUAL_LST DISP_OFFENSE_CODE
DISP_OFFENSE_DESCR DISP_OFFENSE_TOC DISP_OFFENSE_QUAL_LST CONV_OFFENSE_ORDER CONV_OFFENSE_CODE
CONV_OFFENSE_DESCR CONV_OFFENSE_TOC CONV_OFFENSE_QUAL_LST FE_NUM_ORDER FE_NUM_ARR_AGY
FE_NUM_BNCH_WARR FE_NUM_CITE FE_NUM_DOCKET FE_NUM_INCIDENT FE_NUM_BOOKING FE_NUM_NUMBER
FE_NUM_REMAND FE_NUM_OOS_INN FE_NUM_CRT_CASE FE_NUM_WARRANT DISP_ORDER DISP_CODE DISP_DESCR
CONV_STAT_CODE CONV_STAT_DESCR SENT_SEG_SEP SENT_ORDER SENT_LOC_CODE SENT_LOC_DESCR SENT_LENGTH
SENT_TIME_CODE SENT_TIME_DESCR CYC_AGE CII_TYPE CII_TYPE_ALPHA COMMENT_TEXT END_OF_REC
""".split()  # noqa: SIM905 (95 names: a block reads better than a list)
ELIGIBILITY_COLUMNS = [
    "Case Number",
    "# of convictions on record",
    "Possible Other P64 Charges",
    "Occurred after 11/9/2016",
    "Superstrike Code Section(s)",
    "PC290 Code Section(s)",
    "PC290 Registration",
    "Date of Conviction",
    "Years Since This Conviction",
    "Years Since Any Conviction",
    "# of Prop 64 convictions",
    "# of HS 11357 convictions",
    "# of HS 11358 convictions",
    "# of HS 11359 convictions",
    "# of HS 11360 convictions",
    "Deceased",
    "Eligibility Determination",
    "Eligibility Reason",
    "Potentially Eligible Related Charge",
]
RESULTS_COLUMNS = [*DOJ_COLUMNS, *ELIGIBILITY_COLUMNS]
CONTACT_COLUMNS = [
    "cii",
    "name",
    "address_1",
    "address_2",
    "address_3",
    "city",
    "state",
    "zip",
    "language",
    "notify",
]
LA_COURT = "CASC LOS ANGELES"  # an STP_ORI_DESCR as the DOJ writes a court


def result_row(**cells: str) -> dict[str, str]:
    """Return a gogen result row: the cells given (spaces in names as _: Case_Number), the rest empty.

    Defaults describe a Prop 64 felony conviction eligible for dismissal.
    """
    row = dict.fromkeys(RESULTS_COLUMNS, "")
    row.update(
        {
            "STP_TYPE_DESCR": "COURT ACTION",
            "STP_ORI_DESCR": LA_COURT,
            "STP_ORI_CNTY_NAME": "LOS ANGELES",
            "OFFENSE_DESCR": "11359 HS-POSSESS MARIJUANA FOR SALE",
            "OFFENSE_TOC": "F",
            "DISP_DESCR": "CONVICTED",
            "CONV_STAT_DESCR": "FELONY",
            "Deceased": "-",
            "Eligibility Determination": "Eligible for Dismissal",
            "Eligibility Reason": "Dismiss all HS 11359 convictions",
        }
    )
    for key, value in cells.items():
        column = key if key in row else key.replace("_", " ")
        if column not in row:
            raise KeyError(f"gogen writes no column {key!r}")
        row[column] = value
    return row


def write_table(
    path: Path, columns: list[str], rows: Iterable[dict[str, str]], encoding: str = "utf-8"
) -> None:
    """Write rows as CSV (or .xlsx, by the path's suffix) with the given header."""
    if path.suffix == ".xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet()
        sheet.append(columns)
        for row in rows:
            sheet.append([row.get(column, "") for column in columns])
        book.save(path)
        return
    with path.open("w", encoding=encoding, newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(columns)
        writer.writerows([row.get(column, "") for column in columns] for row in rows)


def synthetic_results(people: int, counts_per_person: int = 4) -> Iterator[dict[str, str]]:
    """Yield people * counts_per_person rows, a person's two cases interleaved with everyone else's.

    Each person has two cases of counts_per_person / 2 counts; the rows go person 0's first count,
    person 1's first count, ... then everyone's second count, so no case's rows are adjacent.
    """
    half = max(1, counts_per_person // 2)
    for count in range(counts_per_person):
        case, number = divmod(count, half)
        for person in range(people):
            yield result_row(
                CII_NUMBER=f"A{person:08d}",
                PRI_NAME=f"DOE{person},JANE Q",
                PRI_DOB="19700101",
                CNT_ORDER=f"001{case + 1:03d}{number + 1:03d}",
                DISP_DATE="19990615",
                Case_Number=f"BA{person:06d}{case}",
                Date_of_Conviction="06/15/1999",
            )


def synthetic_contacts(people: int) -> Iterator[dict[str, str]]:
    """Yield one contact per person of synthetic_results."""
    for person in range(people):
        yield {
            "cii": f"A{person:08d}",
            "name": f"Jane Q. Doe {person}",
            "address_1": f"{person} West 7th Street",
            "city": "Los Angeles",
            "state": "CA",
            "zip": "90017",
            "language": "en",
            "notify": "yes",
        }


SAMPLE_OFFICE = """\
id_prefix = "gogen"
basis = "HSC 11361.9"
approved_at = 2021-09-20T10:15:00-07:00

[approved_by]
name = "Dana R. Whitfield"
title = "Deputy District Attorney"
bar_number = "287654"

[agency]
name = "Los Angeles County District Attorney's Office"
address = ["211 West Temple Street", "Los Angeles, CA 90012"]
phone = "(213) 555-0100"

[determinations]
"Eligible for Dismissal" = "dismiss_and_seal"
"Eligible for Reduction" = "redesignate"

[[courts]]
ori = "CASC LOS ANGELES"
code = "LA-CCB"
county = "Los Angeles"
name = "Superior Court of California, County of Los Angeles"
courthouse = "Clara Shortridge Foltz Criminal Justice Center"

[[courts]]
case_prefix = "LB"
code = "LA-LBC"
county = "Los Angeles"
name = "Superior Court of California, County of Los Angeles"
courthouse = "Governor George Deukmejian Courthouse"
"""
