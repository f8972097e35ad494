"""Code values for the synthetic city, taken from the data standards.

Generated codes come from ``citylake.standards.code_tables`` so that what the city
writes and what silver validates against are the same tables. Weights (how common each
code is) are the generator's own business and live here.
"""

from __future__ import annotations

from functools import lru_cache

from citylake.errors import CitylakeError
from citylake.standards.code_tables import CodeTable, load_code_table


@lru_cache(maxsize=None)
def table(name: str) -> CodeTable:
    """A code table, or one clear error naming the table the generator needs."""
    try:
        return load_code_table(name)
    except CitylakeError as exc:
        raise CitylakeError(f"the synthetic city needs the code table {name!r}: {exc}") from None


def code(name: str, code_value: str) -> str:
    """A code that must exist in a table (fails early if the standards changed under us)."""
    if not table(name).contains(code_value):
        raise CitylakeError(f"code {code_value!r} is not in the code table {name!r}; update citylake/generate to the new standard.")
    return code_value


def label(name: str, code_value: str) -> str:
    """The standard name of a code."""
    found = table(name).name_of(code(name, code_value))
    assert found is not None
    return found


def unknown_code(name: str, candidates: tuple[str, ...]) -> str:
    """The first candidate that is neither a code nor a name of the table: a value silver must reject."""
    t = table(name)
    for value in candidates:
        if not t.contains(value) and not t.codes_of(value):
            return value
    raise CitylakeError(f"no unknown value left for code table {name!r}; add a candidate in citylake/generate/codes.py.")


# --- weights: how often each code occurs in the city -----------------------------------

#: Ethnic groups of a central-China city: Han almost everywhere, Tujia and Hui next.
ETHNICITY_WEIGHTS = {"01": 0.962, "15": 0.012, "03": 0.008, "06": 0.004, "11": 0.003, "02": 0.002,
                     "08": 0.002, "12": 0.002, "04": 0.001, "10": 0.001, "13": 0.001, "14": 0.001, "05": 0.001}

#: Market entities by type: mostly natural-person LLCs and individual businesses.
ENTERPRISE_TYPE_WEIGHTS = {"1130": 0.42, "9500": 0.28, "1150": 0.08, "1190": 0.04, "1220": 0.02, "1210": 0.005,
                           "2100": 0.04, "4100": 0.03, "4230": 0.02, "3100": 0.01, "3200": 0.01, "5100": 0.02,
                           "6000": 0.01, "9100": 0.025}

#: Industry divisions (GB/T 4754) of a services-heavy city economy.
INDUSTRY_WEIGHTS = {"52": 0.16, "51": 0.12, "62": 0.07, "65": 0.06, "72": 0.07, "80": 0.05, "70": 0.04,
                    "47": 0.03, "48": 0.03, "50": 0.03, "54": 0.03, "59": 0.02, "64": 0.03, "74": 0.03,
                    "75": 0.03, "61": 0.02, "82": 0.02, "81": 0.02, "36": 0.02, "39": 0.02, "26": 0.01,
                    "27": 0.01, "33": 0.01, "13": 0.01, "14": 0.01, "01": 0.01, "03": 0.01, "44": 0.005,
                    "45": 0.005, "84": 0.01, "83": 0.01, "88": 0.005, "90": 0.005, "71": 0.01, "73": 0.005,
                    "66": 0.005, "68": 0.005, "78": 0.005}

#: Registration status at day 0, by code of enterprise_status.
STATUS_WEIGHTS = {"10": 0.86, "20": 0.01, "30": 0.01, "40": 0.01, "50": 0.05, "60": 0.06}

INSURANCE_EMPLOYEE = ("110", "310", "210", "410")
INSURANCE_RESIDENT = ("390",)
INSURANCE_RETIRED = ("110", "310")

DRIVING_LICENCE = "105"
MARRIAGE_CERTIFICATE = "110"
BIRTH_CERTIFICATE = "112"
DISABILITY_CERTIFICATE = "113"
BUSINESS_LICENCE = "201"
ENTERPRISE_PERMITS = ("202", "207", "208", "209", "210", "211")

DISASTER_TYPES = {"N01": 0.5, "A01": 0.35, "A02": 0.15}  # flood, fire, chemical leak
HAZARD_SITE_TYPES = ("0601", "0602", "0603", "0604")
