"""Who gets a home visit: 80 and over by the ID number, disability by the certificate.

Age is derived from the ID number and never typed, so a visit cannot be booked
on a mistyped age; the disability path checks the second-generation 残疾人证
number (the holder's ID number + category 1–7 + grade 1–4).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from station.people import ResidentId, normalise
from station.visits.model import Reason, VisitError

VISIT_AGE = 80
CATEGORIES = {"1": "视力", "2": "听力", "3": "言语", "4": "肢体", "5": "智力", "6": "精神",
              "7": "多重"}


@dataclass(frozen=True)
class Eligibility:
    reason: Reason
    age: int


def check_disability_cert(resident: ResidentId, cert: str) -> str:
    cert = normalise(cert)
    if len(cert) != 20:
        raise VisitError("visits.cert_length", length=len(cert))
    if cert[:18] != resident.number:
        raise VisitError("visits.cert_other_person")
    if cert[18] not in CATEGORIES:
        raise VisitError("visits.cert_category")
    if cert[19] not in "1234":
        raise VisitError("visits.cert_grade")
    return cert


def visit_eligibility(resident: ResidentId, on: date, *, disability_cert: str = "",
                      approved_by: str = "") -> Eligibility:
    """Why this resident may be visited at home on ``on``, or a VisitError saying why not."""
    age = resident.age(on)
    if age >= VISIT_AGE:
        return Eligibility("age80", age)
    if disability_cert:
        check_disability_cert(resident, disability_cert)
        return Eligibility("disability", age)
    if approved_by.strip():
        return Eligibility("approved", age)
    raise VisitError("visits.not_eligible", age=age, days=_days_until_80(resident, on))


def _days_until_80(resident: ResidentId, on: date) -> int:
    b = resident.birth_date
    try:
        birthday = b.replace(year=b.year + VISIT_AGE)
    except ValueError:  # 29 Feb → 1 Mar, as ResidentId.age counts it
        birthday = date(b.year + VISIT_AGE, 3, 1)
    return (birthday - on).days
