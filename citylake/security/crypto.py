"""SM4-GCM envelopes and SM3-HMAC tokens: the two primitives every protected value goes through.

Both come from ``cryptography`` (OpenSSL underneath), never from a hand-written cipher:
``algorithms.SM4`` in ``modes.GCM`` (GB/T 32907 in the authenticated mode of RFC 8998) and
``hmac.HMAC`` over ``hashes.SM3()`` (GB/T 32905).

A ciphertext is text, so it fits the STRING column it replaces and survives CSV, JSON and
any Delta reader::

    sm4gcm:v1:<key id>:<base64(iv | ciphertext | tag)>

* ``v1`` versions the format, so a later one (another mode, a longer tag) can be read
  beside it; ``key id`` names the data key, so a table can hold values of several key
  versions after a data-key rotation and decryption never guesses.
* The IV is 96 random bits per value (``os.urandom``): equal plaintexts give different
  ciphertexts, so ciphertext reveals nothing, not even equality (tokens do that, on purpose).
* The prefix up to the key id is GCM's associated data: a value moved under another key
  id, cut, or altered by one bit fails authentication and raises ``CiphertextError``
  instead of decrypting to garbage.

Tokens are lower-case hex HMAC-SM3 digests: deterministic under one key, so equal values
join, and useless without the key (a plain hash of an 18-digit ID could be inverted by
enumerating the ID space in hours).

Missing values (None, NaN, pandas.NA: pandas 3 gives any of them in a str column) stay
missing: a NULL is not encrypted and gets no token.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Callable, Iterable, Mapping

import pandas as pd
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from citylake.errors import CitylakeError

SCHEME = "sm4gcm"
VERSION = "v1"
PREFIX = f"{SCHEME}:{VERSION}:"
KEY_BYTES = 16      # SM4 has one key size: 128 bits
IV_BYTES = 12       # GCM's recommended 96-bit IV
TAG_BYTES = 16
TOKEN_KEY_BYTES = 32
KEY_ID = re.compile(r"^[a-z0-9][a-z0-9_.\-]{0,127}$")


class CiphertextError(CitylakeError):
    """A value is not a citylake ciphertext, or failed authentication (altered, or another key's)."""


class KeyIdError(CitylakeError):
    """A key id breaks the envelope's grammar."""


def check_key_id(key_id: str) -> str:
    if not KEY_ID.match(key_id):
        raise KeyIdError(f"key id {key_id!r} must be 1-128 characters of a-z, 0-9, '_', '.', '-'")
    return key_id


def is_missing(value: object) -> bool:
    """None, NaN and pandas.NA alike: pandas 3 hands any of them for a missing string."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or array is a value, not a missing one
        return False


def _aad(key_id: str) -> bytes:
    return f"{PREFIX}{key_id}".encode("ascii")


def encrypt_value(plaintext: str, key: bytes, key_id: str, iv: bytes | None = None) -> str:
    """One value's envelope. ``iv`` is for test vectors only: a fixed IV under one key
    breaks GCM's confidentiality, so production callers never pass it."""
    iv = os.urandom(IV_BYTES) if iv is None else iv
    enc = Cipher(algorithms.SM4(key), modes.GCM(iv)).encryptor()
    enc.authenticate_additional_data(_aad(key_id))
    body = enc.update(plaintext.encode("utf-8")) + enc.finalize()
    return f"{PREFIX}{key_id}:{base64.b64encode(iv + body + enc.tag).decode('ascii')}"


def parse_envelope(text: str) -> tuple[str, bytes]:
    """(key id, iv|ciphertext|tag) of an envelope; CiphertextError if it is none."""
    if not isinstance(text, str) or not text.startswith(PREFIX):
        raise CiphertextError(f"a value is not a citylake ciphertext (expected the prefix {PREFIX!r})")
    key_id, sep, payload = text[len(PREFIX):].partition(":")
    if not sep or not KEY_ID.match(key_id):
        raise CiphertextError("a ciphertext has no valid key id after its prefix")
    try:
        raw = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise CiphertextError(f"a ciphertext of key {key_id} is not valid base64: it was altered") from None
    if len(raw) < IV_BYTES + TAG_BYTES:
        raise CiphertextError(f"a ciphertext of key {key_id} is too short: it was cut or altered")
    return key_id, raw


def key_id_of(text: str) -> str:
    return parse_envelope(text)[0]


def decrypt_value(text: str, key_for: Callable[[str], bytes]) -> str:
    """The plaintext of one envelope; ``key_for`` maps the envelope's key id to its key."""
    key_id, raw = parse_envelope(text)
    iv, body, tag = raw[:IV_BYTES], raw[IV_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
    dec = Cipher(algorithms.SM4(key_for(key_id)), modes.GCM(iv, tag)).decryptor()
    dec.authenticate_additional_data(_aad(key_id))
    try:
        plain = dec.update(body) + dec.finalize()
    except InvalidTag:
        raise CiphertextError(
            f"a ciphertext of key {key_id} failed SM4-GCM authentication (InvalidTag): the stored value "
            "was altered or copied from another key; restore it from the table's history (Delta time travel)"
        ) from None
    return plain.decode("utf-8")


class Tokenizer:
    """HMAC-SM3 under one key, keyed once and copied per value (half the cost of re-keying)."""

    def __init__(self, key: bytes) -> None:
        self._keyed = hmac.HMAC(key, hashes.SM3())

    def __call__(self, value: str) -> str:
        h = self._keyed.copy()
        h.update(value.encode("utf-8"))
        return h.finalize().hex()

    def __repr__(self) -> str:  # never the key, whatever prints this object
        return "Tokenizer(hmac-sm3)"


def token_value(value: str, key: bytes) -> str:
    return Tokenizer(key)(value)


# --- vectorized over pandas Series (what the Spark pandas UDFs call) --------------------

def _as_text(value: object) -> str:
    return value if isinstance(value, str) else str(value)


def encrypt_series(values: pd.Series, key: bytes, key_id: str) -> pd.Series:
    """Envelopes of a Series; missing stays None. One cipher object and one urandom call per
    batch instead of per value."""
    check_key_id(key_id)
    algorithm = algorithms.SM4(key)
    aad = _aad(key_id)
    prefix = f"{PREFIX}{key_id}:"
    ivs = os.urandom(IV_BYTES * len(values))
    out: list[str | None] = []
    for i, value in enumerate(values):
        if is_missing(value):
            out.append(None)
            continue
        iv = ivs[i * IV_BYTES:(i + 1) * IV_BYTES]
        enc = Cipher(algorithm, modes.GCM(iv)).encryptor()
        enc.authenticate_additional_data(aad)
        body = enc.update(_as_text(value).encode("utf-8")) + enc.finalize()
        out.append(prefix + base64.b64encode(iv + body + enc.tag).decode("ascii"))
    return pd.Series(out, index=values.index, dtype=object)


def encrypt_series_once(values: pd.Series, key: bytes, key_id: str) -> pd.Series:
    """Like ``encrypt_series``, but a value that already is an envelope of this very key
    (it authenticates under it) is kept: rows that pass protection twice are encrypted once."""
    own = f"{PREFIX}{key_id}:"

    def ours(value: object) -> bool:
        if not (isinstance(value, str) and value.startswith(own)):
            return False
        try:
            decrypt_value(value, lambda _: key)
        except CiphertextError:
            return False
        return True

    keep = [ours(v) for v in values]
    if not any(keep):
        return encrypt_series(values, key, key_id)
    encrypted = encrypt_series(values.where([not k for k in keep], None), key, key_id)
    return pd.Series([v if k else e for v, k, e in zip(values, keep, encrypted)], index=values.index, dtype=object)


def decrypt_series(values: pd.Series, key_for: Callable[[str], bytes]) -> pd.Series:
    out = [None if is_missing(v) else decrypt_value(_as_text(v), key_for) for v in values]
    return pd.Series(out, index=values.index, dtype=object)


def token_series(values: pd.Series, key: bytes) -> pd.Series:
    tokenize = Tokenizer(key)
    out = [None if is_missing(v) else tokenize(_as_text(v)) for v in values]
    return pd.Series(out, index=values.index, dtype=object)


def keys_lookup(keys: Mapping[str, bytes]) -> Callable[[str], bytes]:
    """``key_for`` over a mapping, with the error a user can act on."""

    def key_for(key_id: str) -> bytes:
        try:
            return keys[key_id]
        except KeyError:
            raise CiphertextError(f"no data key {key_id!r} in the key ring: the value was encrypted "
                                  "with a key store this installation does not have") from None

    return key_for


def looks_encrypted(values: Iterable[object]) -> bool:
    return all(isinstance(v, str) and v.startswith(PREFIX) for v in values if not is_missing(v))
