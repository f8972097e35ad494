"""Training labels: what later happened to a person or an enterprise, keyed like gold.

In a city the labels come from the departments after the fact (the abnormal-operation
list of market supervision, the care assessments of civil affairs). On a generated city
they come from the generator's ground truth (``ground_truth/`` beside ``landing/``), the
only place the truth is known. Labels are read for training and evaluation and never
written to any table: gold holds scores, not the truth.

The join from a true entity to its gold row is the one a department would make:

* people by the citizen ID, turned into its SM3-HMAC token with the lake's key ring and
  matched to ``dim_person.citizen_id_token`` (the token most of the person's records
  carry); no plaintext ID leaves this function;
* enterprises by their unified social credit code, the key of ``dim_enterprise``.

A true entity whose token or code is on no gold row, or on two, gets no label (it is
reported, never guessed).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from citylake.errors import CitylakeError
from citylake.settings import Settings


class LabelsMissing(CitylakeError):
    """No label source for training."""


@dataclass(frozen=True)
class Labels:
    """Labels by gold key, and how many true entities could not be placed on a gold row."""

    frame: pd.DataFrame        # columns: key, label (bool)
    source: str                # where they came from, for the model card
    unmatched: int


def ground_truth_dir(settings: Settings) -> Path:
    """The label folder: the setting, else the generator's ``ground_truth/`` beside landing."""
    configured = settings.ml.labels_dir
    return Path(configured) if configured else Path(settings.landing).parent / "ground_truth"


def require_labels_dir(settings: Settings) -> Path:
    path = ground_truth_dir(settings)
    if not path.is_dir():
        raise LabelsMissing(f"no labels at {path}: training needs a label folder (the generator's ground_truth/); "
                            "set CITYLAKE_ML__LABELS_DIR to it")
    return path


def _read(path: Path, columns: list[str]) -> pd.DataFrame:
    if not path.is_file():
        raise LabelsMissing(f"{path.name} is missing from the label folder {path.parent}")
    frame = pd.read_parquet(path)
    lacking = [c for c in columns if c not in frame.columns]
    if lacking:
        raise LabelsMissing(f"{path.name} lacks the columns {lacking}")
    return frame[columns]


def _unique_match(truth: pd.DataFrame, gold_keys: pd.DataFrame, on: str, key: str) -> tuple[pd.DataFrame, int]:
    """Labels of the true entities that land on exactly one gold row (and alone on it)."""
    gold = gold_keys.dropna(subset=[on])
    gold = gold[~gold[on].duplicated(keep=False)]
    merged = truth.merge(gold[[on, key]], on=on, how="left")
    placed = merged.dropna(subset=[key])
    placed = placed[~placed[key].duplicated(keep=False)]
    return placed[[key, "label"]].rename(columns={key: "key"}).reset_index(drop=True), len(truth) - len(placed)


def care_need_labels(settings: Settings, gold_people: pd.DataFrame) -> Labels:
    """``care_need`` of the true people aged 65 or more, by ``person_key``.

    ``gold_people`` holds ``person_key`` and ``citizen_id_token`` of dim_person.
    """
    from citylake.security.crypto import Tokenizer
    from citylake.security.keys import keyring

    folder = require_labels_dir(settings)
    people = _read(folder / "people.parquet", ["citizen_id", "care_need"]).dropna(subset=["care_need"])
    tokenize = Tokenizer(keyring(settings).current("token:citizen_id", "token").key())
    truth = pd.DataFrame({"citizen_id_token": [tokenize(c) for c in people["citizen_id"]],
                          "label": people["care_need"].astype(bool).to_numpy()})
    frame, unmatched = _unique_match(truth, gold_people, "citizen_id_token", "person_key")
    return Labels(frame, "ground_truth/people.parquet: care_need (hidden care score > 2, people aged 65+)", unmatched)


def abnormal_labels(settings: Settings, gold_enterprises: pd.DataFrame) -> Labels:
    """``becomes_abnormal`` of the true enterprises, by credit code (``gold_enterprises``: credit_code)."""
    folder = require_labels_dir(settings)
    enterprises = _read(folder / "enterprises.parquet", ["credit_code", "becomes_abnormal"])
    truth = enterprises.rename(columns={"becomes_abnormal": "label"})
    truth["label"] = truth["label"].astype(bool)
    keys = gold_enterprises[["credit_code"]].assign(key_=gold_enterprises["credit_code"])
    frame, unmatched = _unique_match(truth, keys, "credit_code", "key_")
    return Labels(frame, "ground_truth/enterprises.parquet: becomes_abnormal (enterprises in business)", unmatched)
