"""Market entities as a function of their number: any source can name any enterprise.

An employment record, a tax filing or a hazardous site may point at an enterprise that
is generated in another chunk, so every attribute except the legal representative is a
pure function of (seed, enterprise number) via ``Context.uniform``. The hidden
``distress`` drives both the tax trend and the "becomes abnormal" label, so the label is
learnable from the data.
"""

from __future__ import annotations

import numpy as np

from citylake.generate import codes
from citylake.generate.addresses import ENTERPRISE_ADDRESS_BASE
from citylake.generate.context import Context
from citylake.generate.identifiers import credit_code, org_body

_WORDS = "华信达通恒泰瑞丰汇金宏远鑫源盛博创新佳美安康东方长江楚天汉江星光润德兴隆和顺天成永利嘉禾中科百纳"
_INDUSTRY_WORD = {"51": "商贸", "52": "商贸", "62": "餐饮", "65": "软件", "64": "网络", "75": "科技", "47": "建筑",
                  "48": "工程", "50": "装饰", "54": "物流", "59": "仓储", "70": "房地产", "72": "咨询", "80": "家政",
                  "36": "汽车", "39": "电子", "26": "化工", "27": "医药", "33": "五金", "13": "食品", "14": "食品",
                  "01": "农业", "03": "养殖", "44": "电力", "45": "燃气", "84": "医疗", "83": "教育", "88": "文化",
                  "90": "娱乐", "71": "租赁", "73": "研究", "66": "金融", "68": "保险", "81": "维修", "82": "服务",
                  "61": "酒店", "74": "技术", "78": "环保"}
_SUFFIX = {"1130": "有限公司", "1150": "有限公司", "1190": "有限责任公司", "1220": "股份有限公司", "1210": "股份有限公司",
           "2100": "有限公司分公司", "4100": "个人独资企业", "4230": "合伙企业（有限合伙）", "3100": "厂", "3200": "集体企业",
           "5100": "有限公司", "6000": "有限公司", "9100": "专业合作社", "9500": "经营部"}
IN_BUSINESS = ("10", "20", "30")


def _pick(weights: dict[str, float], u: np.ndarray) -> np.ndarray:
    keys = np.array(list(weights))
    cum = np.cumsum(list(weights.values()))
    return keys[np.minimum(np.searchsorted(cum / cum[-1], u, side="right"), len(keys) - 1)]


def _normal(ctx: Context, e: np.ndarray, salt: str) -> np.ndarray:
    u1 = np.maximum(ctx.uniform(e, salt + "1"), 1e-12)
    u2 = ctx.uniform(e, salt + "2")
    return np.sqrt(-2 * np.log(u1)) * np.cos(2 * np.pi * u2)


def attributes(ctx: Context, e: np.ndarray) -> dict[str, np.ndarray | list]:
    """Everything about enterprises ``e`` but the legal representative."""
    geo, base = ctx.geo, ctx.config.base_date
    etype = _pick(codes.ENTERPRISE_TYPE_WEIGHTS, ctx.uniform(e, "type"))
    industry = _pick(codes.INDUSTRY_WEIGHTS, ctx.uniform(e, "industry"))
    cum = np.cumsum(geo.district_weight)
    district = np.minimum(np.searchsorted(cum / cum[-1], ctx.uniform(e, "district"), side="right"), len(cum) - 1)
    counts = np.bincount(geo.street_district, minlength=len(geo.district_codes))
    first = np.r_[0, np.cumsum(counts)[:-1]]
    street = first[district] + (ctx.uniform(e, "street") * counts[district]).astype(np.int64)
    age_years = ctx.uniform(e, "age") ** 1.6 * 25
    established = np.datetime64(base.isoformat()) - (age_years * 365.25).astype("timedelta64[D]") - 1
    capital = np.round(10 ** (ctx.uniform(e, "capital") * 4 - 0.5) * np.where(np.isin(etype, ("1210", "1220", "5100")), 20, 1), 2)
    status = _pick(codes.STATUS_WEIGHTS, ctx.uniform(e, "status"))
    distress = _normal(ctx, e, "distress")
    noise = _normal(ctx, e, "noise")
    abnormal = np.isin(status, IN_BUSINESS) & (distress + 0.4 * noise > 1.5)
    kind = np.where(etype == "9500", "2", np.where(np.isin(etype, ("9100", "9200")), "3", "1"))
    bodies = org_body(e)
    city_short = geo.city_name.removesuffix("市")
    w1 = (ctx.uniform(e, "w1") * len(_WORDS)).astype(np.int64)
    w2 = (ctx.uniform(e, "w2") * len(_WORDS)).astype(np.int64)
    w3 = (ctx.uniform(e, "w3") * len(_WORDS)).astype(np.int64)
    names, ccodes = [], []
    for i in range(len(e)):
        d = int(district[i])
        code = geo.district_codes[d]
        ccodes.append(credit_code(str(kind[i]), code, bodies[i]))
        word = _WORDS[w1[i]] + _WORDS[w2[i]] + (_WORDS[w3[i]] if w3[i] % 3 == 0 else "")
        label = _INDUSTRY_WORD.get(str(industry[i]), "实业")
        t = str(etype[i])
        if t == "9500":
            names.append(f"{geo.district_names[d]}{word}{label}{_SUFFIX[t]}")
        else:
            names.append(f"{city_short}{word}{label}{_SUFFIX.get(t, '有限公司')}")
    prefix = np.array([130, 135, 138, 139, 150, 151, 158, 177, 180, 186, 189])
    phone = [f"{prefix[int(a * len(prefix))]}{int(b * 1e8):08d}" for a, b in zip(ctx.uniform(e, "p1"), ctx.uniform(e, "p2"))]
    return {
        "number": e, "credit_code": ccodes, "name": names, "type": etype, "industry": industry, "district": district,
        "street": street, "address": ENTERPRISE_ADDRESS_BASE + e, "established": established, "capital": capital,
        "status": status, "distress": distress, "abnormal": abnormal, "phone": phone,
    }


def credit_codes(ctx: Context, e: np.ndarray) -> list[str]:
    """Only the credit codes (cheaper than all attributes)."""
    attrs = attributes(ctx, e)
    return attrs["credit_code"]  # type: ignore[return-value]
