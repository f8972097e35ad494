"""Model cards: what a model is for, what it read, how it was chosen and how good it is.

The JSON card is for programs (the benchmark, the tests, a catalog); the Markdown card is
the same content for the people who decide whether to act on the tags. Neither holds a
row of data: counts, metrics and column names only (the leak scan reads them).
"""

from __future__ import annotations

from typing import Any


def ratios(holdout: dict[str, float], baseline: dict[str, float]) -> dict[str, float]:
    """The model's held-out metrics as multiples of the baseline's (higher is better;
    for the Brier score, baseline over model)."""
    def div(a: float, b: float) -> float:
        return round(a / b, 3) if b else float("inf")

    return {"roc_auc": div(holdout["roc_auc"], baseline["roc_auc"]),
            "average_precision": div(holdout["average_precision"], baseline["average_precision"]),
            "brier_improvement": div(baseline["brier"], holdout["brier"]),
            "f1": div(holdout["f1"], baseline["f1"])}


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def render_markdown(card: dict[str, Any]) -> str:
    """The Markdown model card."""
    h, b = card["holdout"], card["baseline"]
    lines = [
        f"# Model card: {card['name']} ({card['version']})",
        "",
        card["purpose"],
        "",
        f"- **Scores**: {card['entity']} — {card['population']}",
        f"- **Tag**: `{card['name']}` in `gold.{card['entity']}_tags` when the score is at least "
        f"{card['threshold']:.3f} (best F1 on out-of-fold predictions of the training split)",
        f"- **Labels**: {card['label_source']}; {card['data']['labelled_rows']} labelled of "
        f"{card['data']['population_rows']} in the population, {card['data']['positives']} positive; "
        f"{card['data']['unmatched_truth']} labelled true entities are outside the population or on no gold row",
        f"- **Split**: {card['data']['train_rows']} for training ({card['cv']['folds']}-fold stratified CV), "
        f"{card['data']['holdout_rows']} held out ({card['data']['holdout_positives']} positive); seed {card['seed']}",
        f"- **Chosen**: {card['chosen']['estimator']} {card['chosen']['params']} by mean CV {card['cv']['selection_metric']}",
        f"- **Trained**: {card['trained_at']} with scikit-learn {card['libraries']['scikit-learn']}",
        "",
        "## Held-out metrics against the baseline",
        "",
        "The baseline (`DummyClassifier`, strategy `prior`) gives everyone the base rate.",
        "",
        "| metric | model | baseline | model / baseline |",
        "|---|---|---|---|",
    ]
    r = card["ratios"]
    lines += [
        f"| ROC AUC | {_fmt(h['roc_auc'])} | {_fmt(b['roc_auc'])} | {_fmt(r['roc_auc'])} |",
        f"| average precision | {_fmt(h['average_precision'])} | {_fmt(b['average_precision'])} | {_fmt(r['average_precision'])} |",
        f"| Brier score (lower is better) | {_fmt(h['brier'])} | {_fmt(b['brier'])} | {_fmt(r['brier_improvement'])} (baseline / model) |",
        f"| F1 at the threshold | {_fmt(h['f1'])} | {_fmt(b['f1'])} (tag everyone) | {_fmt(r['f1'])} |",
        f"| precision / recall at the threshold | {_fmt(h['precision'])} / {_fmt(h['recall'])} | | |",
    ]
    if card.get("subgroup"):
        s = card["subgroup"]
        auc = "n/a (one class only)" if s.get("roc_auc") is None else _fmt(s["roc_auc"])
        lines += ["", f"Held-out rows {s['name']}: {s['rows']} ({s['positives']} positive), ROC AUC {auc}."]
    lines += ["", "## Candidates (cross-validation on the training split)", "",
              "| estimator | parameters | ROC AUC (mean ± std) | average precision |", "|---|---|---|---|"]
    for row in card["cv"]["candidates"]:
        lines.append(f"| {row['estimator']} | {row['params']} | {row['roc_auc_mean']:.3f} ± {row['roc_auc_std']:.3f} "
                     f"| {row['average_precision_mean']:.3f} |")
    lines += ["", "## Features", "", f"Numeric: {', '.join(card['features']['numeric'])}.",
              f"Categorical (one-hot): {', '.join(card['features']['categorical']) or 'none'}.", "",
              f"Read from: {', '.join(card['features']['tables'])}.", "", "## Leakage and limits", ""]
    lines += [f"- {note}" for note in card["leakage_notes"]]
    lines.append("")
    return "\n".join(lines)
