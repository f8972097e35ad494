"""SM4-GCM envelopes and HMAC-SM3 tokens: standard algorithms, loud failures, missing values kept."""

from __future__ import annotations

import base64
import hashlib
import hmac as std_hmac
import os
import re

import numpy as np
import pandas as pd
import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from citylake.errors import CitylakeError
from citylake.security import crypto

KEY = bytes(range(16))
ENVELOPE = re.compile(r"^sm4gcm:v1:[a-z0-9_.\-]+:[A-Za-z0-9+/]+={0,2}$")


def test_cryptography_sm4_gcm_is_the_rfc_8998_algorithm():
    """The primitive under the envelopes reproduces RFC 8998's SM4-GCM test vector."""
    key = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
    iv = bytes.fromhex("00001234567800000000ABCD")
    aad = bytes.fromhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2")
    plain = bytes.fromhex("AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
                          "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA")
    enc = Cipher(algorithms.SM4(key), modes.GCM(iv)).encryptor()
    enc.authenticate_additional_data(aad)
    body = enc.update(plain) + enc.finalize()
    assert body.hex().upper().startswith("17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735")
    assert enc.tag.hex().upper() == "83DE3541E4C2B58177E065A9BF7B62EC"


def test_envelope_is_versioned_text_with_key_id_and_random_iv():
    a = crypto.encrypt_value("420102199001011234", KEY, "public_security__persons.1")
    b = crypto.encrypt_value("420102199001011234", KEY, "public_security__persons.1")
    assert ENVELOPE.match(a) and a.startswith("sm4gcm:v1:public_security__persons.1:")
    assert a != b, "equal plaintexts must not give equal ciphertexts (random 96-bit IV)"
    raw = base64.b64decode(a.rsplit(":", 1)[1])
    assert len(raw) == crypto.IV_BYTES + len("420102199001011234") + crypto.TAG_BYTES
    assert crypto.decrypt_value(a, lambda _: KEY) == "420102199001011234"
    assert crypto.key_id_of(a) == "public_security__persons.1"


@pytest.mark.parametrize("text", ["张三", "", "湖北省武汉市江岸区解放大道1号 501室", "a" * 5000])
def test_round_trip_of_any_text(text):
    assert crypto.decrypt_value(crypto.encrypt_value(text, KEY, "k.1"), lambda _: KEY) == text


def _flip(envelope: str, at: int) -> str:
    head, body = envelope.rsplit(":", 1)
    raw = bytearray(base64.b64decode(body))
    raw[at] ^= 0x01
    return f"{head}:{base64.b64encode(bytes(raw)).decode()}"


@pytest.mark.parametrize("where", [0, 14, -1])  # the IV, the ciphertext, the tag
def test_a_tampered_value_fails_loudly(where):
    envelope = crypto.encrypt_value("13812345678", KEY, "k.1")
    with pytest.raises(crypto.CiphertextError, match="InvalidTag.*altered"):
        crypto.decrypt_value(_flip(envelope, where), lambda _: KEY)


def test_a_value_moved_under_another_key_id_or_key_fails():
    envelope = crypto.encrypt_value("13812345678", KEY, "k.1")
    moved = envelope.replace("sm4gcm:v1:k.1:", "sm4gcm:v1:k.2:")
    with pytest.raises(crypto.CiphertextError, match="InvalidTag"):
        crypto.decrypt_value(moved, lambda _: KEY)  # the key id is authenticated data
    with pytest.raises(crypto.CiphertextError, match="InvalidTag"):
        crypto.decrypt_value(envelope, lambda _: os.urandom(16))


@pytest.mark.parametrize("bad", ["13812345678", "sm4gcm:v1:k.1", "sm4gcm:v1:k.1:%%%", "sm4gcm:v1:k.1:AAAA",
                                 "sm4gcm:v2:k.1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"])
def test_what_is_not_an_envelope_is_refused_with_a_sentence(bad):
    with pytest.raises(crypto.CiphertextError) as err:
        crypto.decrypt_value(bad, lambda _: KEY)
    assert isinstance(err.value, CitylakeError) and "\n" not in str(err.value)


def test_unknown_key_id_is_a_clear_error():
    envelope = crypto.encrypt_value("x", KEY, "k.1")
    with pytest.raises(crypto.CiphertextError, match="no data key 'k.1'"):
        crypto.decrypt_value(envelope, crypto.keys_lookup({}))


def test_series_keep_missing_values_of_every_pandas_kind():
    """pandas 3 hands a missing string as NaN (str dtype), None or pd.NA: all stay missing."""
    values = pd.Series(["420102199001011234", np.nan, None, pd.NA, "张三"], dtype=object)
    as_str = pd.Series(["13812345678", None, "x"], dtype="str")
    for series in (values, as_str):
        encrypted = crypto.encrypt_series(series, KEY, "k.1")
        tokens = crypto.token_series(series, KEY)
        missing = [crypto.is_missing(v) for v in series]
        assert [v is None for v in encrypted] == missing
        assert [v is None for v in tokens] == missing
        back = crypto.decrypt_series(encrypted, lambda _: KEY)
        assert [b for b, m in zip(back, missing) if not m] == [v for v, m in zip(series, missing) if not m]
        assert all(isinstance(v, str) and v.startswith("sm4gcm:v1:k.1:") for v in encrypted if v is not None)


def test_tokens_are_hmac_sm3_deterministic_per_key():
    token = crypto.token_value("420102199001011234", KEY)
    assert re.fullmatch(r"[0-9a-f]{64}", token)
    assert token == crypto.token_value("420102199001011234", KEY)
    assert token != crypto.token_value("420102199001011234", bytes(16))
    assert token != crypto.token_value("420102199001011235", KEY)
    if "sm3" in hashlib.algorithms_available:  # an independent HMAC construction over OpenSSL's SM3
        assert token == std_hmac.new(KEY, "420102199001011234".encode(), "sm3").hexdigest()


def test_nothing_prints_a_key():
    tokenizer = crypto.Tokenizer(KEY)
    assert KEY.hex() not in repr(tokenizer) and str(KEY) not in repr(tokenizer)


def test_key_ids_follow_the_envelope_grammar():
    assert crypto.check_key_id("token.citizen_id.1")
    with pytest.raises(crypto.KeyIdError):
        crypto.check_key_id("bad:id")


def test_encrypt_once_keeps_own_envelopes_and_encrypts_everything_else():
    own = crypto.encrypt_value("张三", KEY, "k.1")
    other_key = crypto.encrypt_value("李四", bytes(range(1, 17)), "k.1")
    forged = "sm4gcm:v1:k.1:" + "4201021990030712"  # looks like an envelope, holds digits in the clear
    out = crypto.encrypt_series_once(pd.Series([own, other_key, forged, "13812345678", None], dtype=object), KEY, "k.1")
    assert out[0] == own and out[4] is None
    for i in (1, 2, 3):
        assert out[i] != [own, other_key, forged, "13812345678"][i] and out[i].startswith("sm4gcm:v1:k.1:")
    assert crypto.decrypt_value(out[2], lambda _: KEY) == forged


def test_a_worker_error_becomes_one_sentence_for_the_user():
    from citylake.security.column_protection import clear_error

    wrapped = RuntimeError("PythonException:\n  An exception was thrown from the Python worker.\nTraceback ...\n"
                           "citylake.security.crypto.CiphertextError: a ciphertext of key k.1 failed SM4-GCM "
                           "authentication (InvalidTag): the stored value was altered\n\nJVM stacktrace: ...")
    clear = clear_error(wrapped)
    assert isinstance(clear, crypto.CiphertextError) and str(clear).startswith("a ciphertext of key k.1 failed")
    assert clear_error(RuntimeError("OutOfMemoryError")) is None
