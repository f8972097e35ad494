"""``citylake ml …``: train the models on gold, score gold, show the model cards."""

from __future__ import annotations

import json
from typing import Optional

import typer

from citylake.console import OutputFormat, console, print_rows

ml_app = typer.Typer(help="Scores on gold (scikit-learn): train, score, model cards.", no_args_is_help=True)

MODEL_OPTION = typer.Option(None, "--model", "-m", help="A model name (repeatable); default: every model.")


def _progress():  # type: ignore[no-untyped-def]
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    return Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console,
                    transient=True)


@ml_app.command("train")
def train_command(model: Optional[list[str]] = MODEL_OPTION,
                  fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table, json or csv.")) -> None:
    """Train each model on gold and its labels (cross-validated choice among a few estimators).

    Writes a model version with its card under <home>/models, unless these inputs made one already.
    """
    from citylake.ml.jobs import train_models

    with _progress() as progress:
        task = progress.add_task("training", total=None)
        outcomes = train_models(names=model or None, progress=lambda step: progress.update(task, description=step))
    rows = [o.summary() for o in outcomes]
    columns = ["model", "version", "trained", "estimator", "holdout_roc_auc", "baseline_roc_auc",
               "holdout_average_precision", "baseline_average_precision", "path"]
    print_rows(columns, [[r[c] for c in columns] for r in rows], fmt, title="Models (held-out metrics vs baseline)")


@ml_app.command("score")
def score_command(model: Optional[list[str]] = MODEL_OPTION,
                  tags: bool = typer.Option(True, help="Rebuild the tag marts (dbt) when a score changed."),
                  fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table, json or csv.")) -> None:
    """Score gold with each model's current version into gold.*_model_scores.

    Unchanged scores write nothing; changed ones rebuild person_tags / enterprise_tags.
    """
    from citylake.gold import run_dbt
    from citylake.ml.jobs import TAG_MODELS, score_models

    with _progress() as progress:
        task = progress.add_task("scoring", total=None)
        reports = score_models(names=model or None, progress=lambda step: progress.update(task, description=step))
        if tags and any(r.written for r in reports):
            progress.update(task, description="rebuilding the tag marts (dbt)")
            run_dbt(["build", "--select", TAG_MODELS])
    columns = ["model", "version", "table", "rows", "tagged", "written"]
    print_rows(columns, [[r.summary()[c] for c in columns] for r in reports], fmt, title="Scores")


@ml_app.command("card")
def card_command(model: str = typer.Argument(..., help="Model name."),
                 json_out: bool = typer.Option(False, "--json", help="The JSON card instead of the Markdown one.")) -> None:
    """Print the model card of a model's current version."""
    from citylake.ml.models import spec
    from citylake.ml.store import CARD_MD, require_current
    from citylake.settings import get_settings

    stored = require_current(get_settings(), spec(model).name)
    if json_out:
        console.print_json(json.dumps(stored.card, ensure_ascii=False))
    else:
        typer.echo((stored.path / CARD_MD).read_text(encoding="utf-8"))
