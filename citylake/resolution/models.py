"""The Splink models: settings, blocking and training for people and for organisations.

Backend-neutral: the same settings run on DuckDB and on Spark (``backends``). Each model
is trained on the data it links (no labels): λ from a near-deterministic rule, u from
random pairs, m by EM on two blocking passes so that every comparison is estimated in
one of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator, block_on


@dataclass(frozen=True)
class Model:
    """One entity kind's linkage: its Splink settings and how to train them."""

    kind: str                        # person | org
    settings: SettingsCreator
    deterministic: tuple[Any, ...]   # rules that admit (almost) no false positive, for λ
    recall: float                    # their assumed recall
    em_rules: tuple[Any, ...]        # one EM pass per rule
    anchor: str                      # the identifier a cluster's key is chosen from


def _name_comparison() -> cl.CustomComparison:
    """Chinese names: the same characters, else the same pinyin (homophones typed from
    pinyin), else a close pinyin (a look-alike character), else different."""
    return cl.CustomComparison(
        output_column_name="name",
        comparison_levels=[
            cll.NullLevel("name_py"),
            cll.ExactMatchLevel("name_tok").configure(tf_adjustment_column="name_tok"),
            cll.ExactMatchLevel("name_py").configure(tf_adjustment_column="name_py"),
            cll.JaroWinklerLevel("name_py", 0.88),
            cll.ElseLevel(),
        ],
        comparison_description="name: characters, pinyin, close pinyin",
    )


def person_model() -> Model:
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        probability_two_random_records_match=1e-4,
        blocking_rules_to_generate_predictions=[
            block_on("id_token"),
            block_on("name_py", "birth_date"),
            block_on("phone_token"),
            block_on("name_tok", "household_no"),
        ],
        comparisons=[
            cl.ExactMatch("id_token"),
            _name_comparison(),
            cl.ExactMatch("birth_date"),
            cl.ExactMatch("gender"),
            cl.ExactMatch("phone_token"),
            cl.ExactMatch("household_no"),
        ],
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,
    )
    return Model("person", settings, (block_on("id_token"),), 0.95,
                 (block_on("name_py", "birth_date"), block_on("id_token")), "id_token")


def org_model() -> Model:
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        probability_two_random_records_match=1e-3,
        blocking_rules_to_generate_predictions=[
            block_on("credit_code"),
            block_on("name_core"),
            block_on("phone_token"),
        ],
        comparisons=[
            cl.ExactMatch("credit_code"),
            cl.CustomComparison(
                output_column_name="name_core",
                comparison_levels=[
                    cll.NullLevel("name_core"),
                    cll.ExactMatchLevel("name_core").configure(tf_adjustment_column="name_core"),
                    cll.JaroWinklerLevel("name_core", 0.9),
                    cll.ElseLevel(),
                ],
                comparison_description="normal enterprise name",
            ),
            cl.JaroWinklerAtThresholds("address", [0.95]),
            cl.ExactMatch("division"),
            cl.ExactMatch("phone_token"),
        ],
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,
    )
    return Model("org", settings, (block_on("credit_code"),), 0.95,
                 (block_on("name_core"), block_on("credit_code")), "credit_code")
