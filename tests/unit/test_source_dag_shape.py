"""Each source DAG is built from its contract alone: one task group per entity, in the
order the data flows, with the stages the settings ask for."""

from __future__ import annotations

from citylake.contracts import load_contracts
from citylake.orchestration import source_dags
from citylake.settings import Settings


def _chain(dag, group: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The group's tasks in dependency order (each group is a straight line)."""
    tasks = {t.task_id: t for t in dag.tasks if t.task_id.startswith(group + ".")}
    first = [t for t in tasks.values() if not (t.upstream_task_ids & tasks.keys())]
    assert len(first) == 1, first
    order, task = [], first[0]
    while task is not None:
        order.append(task.task_id.split(".", 1)[1])
        nxt = [tasks[i] for i in task.downstream_task_ids if i in tasks]
        assert len(nxt) <= 1
        task = nxt[0] if nxt else None
    return order


def test_every_entity_flows_from_freshness_to_publish() -> None:
    settings = Settings(quality={"in_source_dags": True})
    contracts = load_contracts(settings.contracts_dir)
    dags = source_dags(settings)
    assert set(dags) == {f"citylake_source__{s}" for s in contracts}
    for source, contract in contracts.items():
        dag = dags[f"citylake_source__{source}"]
        for entity in contract.entities:
            assert _chain(dag, entity.name) == ["freshness", "bronze", "silver", "quality", "publish"]
        publish = [t for t in dag.tasks if t.task_id.endswith(".publish")]
        assert {a.uri for t in publish for a in t.outlets} == {
            f"citylake://published/{source}__{e.name}" for e in contract.entities}


def test_without_quality_in_source_dags_only_bronze_and_silver_run_there() -> None:
    dags = source_dags(Settings(quality={"in_source_dags": False}))
    dag = dags["citylake_source__public_security"]
    assert _chain(dag, "persons") == ["freshness", "bronze", "silver"]
    assert dag.description.endswith("bronze → silver")
