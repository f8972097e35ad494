"""The kinds of catalog payload and the OpenMetadata model of each.

Pure data, imported on both sides of the environment split: the main environment
names a payload's kind, the OpenMetadata environment looks its model up here. Nothing in
this module may import citylake or openmetadata-ingestion.
"""

from __future__ import annotations

#: kind → (module, class) of the create request in ``metadata.generated.schema``.
REQUESTS: dict[str, tuple[str, str]] = {
    "domain": ("api.domains.createDomain", "CreateDomainRequest"),
    "team": ("api.teams.createTeam", "CreateTeamRequest"),
    "classification": ("api.classification.createClassification", "CreateClassificationRequest"),
    "tag": ("api.classification.createTag", "CreateTagRequest"),
    "glossary": ("api.data.createGlossary", "CreateGlossaryRequest"),
    "glossaryTerm": ("api.data.createGlossaryTerm", "CreateGlossaryTermRequest"),
    "databaseService": ("api.services.createDatabaseService", "CreateDatabaseServiceRequest"),
    "storageService": ("api.services.createStorageService", "CreateStorageServiceRequest"),
    "pipelineService": ("api.services.createPipelineService", "CreatePipelineServiceRequest"),
    "database": ("api.data.createDatabase", "CreateDatabaseRequest"),
    "databaseSchema": ("api.data.createDatabaseSchema", "CreateDatabaseSchemaRequest"),
    "table": ("api.data.createTable", "CreateTableRequest"),
    "container": ("api.data.createContainer", "CreateContainerRequest"),
    "pipeline": ("api.data.createPipeline", "CreatePipelineRequest"),
    "lineage": ("api.lineage.addLineage", "AddLineageRequest"),
}

#: kind → (module, class) of the entity a create request makes (what the server answers).
ENTITIES: dict[str, tuple[str, str]] = {
    "domain": ("entity.domains.domain", "Domain"),
    "team": ("entity.teams.team", "Team"),
    "classification": ("entity.classification.classification", "Classification"),
    "tag": ("entity.classification.tag", "Tag"),
    "glossary": ("entity.data.glossary", "Glossary"),
    "glossaryTerm": ("entity.data.glossaryTerm", "GlossaryTerm"),
    "databaseService": ("entity.services.databaseService", "DatabaseService"),
    "storageService": ("entity.services.storageService", "StorageService"),
    "pipelineService": ("entity.services.pipelineService", "PipelineService"),
    "database": ("entity.data.database", "Database"),
    "databaseSchema": ("entity.data.databaseSchema", "DatabaseSchema"),
    "table": ("entity.data.table", "Table"),
    "container": ("entity.data.container", "Container"),
    "pipeline": ("entity.data.pipeline", "Pipeline"),
}

#: The order a server needs: what a payload refers to is created before it.
ORDER: tuple[str, ...] = (
    "domain", "team", "classification", "tag", "glossary", "glossaryTerm",
    "databaseService", "storageService", "pipelineService", "database", "databaseSchema",
    "table", "container", "pipeline", "lineage",
)

#: kind → the REST collection under /api/v1 (as openmetadata-ingestion's ROUTES has it).
ROUTES: dict[str, str] = {
    "domain": "domains", "team": "teams", "classification": "classifications", "tag": "tags",
    "glossary": "glossaries", "glossaryTerm": "glossaryTerms",
    "databaseService": "services/databaseServices", "storageService": "services/storageServices",
    "pipelineService": "services/pipelineServices", "database": "databases",
    "databaseSchema": "databaseSchemas", "table": "tables", "container": "containers",
    "pipeline": "pipelines", "lineage": "lineage",
}

SCHEMA_ROOT = "metadata.generated.schema"


def request_model_path(kind: str) -> tuple[str, str]:
    module, cls = REQUESTS[kind]
    return f"{SCHEMA_ROOT}.{module}", cls


def entity_model_path(kind: str) -> tuple[str, str]:
    module, cls = ENTITIES[kind]
    return f"{SCHEMA_ROOT}.{module}", cls


def sort_key(payload: dict) -> tuple[int, int, int, str]:
    """Creation order: by kind, then the builder's rank, then parents before children."""
    return (ORDER.index(payload["kind"]), int(payload.get("rank", 0)), payload["fqn"].count("."), payload["fqn"])
