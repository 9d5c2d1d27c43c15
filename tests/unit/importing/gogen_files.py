"""Test files made from gogen's documented columns: every case the import must handle, in few rows.

Rows are written in an order that separates each case's counts, as a DOJ file may.
"""

from __future__ import annotations

from pathlib import Path

from service.importing.sample import CONTACT_COLUMNS, RESULTS_COLUMNS, SAMPLE_OFFICE, result_row, write_table

GARCIA, SMITH, REVIEWED, ELSEWHERE, TICKET, TANGLED, STRANGER = (
    "A1000001",
    "B2000002",
    "C3000003",
    "D4000004",
    "E5000005",
    "F6000006",
    "G7000007",
)
DATES = {"PRI_DOB": "19750403", "DISP_DATE": "19980615", "Date_of_Conviction": "06/15/1998"}


def documented_rows() -> list[dict[str, str]]:
    """Return the rows: one per situation of docs/import.md, with their source line = index + 2."""
    garcia = {"CII_NUMBER": GARCIA, "PRI_NAME": "GARCIA,MARIA ELENA", **DATES}
    two_cases = "BA100001; BA100002"
    return [
        # line 2: a multi-case cell; this count is on BA100001 (its OFN says so)
        result_row(**garcia, Case_Number=two_cases, OFN="BA100001", CNT_ORDER="001001001"),
        # line 3: a deceased person without a contact: a decision, no letter
        result_row(
            CII_NUMBER=SMITH,
            PRI_NAME="SMITH,JOHN",
            **DATES,
            Case_Number="BA300003",
            OFFENSE_DESCR="11358 HS-CULTIVATE MARIJUANA",
            Deceased="Deceased",
        ),
        # line 4: the same cell, a misdemeanor on BA100002, reduced to an infraction
        result_row(
            **garcia,
            Case_Number=two_cases,
            OFN="BA100002",
            CNT_ORDER="001001002",
            OFFENSE_DESCR="11357(B) HS-POSSESS MARIJUANA",
            OFFENSE_TOC="M",
            CONV_STAT_DESCR="MISDEMEANOR",
            Eligibility_Determination="Eligible for Reduction",
        ),
        # line 5: the same person in another court (Long Beach, by case-number prefix)
        result_row(
            **garcia,
            Case_Number="LB200001",
            CNT_ORDER="002001001",
            OFFENSE_DESCR="SEE COMMENT FOR CHARGE",
            COMMENT_TEXT="11360(A) HS-TRANSPORT MARIJUANA",
            Eligibility_Determination="Eligible for Reduction",
        ),
        # line 6: another name of the same CII, on a count not eligible (an AKA, and a review row)
        result_row(
            **{**garcia, "PRI_NAME": "GARCIA,MARIA"},
            Case_Number="BA100009",
            Eligibility_Determination="Not eligible",
            Eligibility_Reason="Occurred after 11/09/2016",
        ),
        # lines 7 and 8: the two determinations that need a person to look
        result_row(
            CII_NUMBER=REVIEWED,
            PRI_NAME="LEE,KIM",
            **DATES,
            Case_Number="BA400004",
            Eligibility_Determination="Maybe Eligible - Flag for Review",
        ),
        result_row(
            CII_NUMBER=REVIEWED,
            PRI_NAME="LEE,KIM",
            **DATES,
            Case_Number="BA400005",
            Eligibility_Determination="Hand Review",
        ),
        # line 9: a court the office has no mapping for
        result_row(
            CII_NUMBER=ELSEWHERE,
            PRI_NAME="NGUYEN,AN",
            **DATES,
            Case_Number="FSB500005",
            STP_ORI_DESCR="CASC SAN BERNARDINO",
        ),
        # line 10: an infraction cannot be reduced
        result_row(
            CII_NUMBER=TICKET,
            PRI_NAME="PARK,JIN",
            **DATES,
            Case_Number="BA600006",
            CONV_STAT_DESCR="INFRACTION",
            Eligibility_Determination="Eligible for Reduction",
        ),
        # line 11: a multi-case cell whose row does not say which case it is on
        result_row(CII_NUMBER=TANGLED, PRI_NAME="DIAZ,ROSA", **DATES, Case_Number="BA700007; BA700008"),
        # line 12: a living person the office has no contact for
        result_row(CII_NUMBER=STRANGER, PRI_NAME="DOE,JANE", **DATES, Case_Number="BA800008"),
        # line 13: an All_Results row that is not a Prop 64 conviction (no determination)
        result_row(CII_NUMBER=GARCIA, PRI_NAME="GARCIA,MARIA ELENA", Eligibility_Determination=""),
    ]


def documented_contacts() -> list[dict[str, str]]:
    return [
        {
            "cii": GARCIA,
            "name": "María Elena García",
            "address_1": "1200 West 7th Street, Apt 4",
            "city": "Los Angeles",
            "state": "CA",
            "zip": "90017",
            "language": "es",
            "notify": "yes",
        },
        {"cii": ELSEWHERE, "name": "An Nguyen", "notify": "no"},
        {"cii": REVIEWED, "notify": "no"},
        {"cii": TICKET, "notify": "no"},
        {"cii": TANGLED, "notify": "no"},
    ]


def write_documented(folder: Path, suffix: str = ".csv", encoding: str = "utf-8") -> tuple[Path, Path, Path]:
    """Write Prop64_Results, contacts and OFFICE.toml into folder; return their paths."""
    results = folder / f"Prop64_Results{suffix}"
    contacts = folder / f"contacts{suffix}"
    office = folder / "OFFICE.toml"
    write_table(results, RESULTS_COLUMNS, documented_rows(), encoding)
    write_table(contacts, CONTACT_COLUMNS, documented_contacts(), encoding)
    office.write_text(SAMPLE_OFFICE, encoding="utf-8")
    return results, contacts, office
