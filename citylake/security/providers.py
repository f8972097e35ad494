"""Key providers: who holds the master key. Local files by default; a KMS or HSM plugs in.

``KeyProvider`` is a Protocol of four calls — wrap, unwrap, rotate, retire (plus
``spec``, ``versions`` and ``current_version``) — and never hands a master key out.
``LocalKeyProvider`` keeps master versions as files under ``<home>/keys/master`` (a 0700
folder of 0600 files, checked on every read as ssh checks a private key), which suits
one machine and tests. A city implements the same Protocol over its KMS (Encrypt and
Decrypt with the key id as encryption context) or its cipher machine (GM/T 0018
密码机) and names the class in settings; ``docs/security.md`` shows one.

A ``ProviderSpec`` describes a provider without any secret, so another process — a
Spark worker — can rebuild it and unwrap there (``keys.DataKeyRef``).
"""

from __future__ import annotations

import base64
import fcntl
import importlib
import logging
import os
import re
import subprocess
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Protocol, runtime_checkable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from citylake.errors import CitylakeError, ConfigError
from citylake.security.crypto import IV_BYTES, KEY_BYTES, TAG_BYTES
from citylake.settings import SOURCE_ROOT

log = logging.getLogger(__name__)

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
            raise ConfigError(f"key provider {spec.kind!r} does not implement citylake.security.providers.KeyProvider")
    _PROVIDERS[spec] = provider
    return provider


_PROVIDERS: dict[ProviderSpec, KeyProvider] = {}


def forget_providers() -> None:
    _PROVIDERS.clear()


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
        with file_lock(self.path / ".master.lock"):
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


# --- locking, shared with the key ring ------------------------------------------------

_THREAD_LOCK = threading.RLock()


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """One writer at a time across threads and processes (tasks create keys concurrently)."""
    with _THREAD_LOCK:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
