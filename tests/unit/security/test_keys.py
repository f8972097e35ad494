"""Envelope keys: owner-only key store, one data key per scope, master rotation keeps data readable."""

from __future__ import annotations

import base64
import os
import pickle
import stat
import threading
from pathlib import Path

import pytest

from citylake.errors import ConfigError
from citylake.security import crypto
from citylake.security.keys import (
    KeyProvider, KeyRing, KeyStoreError, LocalKeyProvider, forget_unwrapped_keys, provider_from_spec,
)
from citylake.settings import SOURCE_ROOT


@pytest.fixture
def ring(tmp_path: Path) -> KeyRing:
    forget_unwrapped_keys()
    store = tmp_path / "keys"
    return KeyRing(store, LocalKeyProvider(store))


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _secrets(ring: KeyRing) -> list[bytes]:
    masters = [base64.b64decode(p.read_text().strip()) for p in ring.provider.master_dir.glob("v*.key")]
    return masters + [r.key() for r in ring.refs()]


def test_key_store_is_owner_only(ring: KeyRing):
    ring.current("table:public_security__persons", "encrypt")
    assert _mode(ring.path) == 0o700 and _mode(ring.provider.master_dir) == 0o700
    assert _mode(ring.file) == 0o600
    assert all(_mode(p) == 0o600 for p in ring.provider.master_dir.iterdir())


def test_a_key_store_others_can_read_is_refused(ring: KeyRing):
    ring.current("table:a__b", "encrypt")
    master = next(ring.provider.master_dir.iterdir())
    os.chmod(master, 0o644)
    forget_unwrapped_keys()
    with pytest.raises(ConfigError, match="readable by other users.*chmod 600"):
        ring.refs()[0].key()


def test_the_provider_is_a_protocol_a_kms_can_implement(ring: KeyRing):
    assert isinstance(ring.provider, KeyProvider)
    assert provider_from_spec(ring.provider.spec()).path == ring.provider.path


def test_one_data_key_per_scope_even_when_tasks_race(ring: KeyRing):
    refs = []
    threads = [threading.Thread(target=lambda: refs.append(ring.current("token:citizen_id", "token")))
               for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {r.key_id for r in refs} == {"token.citizen_id.1"}
    assert len(refs[0].key()) == crypto.TOKEN_KEY_BYTES
    assert ring.current("table:x__y", "encrypt").key_id == "x__y.1"
    assert len(ring.current("table:x__y", "encrypt").key()) == crypto.KEY_BYTES


def test_what_travels_to_spark_holds_no_key(ring: KeyRing):
    """A DataKeyRef is what a UDF's closure carries: the wrapped key, never the key."""
    ref = ring.current("table:public_security__persons", "encrypt")
    shipped = pickle.dumps(ref)
    key = ref.key()
    for form in (key, key.hex().encode(), base64.b64encode(key)):
        assert form not in shipped
    assert pickle.loads(shipped).key() == key
    assert key.hex() not in repr(ref)


def test_key_ring_file_holds_only_wrapped_keys(ring: KeyRing):
    ring.current("table:a__b", "encrypt")
    ring.current("token:phone", "token")
    text = ring.file.read_text()
    for secret in _secrets(ring):
        assert secret.hex() not in text and base64.b64encode(secret).decode() not in text


def test_master_rotation_rewraps_and_keeps_every_value_readable(ring: KeyRing):
    ref = ring.current("table:public_security__persons", "encrypt")
    token_ref = ring.current("token:citizen_id", "token")
    data_key, token_key = ref.key(), token_ref.key()
    values = [crypto.encrypt_value(f"42010219900101{i:04d}", data_key, ref.key_id) for i in range(20)]
    assert ring.provider.rotate() == 2
    assert ring.rewrap() == 2
    assert ring.master_versions_in_use() == {2}
    ring.provider.retire(1)
    forget_unwrapped_keys()
    assert not (ring.provider.master_dir / "v0001.key").exists()
    after = {r.key_id: r for r in ring.refs()}
    assert after[ref.key_id].wrapped.master_version == 2 and after[ref.key_id].wrapped != ref.wrapped
    assert after[ref.key_id].key() == data_key and after[token_ref.key_id].key() == token_key
    assert [crypto.decrypt_value(v, lambda _: after[ref.key_id].key()) for v in values] == \
        [f"42010219900101{i:04d}" for i in range(20)]
    with pytest.raises(KeyStoreError, match="version 1 is not in"):
        ref.key()  # the old wrapping needs the retired master


def test_the_current_master_cannot_be_retired(ring: KeyRing):
    ring.current("table:a__b", "encrypt")
    with pytest.raises(KeyStoreError, match="rotate first"):
        ring.provider.retire(ring.provider.current_version())


def test_data_key_rotation_keeps_old_values_and_token_keys_do_not_rotate(ring: KeyRing):
    old = ring.current("table:a__b", "encrypt")
    value = crypto.encrypt_value("x", old.key(), old.key_id)
    new = ring.rotate_data_key("table:a__b")
    assert new.key_id == "a__b.2" and ring.current("table:a__b", "encrypt").key_id == "a__b.2"
    keys = {r.key_id: r.key() for r in ring.refs()}
    assert crypto.decrypt_value(value, crypto.keys_lookup(keys)) == "x"
    ring.current("token:citizen_id", "token")
    with pytest.raises(KeyStoreError, match="token domain"):
        ring.rotate_data_key("token:citizen_id")


def test_a_damaged_key_ring_or_wrapped_key_is_a_clear_error(ring: KeyRing):
    ref = ring.current("table:a__b", "encrypt")
    text = ring.file.read_text().replace(ref.wrapped.blob, base64.b64encode(os.urandom(44)).decode())
    ring.file.write_text(text)
    forget_unwrapped_keys()
    with pytest.raises(KeyStoreError, match="does not open"):
        ring.get(ref.key_id).key()
    ring.file.write_text("{not json")
    with pytest.raises(KeyStoreError, match="damaged"):
        ring.refs()


def test_keys_are_never_made_inside_the_repository():
    inside = SOURCE_ROOT / "keys-must-not-be-here"
    with pytest.raises(ConfigError, match="inside the repository"):
        LocalKeyProvider(inside).rotate()
    assert not inside.exists()
