"""Envelope keys: data keys wrapped by a master key that a key provider holds.

Why envelopes: a master key that encrypted every value could never be rotated without
rewriting every table. Here each table has its own SM4 *data key* (and each token
domain its own HMAC key); only the data keys are encrypted ("wrapped") by the master
key. Rotating the master re-wraps a few hundred bytes per table (``KeyRing.rewrap``) and
leaves the data as it is; a stolen key ring is useless without the master.

* ``KeyProvider`` is the pluggable part (a Protocol): it wraps and unwraps under a master
  key that it never hands out. ``LocalKeyProvider`` keeps master versions as files under
  ``<home>/keys/master`` (0700 folder, 0600 files, checked on every read like ssh does);
  a KMS or an HSM (GM/T 0018 密码机) provider implements the same four calls and keeps
  its master inside the device.
* ``KeyRing`` is the list of wrapped data keys (``keyring.json`` beside the master
  folder, 0600, updated under a file lock by the several tasks that may create keys at
  once). Nothing in it is secret without the master.
* ``DataKeyRef`` names one data key: its id, its wrapped bytes and a secret-free
  description of the provider (``ProviderSpec``). It is what Spark ships to a worker,
  which unwraps it there, once per worker process (see ``column_protection``).

Key material is never logged, printed or put in an exception message; reprs show ids only.
"""

from __future__ import annotations

import base64
import datetime as dt
import fcntl
import importlib
import json
import logging
import os
import re
import subprocess
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Literal, Protocol, runtime_checkable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from citylake.errors import CitylakeError, ConfigError
from citylake.security.crypto import IV_BYTES, KEY_BYTES, TAG_BYTES, TOKEN_KEY_BYTES, check_key_id
from citylake.settings import SOURCE_ROOT, Settings

log = logging.getLogger(__name__)

Purpose = Literal["encrypt", "token"]
_VERSION_FILE = re.compile(r"^v(\d{4,})\.key$")


class KeyStoreError(CitylakeError):
    """A key is missing, unreadable or does not open (wrong master, damaged key ring)."""


# --- the provider interface -----------------------------------------------------------

@dataclass(frozen=True)
class WrappedKey:
    """A data key encrypted under one master version (base64 of iv|ciphertext|tag)."""

    master_version: int
    blob: str = field(repr=False)


@dataclass(frozen=True)
class ProviderSpec:
    """Enough to rebuild a provider in another process, and nothing secret: ``kind`` is
    ``local`` or ``package.module:Class``; ``params`` its constructor arguments (a KMS key
    name and region, never a credential: the worker uses its own)."""

    kind: str
    params: tuple[tuple[str, str], ...] = ()

    def as_dict(self) -> dict[str, str]:
        return dict(self.params)


@runtime_checkable
class KeyProvider(Protocol):
    """Holds master keys and never hands them out: wraps and unwraps data keys.

    A KMS provider maps ``wrap``/``unwrap`` to the service's Encrypt/Decrypt (or
    GenerateDataKey) calls with ``key_id`` as the encryption context, ``rotate`` to
    creating a new key version, and ``retire`` to scheduling the old one's deletion.
    """

    def spec(self) -> ProviderSpec: ...

    def current_version(self) -> int: ...

    def versions(self) -> list[int]: ...

    def wrap(self, data_key: bytes, key_id: str) -> WrappedKey: ...

    def unwrap(self, wrapped: WrappedKey, key_id: str) -> bytes: ...

    def rotate(self) -> int: ...

    def retire(self, version: int) -> None: ...


def provider_from_spec(spec: ProviderSpec) -> KeyProvider:
    """The provider a spec describes; cached per process so a worker opens it once."""
    cached = _PROVIDERS.get(spec)
    if cached is not None:
        return cached
    if spec.kind == "local":
        provider: KeyProvider = LocalKeyProvider(Path(spec.as_dict()["path"]))
    else:
        module_name, _, class_name = spec.kind.partition(":")
        try:
            cls = getattr(importlib.import_module(module_name), class_name)
        except (ImportError, AttributeError, ValueError):
            raise ConfigError(f"key provider {spec.kind!r} cannot be imported: name a class as package.module:Class") from None
        provider = cls(**spec.as_dict())
        if not isinstance(provider, KeyProvider):
            raise ConfigError(f"key provider {spec.kind!r} does not implement citylake.security.keys.KeyProvider")
    _PROVIDERS[spec] = provider
    return provider


_PROVIDERS: dict[ProviderSpec, KeyProvider] = {}


# --- the local provider: master versions as owner-only files -----------------------------

def _sm4_gcm_seal(key: bytes, plain: bytes, aad: bytes) -> str:
    iv = os.urandom(IV_BYTES)
    enc = Cipher(algorithms.SM4(key), modes.GCM(iv)).encryptor()
    enc.authenticate_additional_data(aad)
    body = enc.update(plain) + enc.finalize()
    return base64.b64encode(iv + body + enc.tag).decode("ascii")


def _sm4_gcm_open(key: bytes, blob: str, aad: bytes) -> bytes:
    raw = base64.b64decode(blob)
    iv, body, tag = raw[:IV_BYTES], raw[IV_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
    dec = Cipher(algorithms.SM4(key), modes.GCM(iv, tag)).decryptor()
    dec.authenticate_additional_data(aad)
    return dec.update(body) + dec.finalize()


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` as an owner-only folder (0700 whatever the umask)."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
    return path


def check_private(path: Path) -> None:
    """Refuse a key file or folder that others can read, as ssh refuses a private key."""
    try:
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        return
    if mode & 0o077:
        want = "700" if path.is_dir() else "600"
        raise ConfigError(f"{path} is readable by other users (mode {mode:o}): run `chmod {want} {path}`, "
                          "then consider the keys in it exposed and rotate them (`citylake keys rotate`).")


def write_private(path: Path, text: str) -> None:
    """Write a 0600 file atomically (temp file, then rename), so a crash leaves the old one."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def _refuse_tracked_location(path: Path) -> None:
    """Keys inside the checkout are allowed only where git ignores them (``.citylake/``)."""
    try:
        path.resolve().relative_to(SOURCE_ROOT.resolve())
    except ValueError:
        return
    if not (SOURCE_ROOT / ".git").exists():
        return
    ignored = subprocess.run(["git", "-C", str(SOURCE_ROOT), "check-ignore", "-q", str(path)],
                             capture_output=True, check=False).returncode == 0
    if not ignored:
        raise ConfigError(f"the key store {path} is inside the repository and not ignored by git: "
                          "put it outside the checkout (CITYLAKE_HOME) so keys can never be committed.")


class LocalKeyProvider:
    """Master keys as files on this machine: ``<path>/master/v0001.key`` … (base64, 0600).

    Good for one machine and for tests; a city runs a KMS or an HSM instead, because a
    file can be copied by anyone who gets this account."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.master_dir = self.path / "master"

    def __repr__(self) -> str:
        return f"LocalKeyProvider({self.path})"

    def spec(self) -> ProviderSpec:
        return ProviderSpec("local", (("path", str(self.path)),))

    def _version_file(self, version: int) -> Path:
        return self.master_dir / f"v{version:04d}.key"

    def versions(self) -> list[int]:
        if not self.master_dir.is_dir():
            return []
        check_private(self.path)
        check_private(self.master_dir)
        found = (_VERSION_FILE.match(p.name) for p in self.master_dir.iterdir())
        return sorted(int(m.group(1)) for m in found if m)

    def current_version(self) -> int:
        versions = self.versions()
        if versions:
            return versions[-1]
        return self.rotate()

    def _master(self, version: int) -> bytes:
        path = self._version_file(version)
        check_private(path)
        try:
            key = base64.b64decode(path.read_text(encoding="ascii").strip(), validate=True)
        except FileNotFoundError:
            raise KeyStoreError(f"master key version {version} is not in {self.master_dir} (retired or never made): "
                            "the data keys wrapped by it cannot be opened") from None
        except ValueError:
            raise KeyStoreError(f"master key file {path} is damaged (not base64)") from None
        if len(key) != KEY_BYTES:
            raise KeyStoreError(f"master key file {path} is damaged (not a {KEY_BYTES}-byte SM4 key)")
        return key

    @staticmethod
    def _aad(key_id: str, version: int) -> bytes:
        return f"citylake-data-key:{key_id}:master-v{version}".encode()

    def wrap(self, data_key: bytes, key_id: str) -> WrappedKey:
        version = self.current_version()
        return WrappedKey(version, _sm4_gcm_seal(self._master(version), data_key, self._aad(key_id, version)))

    def unwrap(self, wrapped: WrappedKey, key_id: str) -> bytes:
        try:
            return _sm4_gcm_open(self._master(wrapped.master_version), wrapped.blob,
                                 self._aad(key_id, wrapped.master_version))
        except (InvalidTag, ValueError):
            raise KeyStoreError(f"data key {key_id} does not open under master version {wrapped.master_version}: "
                            "the key ring or the master key file was altered") from None

    def rotate(self) -> int:
        """A new master version (the current one from now on); older versions stay until retired."""
        _refuse_tracked_location(self.path)
        ensure_private_dir(self.path)
        ensure_private_dir(self.master_dir)
        with _file_lock(self.path / ".master.lock"):
            versions = self.versions()
            version = (versions[-1] + 1) if versions else 1
            write_private(self._version_file(version), base64.b64encode(os.urandom(KEY_BYTES)).decode("ascii") + "\n")
        log.info("master key version %d created in %s", version, self.master_dir)
        return version

    def retire(self, version: int) -> None:
        if version == self.current_version():
            raise KeyStoreError(f"master version {version} is the current one: rotate first, then retire it")
        path = self._version_file(version)
        if path.exists():
            path.unlink()
            log.info("master key version %d retired", version)


# --- the key ring: wrapped data keys ------------------------------------------------------

_THREAD_LOCK = threading.RLock()


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """One writer at a time across threads and processes (tasks create keys concurrently)."""
    with _THREAD_LOCK:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


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
    _PROVIDERS.clear()


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
        with _file_lock(self.path / ".keyring.lock"):
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
        with _file_lock(self.path / ".keyring.lock"):
            if self._latest(self._load()["keys"], scope) is None:
                raise KeyStoreError(f"no data key for {scope} yet: it is made when the table is first written")
        return self._add(scope, "encrypt", new_version=True)

    def rewrap(self) -> int:
        """Re-wrap every data key under the provider's current master version; returns how many
        changed. The data keys themselves (and so all data) stay the same."""
        ensure_private_dir(self.path)
        changed = 0
        with _file_lock(self.path / ".keyring.lock"):
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
    """``<home>/keys`` unless settings name another place (a ``security.keystore_dir``)."""
    security = getattr(settings, "security", None)
    configured = getattr(security, "keystore_dir", None)
    return Path(configured) if configured else settings.home / "keys"


def key_provider(settings: Settings) -> KeyProvider:
    """The installation's provider: local files by default, or the class a
    ``security.key_provider`` setting names (``package.module:Class``)."""
    security = getattr(settings, "security", None)
    kind = getattr(security, "key_provider", None) or "local"
    if kind == "local":
        return provider_from_spec(ProviderSpec("local", (("path", str(keystore_dir(settings))),)))
    params = tuple(sorted((getattr(security, "key_provider_params", None) or {}).items()))
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
