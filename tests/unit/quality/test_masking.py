"""Masked samples: the shapes stewards see, and that nothing personal passes unmasked."""

from __future__ import annotations

from citylake.contracts import ColumnContract, Sensitivity
from citylake.quality.masking import ENCRYPTED_MARK, column_masker, mask_embedded, mask_value


def test_masks_have_the_security_layers_shapes() -> None:
    assert mask_value("citizen_id", "110101199003071234") == "110101********1234"
    assert mask_value("phone", "13812345678") == "138****5678"
    assert mask_value("person_name", "张三") == "张*"
    assert mask_value("person_name", "欧阳娜娜") == "欧***"
    assert mask_value("credit_code", "91420100MA4K0XXX2Y") == "91**************2Y"
    assert mask_value("email", "zhang.san@example.cn") == "z***@example.cn"
    assert mask_value("address", "湖北省武汉市江岸区中山大道1号") == "湖北省武汉市江岸区****"
    assert mask_value("citizen_id", "12345") == "*****"


def test_ciphertext_is_shown_as_encrypted_and_none_stays_none() -> None:
    assert mask_value("citizen_id", "sm4gcm:1:k1:AAAA") == ENCRYPTED_MARK
    assert mask_value("other", "sm4gcm:1:k1:AAAA") == ENCRYPTED_MARK
    assert mask_value("citizen_id", None) is None


def test_other_values_stay_readable_but_embedded_ids_and_phones_are_masked() -> None:
    assert mask_value("other", "2025-04-31") == "2025-04-31"
    assert mask_value("other", "未知类别") == "未知类别"
    assert mask_embedded("call 13812345678 or id 11010119900307123X") == "call 138****5678 or id 110101********123X"
    assert mask_value("other", "x", personal=True) == "****"


def test_a_columns_masker_follows_its_data_element_and_sensitivity() -> None:
    cid = ColumnContract(name="citizen_id", element="DE.citizen_id")
    name = ColumnContract(name="name", element="DE.person_name")
    note = ColumnContract(name="note", sensitivity=Sensitivity(personal="personal"))
    code = ColumnContract(name="tax_type")
    assert column_masker(cid)("420121197110240028") == "420121********0028"
    assert column_masker(name)("吕鸿林") == "吕**"
    assert column_masker(note)("free text") == "****"
    assert column_masker(code)("增值税") == "增值税"
