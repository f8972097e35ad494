"""Every landing entity of the synthetic city, as its department exports it.

Departments differ on purpose: the household register is a GBK CSV with Chinese headers
and code names (男, 汉族, 妻); emergency management is GBK with English headers; social
security and market supervision are UTF-8 CSV; health, licences, POIs and the IoT stream
are JSON lines; tax and the address register are Parquet; civil affairs is a database.
"""

from __future__ import annotations

from citylake.generate.schema import Column as C
from citylake.generate.schema import Entity
from citylake.standards.data_elements import data_element

# Coordinates are valid in the ranges of the data standards (China's), so that what the
# generator calls out_of_range is what silver rejects.
_LON, _LAT = data_element("DE.longitude"), data_element("DE.latitude")
LON = {"dtype": "float64", "lo": _LON.min, "hi": _LON.max}
LAT = {"dtype": "float64", "lo": _LAT.min, "hi": _LAT.max}

CHANGE = ("初始", "出生", "迁入", "迁移", "婚姻变更", "死亡注销", "信息更正")
ENTERPRISE_CHANGE = ("initial", "established", "changed", "deregistered", "corrected")

PERSONS = Entity(
    "public_security", "persons", "户籍人口信息", "csv", encoding="gbk", parted=True, fuzzy=True, master="person",
    key=("公民身份号码",), id_checks=(("公民身份号码", "出生日期", "性别"),),
    columns=(
        C("公民身份号码", "citizen_id", "citizen ID"),
        C("姓名", "person_name", "name"),
        C("性别", "code", "gender", table="gender", form="name"),
        C("民族", "code", "ethnicity", table="ethnicity", form="name"),
        C("出生日期", "date", "birth date"),
        C("婚姻状况", "code", "marital status", table="marital_status", form="name"),
        C("户号", "record_id", "household number (户号), links to households"),
        C("与户主关系", "code", "relationship to the head of household", table="family_relationship", form="name"),
        C("户籍地址", "address", "registered address"),
        C("联系电话", "mobile", "phone", nullable=True),
        C("人员状态", "enum", "registration status", values=("正常", "死亡注销", "迁出注销")),
        C("变动类型", "enum", "why this row is delivered", values=CHANGE),
        C("变动日期", "date", "date of the change (day 0: the extract date)"),
    ),
    notes="Day 0 holds every registered resident (变动类型 初始). A change day holds one full row per person "
          "whose registration changed that day: births (出生), moves (迁移, new 户籍地址, same 户号), "
          "marriages (婚姻变更), deaths (死亡注销 with 人员状态 死亡注销) and corrections of rows "
          "quarantined earlier (信息更正).",
)

HOUSEHOLDS = Entity(
    "public_security", "households", "户籍户信息", "csv", encoding="gbk", parted=True, key=("户号",),
    columns=(
        C("户号", "record_id", "household number"),
        C("户别", "enum", "household type", values=("家庭户", "集体户")),
        C("户主公民身份号码", "citizen_id", "citizen ID of the head of household"),
        C("户主姓名", "person_name", "name of the head of household"),
        C("户籍地址", "address", "registered address"),
        C("行政区划代码", "division", "street (township) code of the address"),
        C("立户日期", "date", "date the household was registered"),
        C("变动类型", "enum", "why this row is delivered", values=CHANGE),
        C("变动日期", "date", "date of the change"),
    ),
    notes="A change day re-delivers the households that moved (迁移) with their new address; "
          "a household keeps its 户号 when it moves.",
)

MARRIAGES = Entity(
    "civil_affairs", "marriages", "婚姻登记", "sql", key=("registration_no",),
    columns=(
        C("registration_no", "record_id", "registration number"),
        C("registration_type", "enum", "marriage or divorce", values=("marriage", "divorce")),
        C("husband_citizen_id", "citizen_id", "husband's citizen ID"),
        C("husband_name", "person_name", "husband's name"),
        C("wife_citizen_id", "citizen_id", "wife's citizen ID"),
        C("wife_name", "person_name", "wife's name"),
        C("registration_date", "date", "date of registration"),
        C("office_division", "code", "district of the registry office", table="admin_division"),
    ),
)

DEATHS = Entity(
    "civil_affairs", "deaths", "死亡登记", "sql", key=("record_no",), id_checks=(("citizen_id", "birth_date", "gender"),),
    columns=(
        C("record_no", "record_id", "death record number"),
        C("citizen_id", "citizen_id", "citizen ID of the deceased", ref="person"),
        C("name", "person_name", "name of the deceased"),
        C("gender", "code", "gender", table="gender"),
        C("birth_date", "date", "birth date"),
        C("death_date", "date", "date of death"),
        C("death_place", "enum", "where", values=("医院", "家中", "其他")),
        C("division", "code", "district of residence", table="admin_division"),
    ),
)

SUBSISTENCE = Entity(
    "civil_affairs", "subsistence_allowance", "最低生活保障", "sql", key=("case_no",),
    columns=(
        C("case_no", "record_id", "case number"),
        C("citizen_id", "citizen_id", "applicant's citizen ID", ref="person"),
        C("name", "person_name", "applicant's name"),
        C("household_no", "record_id", "household number (户号) of the applicant"),
        C("household_size", "int", "people covered", dtype="int64", lo=1, hi=12),
        C("monthly_amount", "float", "allowance per month, yuan", dtype="float64", lo=1, hi=5000),
        C("start_date", "date", "first month paid"),
        C("status", "enum", "case status", values=("在保", "停保")),
        C("division", "code", "district", table="admin_division"),
    ),
)

ELDERLY_CARE = Entity(
    "civil_affairs", "elderly_care", "养老服务对象", "sql", key=("record_no",), fuzzy=True,
    id_checks=(("citizen_id", "birth_date", "gender"),),
    columns=(
        C("record_no", "record_id", "care record number"),
        C("citizen_id", "citizen_id", "citizen ID", ref="person"),
        C("name", "person_name", "name"),
        C("gender", "code", "gender", table="gender"),
        C("birth_date", "date", "birth date"),
        C("care_level", "enum", "assessed ability", values=("能力完好", "轻度失能", "中度失能", "重度失能")),
        C("service_type", "enum", "kind of service", values=("居家养老", "社区养老", "机构养老")),
        C("monthly_subsidy", "float", "subsidy per month, yuan", dtype="float64", lo=0, hi=3000),
        C("assessed_date", "date", "date of the last assessment"),
        C("phone", "mobile", "phone", nullable=True),
        C("address", "address", "home address"),
    ),
)

BIRTHS = Entity(
    "health", "births", "出生医学证明", "jsonl", key=("certificate_no",),
    columns=(
        C("certificate_no", "record_id", "birth certificate number"),
        C("child_name", "person_name", "child's name"),
        C("child_gender", "code", "child's gender", table="gender"),
        C("birth_date", "date", "birth date"),
        C("birth_weight_g", "int", "birth weight, grams", dtype="int64", lo=500, hi=6000),
        C("mother_citizen_id", "citizen_id", "mother's citizen ID", ref="person"),
        C("mother_name", "person_name", "mother's name"),
        C("father_citizen_id", "citizen_id", "father's citizen ID", nullable=True),
        C("father_name", "person_name", "father's name", nullable=True),
        C("institution_code", "record_id", "institution of birth (health/institutions)"),
        C("address", "address", "family address"),
    ),
    notes="Day 0 holds the certificates of the last three years; a change day those of that day's births.",
)

INSTITUTIONS = Entity(
    "health", "institutions", "医疗机构", "jsonl", key=("institution_code",), change_days=False,
    columns=(
        C("institution_code", "record_id", "institution registration number"),
        C("name", "org_name", "name"),
        C("category", "code", "kind of institution", table="poi_category"),
        C("level", "enum", "hospital grade", values=("一级", "二级", "三级")),
        C("beds", "int", "approved beds", dtype="int64", lo=0, hi=5000),
        C("address", "address", "address"),
        C("division", "code", "district", table="admin_division"),
        C("longitude", "lon", "longitude", **LON),
        C("latitude", "lat", "latitude", **LAT),
        C("phone", "landline", "phone"),
    ),
)

INSURANCE = Entity(
    "hr_social_security", "insurance", "参保信息", "csv", key=("citizen_id", "insurance_type"), parted=True,
    columns=(
        C("citizen_id", "citizen_id", "insured person's citizen ID", ref="person"),
        C("name", "person_name", "name"),
        C("insurance_type", "code", "insurance scheme", table="insurance_type"),
        C("status", "enum", "status", values=("参保缴费", "暂停缴费", "终止参保")),
        C("start_date", "date", "first insured"),
        C("employer_credit_code", "credit_code", "employer (empty for resident schemes)", ref="enterprise", nullable=True),
        C("contribution_base", "float", "monthly contribution base, yuan (empty for resident schemes)", dtype="float64", lo=1000, hi=40000, nullable=True),
        C("phone", "mobile", "phone", nullable=True),
    ),
    notes="A change day re-delivers rows whose phone changed and rows of newly insured people.",
)

EMPLOYMENT = Entity(
    "hr_social_security", "employment", "就业登记", "csv", key=("employment_id",), parted=True,
    columns=(
        C("employment_id", "record_id", "employment registration number"),
        C("citizen_id", "citizen_id", "employee's citizen ID", ref="person"),
        C("name", "person_name", "employee's name"),
        C("employer_credit_code", "credit_code", "employer", ref="enterprise"),
        C("employer_name", "org_name", "employer's name"),
        C("start_date", "date", "employed since"),
        C("end_date", "date", "employment ended", nullable=True),
        C("monthly_wage", "float", "monthly wage, yuan", dtype="float64", lo=1000, hi=200000),
        C("phone", "mobile", "phone", nullable=True),
    ),
    notes="Includes migrant workers registered outside the city (no row in public_security/persons). "
          "The schema-drift day's file adds `data_source` and renames `monthly_wage` to `wage_monthly`.",
)

ENTERPRISES = Entity(
    "market_supervision", "enterprises", "市场主体登记", "csv", key=("credit_code",), parted=True, fuzzy=True,
    master="enterprise",
    columns=(
        C("credit_code", "credit_code", "unified social credit code"),
        C("name", "org_name", "registered name"),
        C("enterprise_type", "code", "type of market entity", table="enterprise_type"),
        C("industry_code", "code", "industry division (GB/T 4754)", table="industry"),
        C("legal_rep_citizen_id", "citizen_id", "legal representative's citizen ID"),
        C("legal_rep_name", "person_name", "legal representative's name"),
        C("registered_capital", "float", "registered capital, 10k yuan", dtype="float64", lo=0.01, hi=10_000_000),
        C("establishment_date", "date", "date established"),
        C("address", "address", "registered address"),
        C("division", "code", "district", table="admin_division"),
        C("status", "code", "registration status", table="enterprise_status"),
        C("phone", "mobile", "contact phone", nullable=True),
        C("change_type", "enum", "why this row is delivered", values=ENTERPRISE_CHANGE),
        C("change_date", "date", "date of the change"),
    ),
    notes="Day 0 is the register; a change day has new (established), deregistered and corrected entities.",
)

FILINGS = Entity(
    "tax", "filings", "纳税申报", "parquet", key=("filing_id",), parted=True,
    columns=(
        C("filing_id", "record_id", "filing number"),
        C("credit_code", "credit_code", "taxpayer's credit code", ref="enterprise"),
        C("taxpayer_name", "org_name", "taxpayer's name"),
        C("tax_type", "enum", "tax", values=("增值税", "企业所得税", "个人所得税")),
        C("period", "month", "tax period"),
        C("revenue", "float", "declared revenue, yuan", dtype="float64", lo=0, hi=1e10),
        C("tax_amount", "float", "tax declared, yuan", dtype="float64", lo=0, hi=1e9),
        C("filing_date", "date", "date filed"),
    ),
    notes="Monthly value-added tax filings of the last 12 periods; a change day delivers the filings filed that day.",
)

DIVISIONS = Entity(
    "natural_resources", "divisions", "行政区划", "parquet", key=("code",), defects=False, change_days=False,
    columns=(
        C("code", "text", "GB/T 2260 code (6 digits) or street code (12 digits)"),
        C("name", "text", "name"),
        C("level", "enum", "level", values=("province", "city", "district", "street")),
        C("parent_code", "text", "code of the enclosing division", nullable=True),
        C("longitude", "lon", "centroid longitude", dtype="float64"),
        C("latitude", "lat", "centroid latitude", dtype="float64"),
    ),
)

ADDRESSES = Entity(
    "natural_resources", "addresses", "标准地址", "parquet", key=("address_id",), parted=True,
    columns=(
        C("address_id", "record_id", "standard address id"),
        C("address", "address", "standard address text", vary=False),
        C("street_code", "division", "street (township) code"),
        C("district_code", "code", "district", table="admin_division"),
        C("road", "text", "road name"),
        C("house_number", "int", "house number on the road", dtype="int64", lo=1, hi=9999),
        C("longitude", "lon", "longitude", **LON),
        C("latitude", "lat", "latitude", **LAT),
    ),
    notes="Addresses of households, enterprises, medical institutions, POIs, shelters, warehouses and "
          "hazardous sites; a change day adds the addresses households moved to and new enterprises' addresses.",
)

POIS = Entity(
    "natural_resources", "pois", "兴趣点", "jsonl", key=("poi_id",), change_days=False,
    columns=(
        C("poi_id", "record_id", "POI id"),
        C("name", "org_name", "name"),
        C("category", "code", "category", table="poi_category"),
        C("address", "address", "address"),
        C("division", "code", "district", table="admin_division"),
        C("longitude", "lon", "longitude", **LON),
        C("latitude", "lat", "latitude", **LAT),
    ),
)

_PLACE = (
    C("address", "address", "address"),
    C("division", "code", "district", table="admin_division"),
    C("longitude", "lon", "longitude", **LON),
    C("latitude", "lat", "latitude", **LAT),
)

SHELTERS = Entity(
    "emergency", "shelters", "应急避难场所", "csv", encoding="gbk", key=("shelter_id",), change_days=False,
    columns=(
        C("shelter_id", "record_id", "shelter id"),
        C("name", "org_name", "name"),
        C("shelter_type", "enum", "kind", values=("室内", "室外", "综合")),
        C("capacity", "int", "people it holds", dtype="int64", lo=0, hi=100_000),
        C("area_m2", "float", "usable area, m²", dtype="float64", lo=0, hi=1_000_000),
        *_PLACE,
        C("phone", "landline", "duty phone"),
    ),
)

WAREHOUSES = Entity(
    "emergency", "warehouses", "应急物资储备库", "csv", encoding="gbk", key=("warehouse_id",), change_days=False,
    columns=(C("warehouse_id", "record_id", "warehouse id"), C("name", "org_name", "name"), *_PLACE,
             C("phone", "landline", "duty phone")),
)

SUPPLIES = Entity(
    "emergency", "supplies", "应急物资库存", "csv", encoding="gbk", key=("warehouse_id", "item"),
    columns=(
        C("warehouse_id", "record_id", "warehouse (emergency/warehouses)"),
        C("item", "enum", "item", values=("帐篷", "棉被", "折叠床", "饮用水", "方便食品", "发电机", "冲锋舟", "救生衣")),
        C("unit", "enum", "unit", values=("顶", "床", "张", "箱", "台", "艘", "件")),
        C("quantity", "int", "in stock", dtype="int64", lo=0, hi=1_000_000),
        C("updated_date", "date", "stock counted on"),
    ),
    notes="Day 0 is the full stock list; a change day re-delivers the rows whose stock changed.",
)

HAZARDOUS_SITES = Entity(
    "emergency", "hazardous_sites", "重点监管危险源", "csv", encoding="gbk", key=("site_id",), change_days=False,
    columns=(
        C("site_id", "record_id", "site id"),
        C("name", "org_name", "name"),
        C("credit_code", "credit_code", "operating enterprise", ref="enterprise"),
        C("category", "code", "kind of site", table="poi_category"),
        C("hazard_level", "code", "risk level", table="hazard_level"),
        *_PLACE,
        C("supervised_since", "date", "under supervision since"),
    ),
)

DISASTER_EVENTS = Entity(
    "emergency", "disaster_events", "突发事件", "jsonl", key=("event_id",),
    columns=(
        C("event_id", "record_id", "event id"),
        C("event_type", "code", "kind (flood, fire, chemical leak)", table="disaster_type"),
        C("level", "code", "severity", table="hazard_level"),
        C("occurred_at", "datetime", "when it happened"),
        *_PLACE,
        C("casualties", "int", "dead and injured", dtype="int64", lo=0, hi=1000),
        C("affected_people", "int", "people affected", dtype="int64", lo=0, hi=1_000_000),
        C("description", "text", "short description"),
    ),
)

LICENCES = Entity(
    "licences", "licences", "电子证照", "jsonl", key=("licence_no",), parted=True,
    columns=(
        C("licence_no", "record_id", "licence number"),
        C("licence_type", "code", "licence type", table="licence_type"),
        C("holder_type", "enum", "who holds it", values=("person", "organisation")),
        C("holder_citizen_id", "citizen_id", "holder's citizen ID (person holders)", nullable=True),
        C("holder_credit_code", "credit_code", "holder's credit code (organisation holders)", nullable=True),
        C("holder_name", "text", "holder's name (person or organisation)"),
        C("issuer", "text", "issuing department"),
        C("issue_date", "date", "issued on"),
        C("expiry_date", "date", "valid until", nullable=True),
        C("status", "enum", "status", values=("有效", "注销")),
    ),
)

IOT_EVENTS = Entity(
    "iot", "events", "物联感知事件", "jsonl", key=("event_id",), micro_batches=True,
    columns=(
        C("event_id", "record_id", "event id"),
        C("device_id", "record_id", "sensor or camera id"),
        C("device_type", "enum", "kind of device", values=("water_level", "smoke", "gas", "traffic_flow", "air_quality")),
        C("event_time", "datetime", "when it was measured (may fall in an earlier batch's window)"),
        C("value", "float", "reading: water level m, smoke/gas ppm, vehicles per 5 min, AQI", dtype="float64", lo=0, hi=5000),
        C("unit", "enum", "unit of value", values=("m", "ppm", "veh/5min", "AQI")),
        C("division", "code", "district", table="admin_division"),
        C("longitude", "lon", "longitude", **LON),
        C("latitude", "lat", "latitude", **LAT),
        C("status", "enum", "device's own verdict", values=("normal", "alarm")),
    ),
    notes="Micro-batches of at-least-once delivery: a batch may repeat an event (exact_duplicate).",
)

ENTITIES: tuple[Entity, ...] = (
    PERSONS, HOUSEHOLDS, MARRIAGES, DEATHS, SUBSISTENCE, ELDERLY_CARE, BIRTHS, INSTITUTIONS, INSURANCE,
    EMPLOYMENT, ENTERPRISES, FILINGS, DIVISIONS, ADDRESSES, POIS, SHELTERS, WAREHOUSES, SUPPLIES,
    HAZARDOUS_SITES, DISASTER_EVENTS, LICENCES, IOT_EVENTS,
)
BY_ID = {e.id: e for e in ENTITIES}
SOURCES = tuple(dict.fromkeys(e.source for e in ENTITIES))
DRIFT_ENTITY = EMPLOYMENT
DRIFT_ADDED = "data_source"
DRIFT_RENAMED = ("monthly_wage", "wage_monthly")
