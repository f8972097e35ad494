"""The Spark forms of the standards give the same answers as the Python validators.

Values are generated here with python-stdnum (good ones, then damaged copies) and put
through both implementations in one DataFrame; every rule column is compared row by
row, so each rule also sees the other kinds' values as garbage input.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest
from stdnum import luhn
from stdnum.cn import ric, uscc

from citylake.standards import spark_rules as R
from citylake.standards import validators as V
from citylake.standards.code_tables import load_code_table

pytestmark = pytest.mark.spark

TODAY = dt.date(2025, 6, 30)
FULLWIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")


def citizen_ids(rng: random.Random, n: int) -> list[str | None]:
    districts = [c for c in load_code_table("admin_division").codes if not c.endswith("00")]
    retired = [r["code"] for r in load_code_table("admin_division_history").rows if r["valid_to"]]
    out: list[str | None] = []
    for i in range(n):
        place = rng.choice(retired if i % 7 == 0 else districts)
        born = dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(90 * 365))
        body = f"{place}{born:%Y%m%d}{rng.randrange(1000):03d}"
        good = body + ric.calc_check_digit(body + "0")
        variant = i % 10
        if variant == 0:
            good = good.lower()
        elif variant == 1:
            good = good.translate(FULLWIDTH_DIGITS)
        elif variant == 2:
            good = f" {good[:6]} {good[6:14]} {good[14:]} "
        out.append(good)
        normalized = V.normalize_citizen_id(good) or ""
        wrong = "X" if normalized[-1] != "X" else "0"
        out.append(normalized[:17] + wrong)  # wrong check digit
        if i % 6 == 0:  # a wrong birthplace, an impossible or future birth date
            damaged = [f"99{body[2:]}", f"{body[:10]}0230{body[14:]}", f"{place}2090{body[10:]}"][i % 3]
            out.append(damaged + ric.calc_check_digit(damaged + "0"))
    out += [
        "999999199001011234", "110101199002301234", "110101203001011234", "110101180001011234",
        "11010119900101123", "1101011990010112345", "11010119900101123Y", "110101900101123",
        "ABCDEFGHIJKLMNOPQR", "", "   ", None, "１１０１０１１９９００３０７８０３ｘ", "11010319800101001X",
        "000000000001011234", "110101000001011234",
    ]
    return out


def credit_codes(rng: random.Random, n: int) -> list[str | None]:
    regions = [c for c in load_code_table("admin_division").codes if not c.endswith("0000")]
    out: list[str | None] = []
    for i in range(n):
        head = rng.choice(["91", "92", "93", "11", "12", "51", "52", "Y1", "N2"])
        org = "".join(rng.choice(V.CREDIT_ALPHABET) for _ in range(9))
        body = head + rng.choice(regions) + org
        good = body + uscc.calc_check_digit(body)
        if i % 5 == 0:
            good = good.lower()
        elif i % 5 == 1:
            good = f"{good[:8]}-{good[8:]}"
        out.append(good)
        wrong = V.CREDIT_ALPHABET[(V.CREDIT_ALPHABET.index(good[-1].upper()) + 1) % 31]
        out.append(good.replace("-", "")[:17] + wrong)
    out += ["91110000600037341L", "9111000060003734IL", "91110000600037341", "911100006000373412L", "", None]
    return out


def phones(rng: random.Random, n: int) -> list[str | None]:
    out: list[str | None] = []
    for i in range(n):
        mobile = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
        local = f"{rng.randrange(2, 10)}{rng.randrange(10**7):07d}"[: rng.choice([7, 8])]
        area = rng.choice(["010", "021", "020", "0755", "0571", "0898"])
        out += [
            [mobile, f"+86 {mobile[:3]} {mobile[3:7]} {mobile[7:]}", f"0086-{mobile}", f"86{mobile}",
             f"{mobile[:3]}-{mobile[3:7]}-{mobile[7:]}", mobile.translate(FULLWIDTH_DIGITS)][i % 6],
            [f"{area}-{local}", f"({area}){local}", f"+86 {area[1:]} {local}", f"{area} {local}", local][i % 5],
        ]
    out += ["12345", "1234567890123", "400-800-8888", "10086", "abc", "2345678", "", None, "+86 0755 88889999"]
    return out


def dates(rng: random.Random, n: int) -> list[str | None]:
    out: list[str | None] = []
    for i in range(n):
        d = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(80 * 365))
        out.append([f"{d:%Y-%m-%d}", f"{d.year}/{d.month}/{d.day}", f"{d.year}.{d.month}.{d.day}",
                    f"{d.year}年{d.month}月{d.day}日", f"{d:%Y%m%d}", f"{d:%Y-%m-%d} 08:30:00"][i % 6])
        y = d.year
        out.append([f"{y}-02-30", f"{y}/13/1", f"{y}.4.31", f"{y}年2月29日", f"{y}0631", f"{y}-00-10"][i % 6])
    out += ["2023-5-1", "2023/05-01", "0023-01-01", "23-05-01", "May 1 2023", "2023 年 5 月 1 日", "", None]
    return out


def bank_cards(rng: random.Random, n: int) -> list[str | None]:
    out: list[str | None] = []
    for i in range(n):
        body = "62" + "".join(str(rng.randrange(10)) for _ in range(rng.choice([13, 14, 16])))
        good = body + luhn.calc_check_digit(body)
        out.append(good if i % 2 else " ".join(good[j:j + 4] for j in range(0, len(good), 4)))
        out.append(good[:-1] + str((int(good[-1]) + 1) % 10))
    out += ["1234", "62220202000000000039999", "6222-0202-0000-0000-003", "", None]
    return out


EMAILS = ["a@b.cn", "Foo.Bar@Example.COM", " x_y+z@mail.gov.cn ", "a..b@x.com", ".a@x.com", "a@x", "a@-x.com",
          "张三@x.com", "ａｂｃ@ｘ.ｃｏｍ", "a@b.c", "a b@c.com", "", None]


@pytest.fixture(scope="module")
def values() -> list[str | None]:
    rng = random.Random(20250630)
    return (citizen_ids(rng, 60) + credit_codes(rng, 40) + phones(rng, 40) + dates(rng, 40)
            + bank_cards(rng, 25) + EMAILS)


@pytest.fixture(scope="module")
def rows(spark, values):  # type: ignore[no-untyped-def]
    """Every rule over every value, in one Spark job."""
    from pyspark.sql import functions as F

    df = spark.createDataFrame([(i, v) for i, v in enumerate(values)], "i int, v string")
    today = F.lit(TODAY)
    out = df.select(
        "i", "v",
        R.normalize_text("v").alias("text"),
        R.normalize_citizen_id("v").alias("cid"), R.citizen_id_reason("v", today).alias("cid_reason"),
        R.id_birth_date("v").alias("cid_born"), R.id_gender("v").alias("cid_gender"),
        R.normalize_credit_code("v").alias("ucc"), R.credit_code_reason("v").alias("ucc_reason"),
        R.normalize_phone("v").alias("phone"), R.phone_reason("v").alias("phone_reason"),
        R.parse_date("v").alias("date"), R.date_reason("v").alias("date_reason"),
        R.normalize_bank_card("v").alias("card"), R.bank_card_reason("v").alias("card_reason"),
        R.normalize_email("v").alias("email"), R.email_reason("v").alias("email_reason"),
    )
    return {r["i"]: r for r in out.collect()}


def test_generated_values_cover_good_and_bad(values):  # type: ignore[no-untyped-def]
    cid = [V.check_citizen_id(v, today=TODAY).reason for v in values]
    assert len(values) > 300
    assert {None, "missing", "format", "birthplace", "birth_date", "check_digit"} <= set(cid)
    assert {None, "impossible_date", "format"} <= {V.parse_date(v).reason for v in values}
    assert {None, "no_area_code", "format"} <= {V.normalize_phone(v).reason for v in values}


def _mismatches(rows, check, value_col: str, reason_col: str) -> list:  # type: ignore[no-untyped-def]
    bad = []
    for r in rows.values():
        expected = check(r["v"])
        got_value = r[value_col] if expected.ok else None
        if (expected.reason, expected.value) != (r[reason_col], got_value):
            bad.append((r["v"], expected, r[reason_col], r[value_col]))
    return bad


def test_citizen_id_rules_agree(rows):  # type: ignore[no-untyped-def]
    assert _mismatches(rows, lambda v: V.check_citizen_id(v, today=TODAY), "cid", "cid_reason") == []


def test_id_birth_date_and_gender_agree(rows):  # type: ignore[no-untyped-def]
    for r in rows.values():
        assert (r["cid_born"], r["cid_gender"]) == (V.id_birth_date(r["v"]), V.id_gender(r["v"])), r["v"]


def test_credit_code_rules_agree(rows):  # type: ignore[no-untyped-def]
    assert _mismatches(rows, V.check_credit_code, "ucc", "ucc_reason") == []


def test_phone_rules_agree(rows):  # type: ignore[no-untyped-def]
    assert _mismatches(rows, V.normalize_phone, "phone", "phone_reason") == []


def test_date_rules_agree(rows):  # type: ignore[no-untyped-def]
    assert _mismatches(rows, V.parse_date, "date", "date_reason") == []


def test_bank_card_rules_agree(rows):  # type: ignore[no-untyped-def]
    assert _mismatches(rows, V.check_bank_card, "card", "card_reason") == []


def test_email_rules_agree(rows):  # type: ignore[no-untyped-def]
    assert _mismatches(rows, V.check_email, "email", "email_reason") == []


def test_normalize_text_agrees(rows):  # type: ignore[no-untyped-def]
    assert [r["v"] for r in rows.values() if r["text"] != V.normalize_text(r["v"])] == []


def test_code_rules_agree(spark):  # type: ignore[no-untyped-def]
    samples = {
        "gender": ["1", "2", "男", " 女 ", "Ｍ", "female", "3", "", None, "男性"],
        "ethnicity": ["01", "1", "汉族", "汉", "蒙古", "Uygur", "97", "99", "满族 "],
        "admin_division": ["110101", "东城区", "朝阳区", "南山区", "深圳市", "999999", "１１０１０１"],
        "hazard_level": ["1", "Ⅱ级", "II级", "红色", "blue", "五级"],
    }
    for table, raw in samples.items():
        df = spark.createDataFrame([(v,) for v in raw], "v string")
        got = df.select("v", R.standardize_code("v", table).alias("code"), R.code_reason("v", table).alias("reason"),
                        R.in_code_table("v", table).alias("member")).collect()
        for r in got:
            expected = V.check_code(r["v"], table)
            assert (r["reason"], r["code"] if expected.ok else None) == (expected.reason, expected.value), (table, r)
            assert bool(r["member"]) == load_code_table(table).contains(r["v"]) if r["v"] else True


def test_code_table_df_has_every_row(spark):  # type: ignore[no-untyped-def]
    df = R.code_table_df(spark, "ethnicity")
    assert df.count() == 58
    assert {"code", "name", "name_en"} <= set(df.columns)
    han = df.where("code = '01'").collect()[0]
    assert han["name"] == "汉族"


def test_to_simplified_agrees(spark):  # type: ignore[no-untyped-def]
    names = ["陳大文", "張偉", "劉麗華", "王芳", None]
    got = spark.createDataFrame([(n,) for n in names], "v string").select(R.to_simplified("v").alias("s")).collect()
    assert [r["s"] for r in got] == [V.to_simplified(n) for n in names]
