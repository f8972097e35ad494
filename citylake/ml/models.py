"""The models citylake trains: what each is for, whom it scores, from which features.

A model's name is also its tag code in the tag catalog (``dbt_project/seeds/tag_catalog.csv``,
kind ``model``): people or enterprises scoring at or above the model's threshold get
that tag in ``gold.person_tags`` / ``gold.enterprise_tags``, with the model version.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from citylake.errors import CitylakeError
from citylake.ml import enterprise_features, person_features
from citylake.ml.automl import FeatureSet
from citylake.ml.labels import Labels, abnormal_labels, care_need_labels
from citylake.settings import Settings

Entity = Literal["person", "enterprise"]
#: The entity key of each kind, as in dim_person / dim_enterprise.
KEYS: dict[str, str] = {"person": "person_key", "enterprise": "credit_code"}


@dataclass(frozen=True)
class ModelSpec:
    name: str
    entity: Entity
    purpose: str
    population: str
    features: FeatureSet
    #: gold tables the features are read from (for the model card)
    tables: tuple[str, ...]
    #: (spark, settings) -> (features by key, keys the label join reads)
    load: Callable[[Any, Settings], tuple[pd.DataFrame, pd.DataFrame]]
    #: (settings, keys) -> labels by key
    labels: Callable[[Settings, pd.DataFrame], Labels]
    leakage_notes: tuple[str, ...]
    #: a held-out subgroup worth its own metrics: (name, boolean column of the feature frame, wanted value)
    subgroup: tuple[str, str, float] | None = None

    @property
    def key(self) -> str:
        return KEYS[self.entity]


MODELS: dict[str, ModelSpec] = {
    "elderly_care_need": ModelSpec(
        name="elderly_care_need",
        entity="person",
        purpose="Find elderly people who need care (home visits, a care assessment) before they ask for it: "
                "civil affairs' elderly services visit those tagged first.",
        population="dim_person: alive, aged 65 or more on the register's latest delivery day",
        features=person_features.FEATURES,
        tables=("dim_person", "person_relationship", "stg_resolution__person_xref", "stg_licences__licences",
                "stg_civil_affairs__subsistence_allowance", "stg_civil_affairs__elderly_care",
                "stg_public_security__persons"),
        load=person_features.person_features,
        labels=care_need_labels,
        leakage_notes=(
            "The label is the generator's hidden care need; no column of gold holds it.",
            "care_level and care_subsidy are civil affairs' assessment, a noisy observation made before scoring: "
            "a feature, not the label. Most elderly have none, so the card also reports the held-out metrics of "
            "those without an assessment.",
            "The rule tag elderly_living_alone is not read; living alone is recomputed from dim_person.",
        ),
        subgroup=("without a care assessment", "has_care_assessment", 0.0),
    ),
    "abnormal_operation_risk": ModelSpec(
        name="abnormal_operation_risk",
        entity="enterprise",
        purpose="Rank enterprises in business by the risk of abnormal operation (经营异常) so market supervision "
                "inspects the riskiest first.",
        population="dim_enterprise: in the register and in business (status 10, 20 or 30)",
        features=enterprise_features.FEATURES,
        tables=("dim_enterprise", "enterprise_profile", "stg_tax__filings", "stg_resolution__org_xref",
                "stg_market_supervision__enterprises", "stg_standards__code_tables"),
        load=enterprise_features.enterprise_features,
        labels=abnormal_labels,
        leakage_notes=(
            "The label is the generator's becomes_abnormal; the register's status is not a feature: it only selects "
            "the enterprises in business, the only ones the label is defined for.",
            "enterprise_profile.risk_tags is not read: after scoring it holds this model's own tag.",
            "The hidden distress drives tax filings (trend, skipped months, zero declarations, late filing); the model "
            "sees only the filings.",
        ),
    ),
}


def spec(name: str) -> ModelSpec:
    try:
        return MODELS[name]
    except KeyError:
        raise CitylakeError(f"no model named {name!r}: choose one of {', '.join(MODELS)}") from None


def selected(names: list[str] | None) -> list[ModelSpec]:
    return [spec(n) for n in names] if names else list(MODELS.values())
