"""Entity resolution scored against the synthetic city's ground truth.

For tests and benchmarks only (the pipeline never reads ground truth). A cross-reference
row (table, role, record_key) is matched to the generator's ``*_records.parquet`` through
the silver row's lineage (``_source_file``, ``_line``), which the generator's file and
row index give independently of any key normalization.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import comb
from pathlib import Path
from typing import Any

import pandas as pd
from pyspark.sql import functions as F

from citylake.contracts import load_contracts, table_name
from citylake.resolution.mentions import org_specs, person_specs, record_key_col
from citylake.settings import Settings

#: Ground truth's role names → the roles mentions derive from column prefixes.
ROLE_OF = {"deceased": "subject", "applicant": "subject", "employee": "subject", "insured": "subject",
           "legal_representative": "legal_rep", "operator": "subject", "taxpayer": "subject"}


@dataclass
class Score:
    kind: str
    records: int
    precision: float
    recall: float
    f1: float
    true_entities: int
    clusters: int
    split_entities: int     # true entities spread over more than one cluster
    merged_clusters: int    # clusters holding more than one true entity

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def _line_of(fmt: str, row_index: int) -> int:
    return {"csv": row_index + 2, "jsonl": row_index + 1}.get(fmt, row_index)


def truth(spark: Any, settings: Settings, ground_truth: Path, kind: str) -> pd.DataFrame:
    """(source_table, role, record_key, true_id) of every current silver record the
    generator knows; true_id is null for orphan references."""
    contracts = load_contracts(settings.contracts_dir)
    gt = pd.read_parquet(ground_truth / ("person_records.parquet" if kind == "person" else "enterprise_records.parquet"))
    id_col = "person_id" if kind == "person" else "enterprise_id"
    specs = {s.table: s for s in (person_specs(contracts) if kind == "person" else org_specs(contracts))}
    frames = []
    for (source, entity_name), rows in gt.groupby(["source", "entity"]):
        table = table_name(source, entity_name)
        if table not in specs or not spark.catalog.tableExists(f"silver.{table}"):
            continue
        entity = contracts[source].entity(entity_name)
        rows = rows.copy()
        if entity.format == "jdbc":
            rows["_source_file"] = [f"{source}/{entity.jdbc.table}?{entity.jdbc.day_column}={d}" for d in rows["day"]]  # type: ignore[union-attr]
            rows["_line"] = rows["row_index"].astype("int64")
        else:
            rows["_source_file"] = rows["file"].str.removeprefix("landing/")
            rows["_line"] = [_line_of(entity.format, int(i)) for i in rows["row_index"]]
        df = spark.table(f"silver.{table}")
        if specs[table].current_only:
            df = df.where("is_current")
        lineage = df.select(record_key_col(specs[table].key_exprs).alias("record_key"), "_source_file",
                            F.col("_line").cast("long").alias("_line")).toPandas()
        merged = rows.drop(columns=["record_key"]).merge(lineage, on=["_source_file", "_line"])
        merged["source_table"] = table
        merged["role"] = merged["role"].map(lambda r: ROLE_OF.get(r, r))
        frames.append(merged[["source_table", "role", "record_key", id_col]].rename(columns={id_col: "true_id"}))
    out = pd.concat(frames, ignore_index=True).drop_duplicates(["source_table", "role", "record_key"])
    return out


def score(xref: pd.DataFrame, truth_df: pd.DataFrame, kind: str) -> Score:
    """Pairwise precision/recall/F1 of the clusters over records with a known true entity."""
    key = "person_key" if kind == "person" else "org_key"
    df = xref.merge(truth_df, on=["source_table", "role", "record_key"]).dropna(subset=["true_id"])
    pairs_both = sum(comb(int(n), 2) for n in df.groupby([key, "true_id"]).size())
    pairs_pred = sum(comb(int(n), 2) for n in df.groupby(key).size())
    pairs_true = sum(comb(int(n), 2) for n in df.groupby("true_id").size())
    precision = pairs_both / pairs_pred if pairs_pred else 1.0
    recall = pairs_both / pairs_true if pairs_true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Score(kind, len(df), round(precision, 5), round(recall, 5), round(f1, 5),
                 int(df["true_id"].nunique()), int(df[key].nunique()),
                 int((df.groupby("true_id")[key].nunique() > 1).sum()),
                 int((df.groupby(key)["true_id"].nunique() > 1).sum()))
