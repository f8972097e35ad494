"""City codes: shape, check character and stability, without Spark."""

from __future__ import annotations

import os

from citylake.resolution.city_codes import code_of, is_valid_code
from citylake.security.crypto import Tokenizer


def test_a_code_is_stable_checked_and_keyed() -> None:
    key, other = os.urandom(32), os.urandom(32)
    code = code_of("3f1c0a", Tokenizer(key))
    assert code == code_of("3f1c0a", Tokenizer(key)), "the same person key always gets the same code"
    assert code != code_of("3f1c0a", Tokenizer(other)), "without the key nobody computes a person's code"
    assert code != code_of("3f1c0b", Tokenizer(key))
    assert code.startswith("CL") and len(code) == 23 and is_valid_code(code) and is_valid_code(code.lower())


def test_a_mistyped_code_is_caught() -> None:
    code = code_of("3f1c0a", Tokenizer(os.urandom(32)))
    typos = [code[:i] + ("0" if code[i] != "0" else "1") + code[i + 1:] for i in range(2, len(code))]
    swaps = [code[:i] + code[i + 1] + code[i] + code[i + 2:] for i in range(2, len(code) - 1) if code[i] != code[i + 1]]
    assert not any(is_valid_code(t) for t in typos + swaps)
    assert not is_valid_code(code[:-1]) and not is_valid_code("XX" + code[2:])
