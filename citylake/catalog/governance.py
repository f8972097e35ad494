"""Who answers for the data and how it is classified: services, layers, teams, domains,
classification and grade tags, and the glossary of data standards.

Everything here is derived from the contracts and metadata/standards, never retyped:
a department's contract names its owning team and domain; a column's ``sensitivity``
gives its grade (数据分级) and category (数据分类); a data element of
``data_elements.yml`` is a glossary term, and a code table is a term of its own glossary.
"""

from __future__ import annotations

from typing import Iterable

from citylake.catalog import naming as n
from citylake.catalog.payload import Payload, label, ref
from citylake.contracts import SourceContract

#: The lake's schemas (layers) and what each holds.
LAYERS: dict[str, str] = {
    "bronze": "贴源层 Bronze: every delivered record as delivered, append-only, with its batch, file and line.",
    "silver": "标准层 Silver: typed, standardized by the data standards, deduplicated, sensitive columns "
              "protected, with history (SCD2) for people and organisations.",
    "quarantine": "隔离区 Quarantine: every row silver rejected, as delivered, with the reasons.",
    "gold": "基础库/主题库 Gold: dbt models — population, legal-person and spatial libraries, themes.",
    "published": "发布区 Published: versioned, masked tables and views for downstream systems.",
    "ops": "运维 Ops: the lake's own record of batches, reconciliation (数据对账) and quality results.",
    "standards": "数据标准 Standards: the code tables as lake tables, for joins and lookups.",
}

#: Business criticality (OpenMetadata's Tier) of each layer; core data raises it to Tier1.
LAYER_TIER = {"published": 1, "gold": 1, "silver": 2, "standards": 2, "bronze": 3, "quarantine": 4, "ops": 4}

DOMAINS: dict[str, tuple[str, str]] = {
    "population": ("人口", "Population: residents, households, births, deaths, marriages, social security, health."),
    "legal_person": ("法人", "Legal persons: enterprises, their registrations, licences and tax."),
    "spatial": ("空间地理", "Spatial: administrative divisions, standard addresses, points of interest, grid cells."),
    "emergency": ("应急", "Emergency management: shelters, warehouses, supplies, hazardous sites, disaster events."),
    "iot": ("物联感知", "City sensors: the event stream of the IoT platform."),
    "licences": ("电子证照", "Electronic licences and certificates issued to people and organisations."),
    n.PLATFORM_DOMAIN: ("平台", "The platform's own data: batch log, reconciliation, quality results, code tables."),
}

GRADES = {1: ("一级 公开", "Grade 1: may be made public."),
          2: ("二级 内部", "Grade 2: for use inside government; harmless if disclosed."),
          3: ("三级 敏感", "Grade 3: personal information; disclosure harms the people concerned."),
          4: ("四级 重要", "Grade 4: sensitive personal or important data; access is audited and entitled.")}
CATEGORIES = {"general": ("General", "一般数据", "General data (GB/T 43697)."),
              "important": ("Important", "重要数据", "Important data (GB/T 43697): harm to public interest if leaked."),
              "core": ("Core", "核心数据", "Core data (GB/T 43697): harm to national security if leaked.")}
#: GB/T 35273 personal information → OpenMetadata's own PII classification.
PII = {"personal": "PII.NonSensitive", "sensitive_personal": "PII.Sensitive"}


def tier_label(tier: int) -> dict:
    return label(f"Tier.Tier{tier}")


def grade_label(grade: int) -> dict:
    return label(n.tag_fqn(n.GRADE, f"Grade{grade}"))


def category_label(category: str) -> dict:
    return label(n.tag_fqn(n.CATEGORY, CATEGORIES[category][0]))


def term_label(element_id: str) -> dict:
    return label(n.term_fqn(n.GLOSSARY, n.term_name(element_id)), source="Glossary")


def services() -> list[Payload]:
    return [
        Payload("databaseService", n.SERVICE, {
            "name": n.SERVICE, "serviceType": "DeltaLake", "displayName": "citylake lake",
            "description": "The city's lakehouse: Delta Lake tables in Spark's catalog, one schema per layer."},
            "standards"),
        Payload("storageService", n.LANDING_SERVICE, {
            "name": n.LANDING_SERVICE, "serviceType": "CustomStorage", "displayName": "citylake landing zone",
            "description": "Where departments drop their extracts: landing/<source>/<entity>/day=YYYY-MM-DD/."},
            "standards"),
        Payload("pipelineService", n.PIPELINE_SERVICE, {
            "name": n.PIPELINE_SERVICE, "serviceType": "Airflow", "displayName": "citylake Airflow",
            "description": "The DAGs built from the contracts: one per department, freshness → bronze → silver."},
            "standards"),
    ]


def layers(schemas: Iterable[str] = tuple(LAYERS)) -> list[Payload]:
    out = [Payload("database", n.database_fqn(), {
        "name": n.DATABASE, "service": n.SERVICE, "displayName": "Spark catalog",
        "description": "Spark's session catalog (a Hive metastore) holding every schema of the lake."}, "standards")]
    for schema in schemas:
        out.append(Payload("databaseSchema", n.schema_fqn(schema), {
            "name": schema, "database": n.database_fqn(),
            "description": LAYERS.get(schema, f"The `{schema}` schema of the lake.")}, "standards"))
    return out


def team(name: str, display: str, description: str) -> Payload:
    return Payload("team", name, {"name": name, "teamType": "Group", "displayName": display,
                                  "description": description}, "standards")


def teams(contracts: Iterable[SourceContract]) -> list[Payload]:
    """A team per owning department (type Group: only groups may own assets), the platform
    team (ops tables) and the standards stewards (the glossary)."""
    out = [team(n.PLATFORM_TEAM, "数据平台 Data platform", "Runs the lake: ops and standards tables."),
           team("standards-stewards", "数据标准管理 Standards stewards", "Own the data elements and code tables.")]
    for c in contracts:
        out.append(team(c.owner, c.department, f"Delivers and answers for `{c.source}`: {c.description}".strip()))
    return out


def domains(contracts: Iterable[SourceContract]) -> list[Payload]:
    wanted = dict.fromkeys([*(c.domain for c in contracts), n.PLATFORM_DOMAIN])
    out = []
    for name in wanted:
        display, description = DOMAINS.get(name, (name, f"The `{name}` domain."))
        out.append(Payload("domain", name, {"name": name, "domainType": "Source-aligned",
                                            "displayName": display, "description": description}, "standards"))
    return out


def classifications() -> list[Payload]:
    out = [
        Payload("classification", n.GRADE, {
            "name": n.GRADE, "displayName": "数据分级 Data grade", "mutuallyExclusive": True,
            "description": "How restricted data is, 1 (public) to 4 (most restricted), from the contracts' "
                           "`sensitivity.grade`; a table takes the highest grade of its columns."}, "standards"),
        Payload("classification", n.CATEGORY, {
            "name": n.CATEGORY, "displayName": "数据分类 Data classification", "mutuallyExclusive": True,
            "description": "General, important or core data (GB/T 43697), from the contracts' "
                           "`sensitivity.classification`."}, "standards"),
    ]
    for grade, (display, description) in GRADES.items():
        out.append(Payload("tag", n.tag_fqn(n.GRADE, f"Grade{grade}"), {
            "classification": n.GRADE, "name": f"Grade{grade}", "displayName": display,
            "description": description}, "standards"))
    for name, display, description in CATEGORIES.values():
        out.append(Payload("tag", n.tag_fqn(n.CATEGORY, name), {
            "classification": n.CATEGORY, "name": name, "displayName": display,
            "description": description}, "standards"))
    return out


def glossaries() -> list[Payload]:
    """The data standards as two glossaries: data elements (数据元) and code tables (代码表)."""
    from citylake.standards.code_tables import code_table_info, list_code_tables
    from citylake.standards.data_elements import load_data_elements

    stewards = [ref("team", "standards-stewards")]
    out = [
        Payload("glossary", n.GLOSSARY, {
            "name": n.GLOSSARY, "displayName": "数据标准 Data standards", "owners": stewards,
            "description": "The data elements (数据元, GB/T 18391) of metadata/standards/data_elements.yml: "
                           "a column that names one is standardized and checked by it in silver."}, "standards"),
        Payload("glossary", n.CODE_GLOSSARY, {
            "name": n.CODE_GLOSSARY, "displayName": "代码表 Code tables", "owners": stewards,
            "description": "The code tables of metadata/standards/code_tables; their codes are the lake table "
                           "standards.code_tables."}, "standards"),
    ]
    for table_id in list_code_tables():
        info = code_table_info(table_id)
        text = (f"{info.title.en}. Standard: {info.standard} (version {info.version}); authority: {info.authority}.\n\n"
                f"Source: {info.source}" + (f"\n\n{info.notes}" if info.notes else "")
                + f"\n\nCodes: `SELECT code, name FROM standards.code_tables WHERE table_id = '{table_id}'`.")
        out.append(Payload("glossaryTerm", n.term_fqn(n.CODE_GLOSSARY, table_id), {
            "glossary": n.CODE_GLOSSARY, "name": table_id, "displayName": info.title.zh, "description": text},
            "standards", rank=0))
    for element in load_data_elements().values():
        rows = [("id", element.id), ("English name", element.name_en), ("data type", element.data_type),
                ("format", element.format), ("code table", element.code_table), ("validator", element.validator),
                ("sensitivity", element.sensitivity), ("standard", element.standard), ("unit", element.unit),
                ("range", f"{element.min} … {element.max}" if element.min is not None else None)]
        table = "\n".join(f"| {k} | {v} |" for k, v in rows if v)
        request = {"glossary": n.GLOSSARY, "name": n.term_name(element.id), "displayName": element.name,
                   "description": f"{element.definition}\n\n| attribute | value |\n|---|---|\n{table}",
                   "synonyms": list(dict.fromkeys([element.name_en, *element.source_names]))}
        if element.code_table:
            request["relatedTerms"] = [n.term_fqn(n.CODE_GLOSSARY, element.code_table)]
        out.append(Payload("glossaryTerm", n.term_fqn(n.GLOSSARY, n.term_name(element.id)), request,
                           "standards", rank=1, meta={"element": element.id}))
    return out


def governance(contracts: Iterable[SourceContract]) -> list[Payload]:
    contracts = list(contracts)
    return [*services(), *layers(), *teams(contracts), *domains(contracts), *classifications(), *glossaries()]
