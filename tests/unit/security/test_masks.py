"""Python masks (``mask_value``): what quality samples, pages and logs keep of a failing value.

The leak scan must find nothing in a masked value, or a quality sample would be a leak;
and quality's own masking must route through security's masks, so a steward sees the same
shape on the quality page as in a view.
"""

from __future__ import annotations

import pytest

from citylake.security import crypto
from citylake.security.detectors import detect_value, find_embedded
from citylake.security.masking import ENCRYPTED_MARK, mask_value
from security_values import ADDRESSES, CITIZEN_IDS, NAMES, PHONES, bank_card

SAMPLES = [*[("citizen_id", v) for v in CITIZEN_IDS], *[("phone", v) for v in PHONES], ("bank_card", bank_card()),
           *[("person_name", v) for v in NAMES], *[("address", v) for v in ADDRESSES]]


@pytest.mark.parametrize("kind,value", SAMPLES)
def test_a_masked_value_is_no_longer_what_it_was(kind, value):
    masked = mask_value(kind, value)
    assert masked is not None and masked != value and "*" in masked
    assert find_embedded(masked) == {}, "the leak scan would report a masked sample"
    assert detect_value(masked) is None


def test_the_shapes():
    assert mask_value("citizen_id", "110101199003071234") == "110101********1234"
    assert mask_value("phone", "13812345678") == "138****5678"
    assert mask_value("person_name", "张三") == "张*"
    assert mask_value("credit_code", "91420100MA4K2XYZ1A") == "91**************1A"
    assert mask_value("other", "anything") == "****"
    assert mask_value("phone", None) is None
    assert mask_value("phone", crypto.encrypt_value("13812345678", bytes(16), "k.1")) == ENCRYPTED_MARK


def test_quality_samples_use_the_security_masks():
    quality_masking = pytest.importorskip("citylake.quality.masking")
    for kind, value in SAMPLES:
        assert quality_masking.mask_value(kind, value) == mask_value(kind, value), kind
