"""Valid identifiers for the security tests, made with the standards' own check digits."""

from __future__ import annotations

from stdnum.cn import ric, uscc

from citylake.standards.identifiers import luhn_ok


def citizen_id(birth: str = "19900307", seq: str = "123", place: str = "420102") -> str:
    body = place + birth + seq
    return body + ric.calc_check_digit(body + "0")


def credit_code(body: str = "91420100MA4K00001") -> str:
    return body + uscc.calc_check_digit(body)


def bank_card(body: str = "622202123456789012") -> str:
    for d in "0123456789":
        if luhn_ok(body + d):
            return body + d
    raise AssertionError("no Luhn digit")


CITIZEN_IDS = [citizen_id(f"19{y:02d}0{m}1{d}", f"{s:03d}") for y, m, d, s in
               [(50, 1, 2, 11), (61, 3, 5, 22), (72, 5, 7, 33), (83, 7, 1, 44), (94, 9, 3, 55), (88, 2, 8, 66)]]
PHONES = ["13812345678", "15900001111", "18627182818", "17700000000", "13500135000", "19912345678"]
NAMES = ["张伟", "王芳", "李娜", "刘洋", "陈静", "欧阳娜娜", "杨磊", "黄丽", "赵强", "吴敏"]
ADDRESSES = ["湖北省武汉市江岸区解放大道1号", "武汉市武昌区中北路12号3栋501室", "湖北省武汉市汉阳区钟家村街道龙阳大道88号",
             "武汉市江汉区新华路218号", "湖北省武汉市洪山区珞喻路1037号", "武汉市硚口区解放大道558号2单元"]
