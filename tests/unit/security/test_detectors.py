"""Detectors: identifiers by the standards' validators, names and addresses by shape, and
embedded identifiers found in free text without false alarms on ciphertext, tokens and ids."""

from __future__ import annotations

import pytest

from citylake.security import crypto
from citylake.security.detectors import detect_value, find_embedded, is_address, is_person_name
from citylake.standards.identifiers import luhn_ok
from security_values import ADDRESSES, CITIZEN_IDS, NAMES, PHONES, bank_card, credit_code

KEY = bytes(16)


@pytest.mark.parametrize("value,kind", [
    *[(v, "citizen_id") for v in CITIZEN_IDS],
    (CITIZEN_IDS[0].lower(), "citizen_id"),
    *[(v, "phone") for v in PHONES],
    ("+86 138-1234-5678", "phone"),
    (credit_code(), "credit_code"),
    (bank_card(), "bank_card"),
    ("zhang.san@example.cn", "email"),
    *[(v, "person_name") for v in NAMES],
    ("阿依古丽·买买提", "person_name"),
    *[(v, "address") for v in ADDRESSES],
    (crypto.encrypt_value("13812345678", KEY, "k.1"), "encrypted"),
    (crypto.token_value("13812345678", KEY), "token"),
])
def test_whole_values(value, kind):
    assert detect_value(value) == kind


@pytest.mark.parametrize("value", [None, "", "死亡注销", "家庭户", "正常", "武汉市某某科技有限公司", "2026-01-01",
                                   "420102", "12345678901", "2026-01-01-a10fa3a979eb9a8a6ef3", "ZZ0000123", "0.95",
                                   "信息更正", "420102199003071239"])
def test_what_is_not_sensitive(value):
    """Codes, dates, ids, and an 18-digit number whose check digit is wrong (whole-value
    detection follows GB 11643; the leak scan is wider, below)."""
    assert detect_value(value) is None


def test_names_and_addresses_by_shape():
    assert is_person_name("司马光") and is_person_name("张三") and is_person_name("王小明")
    assert not is_person_name("湖北省") and not is_person_name("张三丰李四") and not is_person_name("张")
    assert not is_address("解放大道") and is_address("江岸区解放大道1号")


def test_embedded_identifiers_in_free_text():
    line = (f"24/01/01 WARN row {{'公民身份号码': '{CITIZEN_IDS[1]}', '联系电话': '+86 {PHONES[0]}', "
            f"'卡号': '{bank_card()}'}} rejected")
    assert find_embedded(line) == {"citizen_id": 1, "phone": 1, "bank_card": 1}
    wrong_check_digit = CITIZEN_IDS[2][:-1] + ("1" if CITIZEN_IDS[2][-1] != "1" else "2")
    assert find_embedded(f"id={wrong_check_digit}") == {"citizen_id": 1}, "a mistyped ID is still a person's number"


@pytest.mark.parametrize("text", [
    "batch 2026-01-01-a10fa3a979eb9a8a6ef3 ingested 302 rows in 1735689600123 ms",
    crypto.token_value("13812345678", KEY),
    " ".join(crypto.encrypt_value(p, KEY, "public_security__persons.1") for p in PHONES * 20),
    "scan 00b366f5d54b833ba3077d, 420102008000 street, 2026-01-02T09:38:11.123+08:00",
])
def test_no_false_alarms_on_logs_tokens_and_ciphertext(text):
    assert find_embedded(text) == {}


def test_an_all_digit_credit_code_passing_luhn_is_not_a_card():
    code = next(c for c in (credit_code(f"91420100{n:09d}") for n in range(1000)) if c.isdigit() and luhn_ok(c))
    assert detect_value(code) == "credit_code" and find_embedded(f"employer {code}") == {}


def test_the_file_scan_reads_logs_and_binary_files(tmp_path):
    import sqlite3

    from citylake.security.leaks import scan_files

    (tmp_path / "task.log").write_text(f"ok\nrow rejected: {CITIZEN_IDS[0]}\n", encoding="utf-8")
    db = sqlite3.connect(tmp_path / "catalog.db")
    db.execute("CREATE TABLE sample (v TEXT)")
    db.execute("INSERT INTO sample VALUES (?)", (f"电话 {PHONES[0]}",))
    db.commit()
    db.close()
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "delivery.csv").write_text(CITIZEN_IDS[1], encoding="utf-8")
    found = {(x.place.rsplit("/", 1)[1], x.where, x.kind) for x in scan_files([tmp_path], [tmp_path / "raw"])}
    assert found == {("task.log", "line 2", "citizen_id"), ("catalog.db", "binary", "phone")}


def test_engine_byte_sizes_are_not_taken_for_phone_numbers():
    from citylake.security.detectors import find_embedded

    assert find_embedded("buckets 8589934592, 17179869184, 34359738368") == {}
    assert find_embedded("call 13812345678 now") == {"phone": 1}


def test_the_digits_of_a_float_are_not_identifiers():
    fractions = [f"{n}.{d}" for n in (0, 1764170445) for d in (bank_card(), CITIZEN_IDS[0][:-1] + "1", "13812345678")]
    assert [t for t in fractions if find_embedded(f'"execution_time": {t}, "x": -{t}')] == []
    assert find_embedded(f"card {bank_card()}. id {CITIZEN_IDS[0]}.") == {"bank_card": 1, "citizen_id": 1}, \
        "a full stop after a number is still the end of a sentence"
