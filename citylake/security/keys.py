"""Envelope keys: data keys wrapped by a master key that a key provider holds.

Why envelopes: a master key that encrypted every value could never be rotated without
rewriting every table. Here each table has its own SM4 *data key* (and each token
domain its own HMAC key); only the data keys are encrypted ("wrapped") by the master
key. Rotating the master re-wraps a few hundred bytes per table (``KeyRing.rewrap``) and
leaves the data as it is; a stolen key ring is useless without the master.

* The master key is a ``providers.KeyProvider``'s (local files by default, a KMS or an
  HSM in a city), and never leaves it.
* ``KeyRing`` is the list of wrapped data keys (``keyring.json`` in the key store, 0600,
  updated under a file lock by the several tasks that may create keys at once). Nothing
  in it is secret without the master.
* ``DataKeyRef`` names one data key: its id, its wrapped bytes and a secret-free
  description of the provider (``ProviderSpec``). It is what Spark ships to a worker,
  which unwraps it there, once per worker process (see ``column_protection``).

Key material is never logged, printed or put in an exception message; reprs show ids only.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from citylake.security.crypto import KEY_BYTES, TOKEN_KEY_BYTES, check_key_id
from citylake.security.providers import (
    KeyProvider,
    KeyStoreError,
    LocalKeyProvider,
    ProviderSpec,
    WrappedKey,
    file_lock,
    forget_providers,
    check_private,
    ensure_private_dir,
    provider_from_spec,
    write_private,
)
from citylake.settings import Settings

__all__ = ["DataKeyRef", "KeyProvider", "KeyRing", "KeyStoreError", "LocalKeyProvider", "ProviderSpec", "WrappedKey",
           "forget_unwrapped_keys", "key_provider", "keyring", "keystore_dir", "provider_from_spec", "rotate_master"]

log = logging.getLogger(__name__)

Purpose = Literal["encrypt", "token"]


# --- the key ring: wrapped data keys ------------------------------------------------------

@dataclass(frozen=True)
class DataKeyRef:
    """One data key as Spark ships it: id, wrapped bytes and the provider's spec (no secret)."""

    key_id: str
    scope: str
    purpose: Purpose
    wrapped: WrappedKey
    provider: ProviderSpec

    def key(self) -> bytes:
        """The plaintext key, unwrapped once per process and kept in memory only."""
        cache_key = (self.provider, self.key_id, self.wrapped)
        key = _UNWRAPPED.get(cache_key)
        if key is None:
            key = provider_from_spec(self.provider).unwrap(self.wrapped, self.key_id)
            _UNWRAPPED[cache_key] = key
        return key


_UNWRAPPED: dict[tuple[ProviderSpec, str, WrappedKey], bytes] = {}


def forget_unwrapped_keys() -> None:
    """Drop this process's unwrapped keys (after a retire, or in tests)."""
    _UNWRAPPED.clear()
    forget_providers()


def scope_key_id(scope: str, number: int) -> str:
    """``table:x__y`` → ``x__y.1``; ``token:citizen_id`` → ``token.citizen_id.1``."""
    kind, _, name = scope.partition(":")
    stem = name if kind == "table" else f"{kind}.{name}"
    return check_key_id(f"{stem}.{number}")


class KeyRing:
    """The wrapped data keys of one key store (``keyring.json``)."""

    def __init__(self, path: Path, provider: KeyProvider) -> None:
        self.path = Path(path)
        self.provider = provider

    def __repr__(self) -> str:
        return f"KeyRing({self.path})"

    @property
    def file(self) -> Path:
        return self.path / "keyring.json"

    def _load(self) -> dict[str, Any]:
        check_private(self.file)
        try:
            data = json.loads(self.file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"format": 1, "keys": {}}
        except ValueError:
            raise KeyStoreError(f"the key ring {self.file} is damaged (not JSON): restore it from its backup") from None
        return data

    def _save(self, data: dict[str, Any]) -> None:
        write_private(self.file, json.dumps(data, indent=1, sort_keys=True) + "\n")

    def _ref(self, key_id: str, entry: dict[str, Any]) -> DataKeyRef:
        wrapped = WrappedKey(int(entry["master_version"]), entry["wrapped"])
        return DataKeyRef(key_id, entry["scope"], entry["purpose"], wrapped, self.provider.spec())

    def refs(self, purpose: Purpose | None = None) -> list[DataKeyRef]:
        keys = self._load()["keys"]
        return [self._ref(k, e) for k, e in sorted(keys.items()) if purpose is None or e["purpose"] == purpose]

    def entries(self) -> list[dict[str, Any]]:
        """Every key's public facts (id, scope, purpose, master version, created), for listings."""
        keys = self._load()["keys"]
        return [{"key_id": k, **{f: e[f] for f in ("scope", "purpose", "master_version", "created_at")}}
                for k, e in sorted(keys.items())]

    def get(self, key_id: str) -> DataKeyRef:
        entry = self._load()["keys"].get(key_id)
        if entry is None:
            raise KeyStoreError(f"no data key {key_id!r} in the key ring {self.file}")
        return self._ref(key_id, entry)

    def _latest(self, keys: dict[str, Any], scope: str) -> str | None:
        mine = [(int(k.rsplit(".", 1)[1]), k) for k, e in keys.items() if e["scope"] == scope]
        return max(mine)[1] if mine else None

    def current(self, scope: str, purpose: Purpose) -> DataKeyRef:
        """The newest data key of a scope, made (and wrapped) on first use."""
        keys = self._load()["keys"]
        found = self._latest(keys, scope)
        if found is not None:
            return self._ref(found, keys[found])
        return self._add(scope, purpose)

    def _add(self, scope: str, purpose: Purpose, new_version: bool = False) -> DataKeyRef:
        ensure_private_dir(self.path)
        with file_lock(self.path / ".keyring.lock"):
            data = self._load()
            found = self._latest(data["keys"], scope)
            if found and not new_version:  # another task made it while this one waited
                return self._ref(found, data["keys"][found])
            number = int(found.rsplit(".", 1)[1]) + 1 if found else 1
            key_id = scope_key_id(scope, number)
            plain = os.urandom(KEY_BYTES if purpose == "encrypt" else TOKEN_KEY_BYTES)
            wrapped = self.provider.wrap(plain, key_id)
            del plain
            data["keys"][key_id] = {
                "scope": scope, "purpose": purpose, "master_version": wrapped.master_version,
                "wrapped": wrapped.blob, "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            }
            self._save(data)
        log.info("data key %s created for %s", key_id, scope)
        return self._ref(key_id, data["keys"][key_id])

    def rotate_data_key(self, scope: str) -> DataKeyRef:
        """A new data key for an encryption scope: new writes use it, old values keep theirs
        (their envelopes name it). Token keys do not rotate this way: a new token key would
        break every join on the old tokens."""
        if not scope.startswith("table:"):
            raise KeyStoreError(f"{scope} is a token domain: its key cannot rotate without re-tokenizing every table")
        with file_lock(self.path / ".keyring.lock"):
            if self._latest(self._load()["keys"], scope) is None:
                raise KeyStoreError(f"no data key for {scope} yet: it is made when the table is first written")
        return self._add(scope, "encrypt", new_version=True)

    def rewrap(self) -> int:
        """Re-wrap every data key under the provider's current master version; returns how many
        changed. The data keys themselves (and so all data) stay the same."""
        ensure_private_dir(self.path)
        changed = 0
        with file_lock(self.path / ".keyring.lock"):
            data = self._load()
            target = self.provider.current_version()
            for key_id, entry in data["keys"].items():
                if int(entry["master_version"]) == target:
                    continue
                plain = self.provider.unwrap(WrappedKey(int(entry["master_version"]), entry["wrapped"]), key_id)
                wrapped = self.provider.wrap(plain, key_id)
                del plain
                entry["master_version"], entry["wrapped"] = wrapped.master_version, wrapped.blob
                changed += 1
            self._save(data)
        return changed

    def master_versions_in_use(self) -> set[int]:
        return {int(e["master_version"]) for e in self._load()["keys"].values()}


# --- where the keys of an installation are ------------------------------------------------

def keystore_dir(settings: Settings) -> Path:
    """``<home>/keys`` unless ``security.keystore_dir`` names another place."""
    configured = settings.security.keystore_dir
    return Path(configured) if configured else settings.home / "keys"


def key_provider(settings: Settings) -> KeyProvider:
    """The installation's provider: local files by default, or the class a
    ``security.key_provider`` setting names (``package.module:Class``)."""
    kind = settings.security.key_provider
    if kind == "local":
        return provider_from_spec(ProviderSpec("local", (("path", str(keystore_dir(settings))),)))
    params = tuple(sorted(settings.security.key_provider_params.items()))
    return provider_from_spec(ProviderSpec(kind, params))


def keyring(settings: Settings) -> KeyRing:
    return KeyRing(keystore_dir(settings), key_provider(settings))


def rotate_master(settings: Settings, retire_old: bool = False) -> dict[str, Any]:
    """New master version, every data key re-wrapped under it, and (optionally) the older
    versions destroyed once nothing needs them. Data is not touched."""
    ring = keyring(settings)
    before = ring.provider.versions()
    version = ring.provider.rotate()
    rewrapped = ring.rewrap()
    retired: list[int] = []
    if retire_old:
        in_use = ring.master_versions_in_use()
        for old in before:
            if old not in in_use:
                ring.provider.retire(old)
                retired.append(old)
        forget_unwrapped_keys()
    return {"master_version": version, "rewrapped": rewrapped, "retired": retired}
