"""Chinese personal names from character lists, and the ways departments mistype them.

No real person's name is used: a name is a surname drawn by frequency plus one or two
given-name characters. The variant maps (traditional forms, homophones, look-alikes)
are what entity resolution meets when the same person is typed by different clerks.
"""

from __future__ import annotations

import numpy as np

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁"
            "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
_SURNAME_WEIGHT = np.array([1.0 / (i + 8) for i in range(len(SURNAMES))])
SURNAME_P = _SURNAME_WEIGHT / _SURNAME_WEIGHT.sum()

MALE_CHARS = "伟强军华国明杰涛斌超刚平辉鹏磊勇峰建林波宇浩俊鑫成东海亮飞龙文博志轩睿子德金荣庆祥福贵兵正立鸿晓凯健新春永"
FEMALE_CHARS = "红丽静敏燕艳娟霞秀兰凤洁梅琳婷雪颖慧晶莉玲芳英萍欣怡晨阳佳嘉思雨诗欢瑞涵梓丹倩璐琪悦彤萱妍蕾晓春"

#: Simplified → traditional, for the characters above that have a distinct traditional form
#: (肖 is not here: 蕭 is the traditional form of 萧, a different surname).
TRADITIONAL = str.maketrans(dict(zip(
    "张刘陈杨黄赵吴孙马罗郑谢许韩冯邓蒋叶苏吕卢钟谭陆贾韦邹龙贺顾龚万钱严汤伟强军华国红丽静艳兰凤洁颖杰涛刚辉鹏东飞轩诗欢阳凯荣庆贵鸿晓悦",
    "張劉陳楊黃趙吳孫馬羅鄭謝許韓馮鄧蔣葉蘇呂盧鍾譚陸賈韋鄒龍賀顧龔萬錢嚴湯偉強軍華國紅麗靜艷蘭鳳潔穎傑濤剛輝鵬東飛軒詩歡陽凱榮慶貴鴻曉悅",
)))

#: Same-sounding characters a clerk types from pinyin (黄/王 is the Wuhan classic).
HOMOPHONES = dict(zip(
    "张刘杨黄徐周吴林伟丽静燕娟霞兰洁梅琳婷颖慧晶玲芳英萍杰涛斌超刚辉鹏磊勇峰建宇浩俊鑫成东飞龙文志轩睿欣怡晨阳佳思雨瑞凯健新德金荣祥福贵兵正鸿晓倩琪悦彤萱妍",
    "章柳阳王许邹伍凌炜莉婧艳鹃侠岚杰玫林庭莹惠菁灵方瑛平洁韬彬朝钢晖朋垒涌锋健雨昊骏新诚冬菲隆雯智宣瑞馨宜辰洋家丝宇睿铠建鑫得锦容翔富桂冰政宏筱茜琦月桐宣研",
))

#: Look-alike characters (a typo when copying from paper).
LOOKALIKES = dict(zip("王田天大人日林宇玲婷娟峰刚俊浩杨明清晴辉", "玉由夫太入曰材字铃停涓锋岗浚皓扬朋请睛晖"))


def draw_given(rng: np.random.Generator, male: np.ndarray) -> list[str]:
    """One or two given-name characters, by gender."""
    n = len(male)
    two = rng.random(n) < 0.78
    m1 = rng.integers(0, len(MALE_CHARS), n)
    m2 = rng.integers(0, len(MALE_CHARS), n)
    f1 = rng.integers(0, len(FEMALE_CHARS), n)
    f2 = rng.integers(0, len(FEMALE_CHARS), n)
    out = []
    for i in range(n):
        chars = MALE_CHARS if male[i] else FEMALE_CHARS
        a, b = (m1[i], m2[i]) if male[i] else (f1[i], f2[i])
        out.append(chars[a] + chars[b] if two[i] else chars[a])
    return out


def to_traditional(name: str) -> str | None:
    """The name in traditional characters, or None when it has no character that changes."""
    converted = name.translate(TRADITIONAL)
    return converted if converted != name else None


def homophone(name: str, pick: int) -> str | None:
    """One character replaced by a same-sounding one, or None when none has a homophone here."""
    spots = [i for i, c in enumerate(name) if c in HOMOPHONES]
    if not spots:
        return None
    i = spots[pick % len(spots)]
    return name[:i] + HOMOPHONES[name[i]] + name[i + 1:]


def typo(name: str, pick: int) -> str:
    """One given-name character replaced by a look-alike or, failing that, by another common one."""
    spots = [i for i, c in enumerate(name) if i > 0 and c in LOOKALIKES]
    if spots:
        i = spots[pick % len(spots)]
        return name[:i] + LOOKALIKES[name[i]] + name[i + 1:]
    i = len(name) - 1
    pool = MALE_CHARS + FEMALE_CHARS
    new = pool[pick % len(pool)]
    if new == name[i]:
        new = pool[(pick + 1) % len(pool)]
    return name[:i] + new
