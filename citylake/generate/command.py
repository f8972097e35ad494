"""``citylake generate``: the synthetic city as a command (registered in citylake/cli.py)."""

from __future__ import annotations

from pathlib import Path

import typer

from citylake.console import console
from citylake.errors import CitylakeError


def generate(
    people: int = typer.Option(None, "--people", help="Registered residents on day 0 (default 10000)."),
    seed: int = typer.Option(None, "--seed", help="Same seed and options give byte-identical files (default 0)."),
    out: Path = typer.Option(..., "--out", help="Folder for landing/ and ground_truth/; both are replaced if present."),
    days: int = typer.Option(None, "--days", help="Change days after day 0 (default 3)."),
    defect_rate: float = typer.Option(None, "--defect-rate", help="Set every row defect rate to this share (0 for clean data)."),
    variation_scale: float = typer.Option(None, "--variation-scale", help="Multiply every variation rate (0: canonical formats only)."),
    db_url: str = typer.Option(None, "--db-url", help="SQLAlchemy URL for civil affairs (e.g. postgresql+psycopg://…); default a SQLite file."),
    config: Path = typer.Option(None, "--config", help="YAML file with any CityConfig field (rates, overlap, base_date, city…)."),
) -> None:
    """Write a synthetic city's department extracts, with defects and a ground truth."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from citylake.generate.city import generate_city
    from citylake.generate.config import load_config

    cfg = load_config(config, people=people, seed=seed, days=days, db_url=db_url)
    if defect_rate is not None:
        if not 0 <= defect_rate <= 0.04:
            raise CitylakeError("--defect-rate must be between 0 and 0.04 (it applies to each of 12 defect types).")
        cfg = cfg.model_copy(update={"defects": cfg.defects.scaled(defect_rate)})
    if variation_scale is not None:
        if variation_scale < 0:
            raise CitylakeError("--variation-scale must be 0 or more.")
        cfg = cfg.model_copy(update={"variations": cfg.variations.scaled(variation_scale)})
    with Progress(TextColumn("[bold]generating[/] {task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), TimeRemainingColumn(), console=console, transient=False) as bar:
        task = bar.add_task(f"{cfg.people:,} people, {cfg.days} change days", total=cfg.people)
        summary = generate_city(cfg, out, progress=lambda done, total: bar.update(task, completed=done))
    console.print(f"{summary.people:,} people, {summary.enterprises:,} enterprises, {summary.rows:,} rows "
                  f"in {summary.seconds:.1f} s → {summary.out}/landing (ground truth in {summary.out}/ground_truth)")
