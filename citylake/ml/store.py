"""Trained models on disk, each beside its model card.

Layout under ``<home>/models`` (or ``CITYLAKE_ML__MODELS_DIR``)::

    <model name>/<version>/model.joblib       the fitted scikit-learn pipeline
    <model name>/<version>/model_card.json    metrics, baseline, candidates, features, data
    <model name>/<version>/model_card.md      the same for people
    <model name>/current                      the version scoring uses (one line)

The version is a content hash of what made the model (features and labels of the training
rows, the settings of the search, the library versions): training again on the same gold
with the same seed gives the same version and writes nothing, while any change of data or
code that changes the inputs gives a new folder beside the old ones. A version folder is
written under a temporary name and renamed into place, so a crash leaves no half model.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib

from citylake.errors import CitylakeError
from citylake.settings import Settings

MODEL_FILE = "model.joblib"
CARD_JSON = "model_card.json"
CARD_MD = "model_card.md"
CURRENT = "current"


class ModelMissing(CitylakeError):
    """No trained model where scoring looks for one."""


@dataclass(frozen=True)
class StoredModel:
    name: str
    version: str
    path: Path
    card: dict[str, Any]

    def load(self) -> Any:
        return joblib.load(self.path / MODEL_FILE)


def models_dir(settings: Settings) -> Path:
    return Path(settings.ml.models_dir) if settings.ml.models_dir else settings.home / "models"


def content_version(parts: list[bytes]) -> str:
    """A short, stable hash of the inputs that made a model (12 hex digits: collisions among
    a model's few versions are not a concern)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()[:12]


def current(settings: Settings, name: str) -> StoredModel | None:
    """The version of ``name`` that scoring uses, or None before the first training."""
    root = models_dir(settings) / name
    pointer = root / CURRENT
    if not pointer.is_file():
        return None
    version = pointer.read_text(encoding="utf-8").strip()
    path = root / version
    if not (path / MODEL_FILE).is_file() or not (path / CARD_JSON).is_file():
        raise ModelMissing(f"model {name} points at version {version}, which is incomplete in {root}: "
                           f"train it again (`citylake ml train --model {name}`)")
    return StoredModel(name, version, path, json.loads((path / CARD_JSON).read_text(encoding="utf-8")))


def require_current(settings: Settings, name: str) -> StoredModel:
    found = current(settings, name)
    if found is None:
        raise ModelMissing(f"model {name} has not been trained: run `citylake ml train --model {name}`")
    return found


def existing(settings: Settings, name: str, version: str) -> StoredModel | None:
    path = models_dir(settings) / name / version
    if (path / MODEL_FILE).is_file() and (path / CARD_JSON).is_file():
        return StoredModel(name, version, path, json.loads((path / CARD_JSON).read_text(encoding="utf-8")))
    return None


def save(settings: Settings, name: str, version: str, pipeline: Any, card: dict[str, Any], card_md: str) -> StoredModel:
    """Write a version folder atomically (temporary name, then rename) and make it current."""
    root = models_dir(settings) / name
    final = root / version
    if not final.exists():
        tmp = root / f".{version}.tmp-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        joblib.dump(pipeline, tmp / MODEL_FILE, compress=3)
        (tmp / CARD_JSON).write_text(json.dumps(card, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
        (tmp / CARD_MD).write_text(card_md, encoding="utf-8")
        os.replace(tmp, final)
    set_current(settings, name, version)
    return StoredModel(name, version, final, card)


def set_current(settings: Settings, name: str, version: str) -> None:
    root = models_dir(settings) / name
    pointer = root / CURRENT
    if pointer.is_file() and pointer.read_text(encoding="utf-8").strip() == version:
        return
    tmp = root / f".{CURRENT}.tmp-{os.getpid()}"
    tmp.write_text(version + "\n", encoding="utf-8")
    os.replace(tmp, pointer)


def versions(settings: Settings, name: str) -> list[str]:
    root = models_dir(settings) / name
    return sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")) if root.is_dir() else []
