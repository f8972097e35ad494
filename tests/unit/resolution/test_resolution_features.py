"""Pure parts of entity resolution: comparable forms of names, cluster keys, mention specs."""

from __future__ import annotations

import pandas as pd

from citylake.resolution.features import city_names, org_name_core, pinyin
from citylake.resolution.linkage import _cluster_keys


def test_homophones_share_pinyin() -> None:
    assert pinyin("黄伟") == "huang wei"
    assert pinyin("章莉") == pinyin("张丽") == "zhang li"
    assert pinyin(" 王 伟 ") == "wang wei"


def test_org_name_variants_share_a_core() -> None:
    cities = city_names()
    variants = ["武汉光谷科技有限公司", "光谷科技有限公司（武汉）", "武汉市光谷科技有限公司", "（武汉）光谷科技有限公司",
                "光谷科技有限公司（普通合伙）", "武汉光谷科技"]
    assert {org_name_core(v, cities) for v in variants} == {"光谷科技"}
    assert org_name_core(None, cities) is None
    assert org_name_core("武汉科技有限公司", cities) == "科技"  # never emptied


def test_cluster_key_is_the_most_mentioned_identifier() -> None:
    members = pd.DataFrame({"unique_id": ["a", "b", "c", "d"], "cluster_id": [1, 1, 1, 2]})
    profiles = pd.DataFrame({"unique_id": ["a", "b", "c", "d"], "id_token": ["real", "fake", None, None],
                             "n_mentions": [5, 1, 2, 1]})
    edges = pd.DataFrame({"unique_id_l": ["a", "a"], "unique_id_r": ["b", "c"], "match_probability": [0.97, 0.9999]})
    out = _cluster_keys(members, edges, profiles, "id_token").set_index("profile_id")
    assert out.loc[["a", "b", "c"], "cluster_key"].tolist() == ["real"] * 3
    assert out.loc["d", "cluster_key"] == "d"  # no identifier: its own smallest profile id
    assert out.loc["a", "match_probability"] == 0.9999 and out.loc["b", "match_probability"] == 0.97
    assert pd.isna(out.loc["d", "match_probability"])


def test_mention_specs_come_from_the_contracts() -> None:
    from citylake.contracts import load_contracts
    from citylake.resolution.mentions import org_specs, person_specs
    from citylake.settings import get_settings

    contracts = load_contracts(get_settings().contracts_dir)
    people = {(s.table, s.role): s for s in person_specs(contracts)}
    assert ("civil_affairs__marriages", "husband") in people and ("civil_affairs__marriages", "wife") in people
    register = people[("public_security__persons", "subject")]
    assert register.key_exprs == ("citizen_id_token",) and register.current_only
    assert register.columns["phone_token"] == "phone_token" and register.columns["birth_date"] == "birth_date"
    assert people[("health__births", "child")].columns["birth_date"] == "birth_date"  # a child has no ID
    assert people[("health__births", "mother")].columns["birth_date"] is None
    orgs = {(s.table, s.role): s for s in org_specs(contracts)}
    assert orgs[("tax__filings", "subject")].columns["name"] == "taxpayer_name"
    assert orgs[("hr_social_security__employment", "employer")].columns["name"] == "employer_name"
