"""Room-temperature rules of the cities in ../shared/DOMAIN-2.md §3.1, as data with their sources: what a
company copies into its own `QualityRule` (with its own effective dates) — `city_rules_seed(city, …)`.

Bands are degrees below the standard (see `QualityRule`): `to` is the band's upper edge in ℃ below standard
(null: no limit), `pct` the share of that day's fee refunded. UPPER edge: "16–18 ℃" includes 16.0 (2.0 below
an 18 ℃ standard is still the first band); LOWER edge (Beijing's "below 2 ℃ / 2–4 ℃ / 4 ℃ and more"): 2.0
below is already the second band.

⚠ Most sources are press or secondary texts (DOMAIN-2 §3.1): a company checks its own city's current text
before relying on a template."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from .models import QualityRule

FeeBase = QualityRule.FeeBase
BandEdge = QualityRule.BandEdge


def _bands(*pairs: tuple[str | None, str]) -> list[dict]:
    return [{"to": to, "pct": pct} for to, pct in pairs]


# Keyed by a stable code (the GraphQL `city` of a template is the Chinese name).
CITY_RULES: dict[str, dict] = {
    "beijing": {
        "name": "北京市供热采暖合同（示范文本）室温不达标退费",
        "city": "北京",
        "standard_temp": Decimal("18.0"),
        # model contract (2016 text): <2 ℃ below → 40 %, 2–4 ℃ → 60 %, ≥4 ℃ → 100 %
        "bands": _bands(("2", "40"), ("4", "60"), (None, "100")),
        "band_edge": BandEdge.LOWER,
        # refund = 日热费单价 × area of the non-compliant rooms × days × ratio
        "fee_base": FeeBase.AFFECTED_AREA,
        "response_hours": 24,
        "grace_hours": 48,
        "min_points": 1,
        "height_m": Decimal("1.4"),
        "procedure": "卧室、起居室室温不低于18℃；按不达标房间面积计算退费；"
                     "有争议的由具备资质的第三方检测（管理办法第14条）。",
        "refund_deadline": "",
        "source": "http://big5.chinataiwan.cn/gate/big5/econ.taiwan.cn/qyjj/201612/t20161208_11646803_4.htm ; "
                  "http://www.zsktwj.com/ms/633368.html",
    },
    "tianjin": {
        "name": "天津市供热用热条例",
        "city": "天津",
        "standard_temp": Decimal("18.0"),
        # ≤2 ℃ below → 10 %, 2–6 ℃ → 50 %, >6 ℃ → 100 %
        "bands": _bands(("2", "10"), ("6", "50"), (None, "100")),
        "band_edge": BandEdge.UPPER,
        "fee_base": FeeBase.FULL,
        "response_hours": 24,
        "grace_hours": 24,  # below 18 ℃ and not fixed within 24 h → refund
        "min_points": 1,
        "height_m": Decimal("1.0"),
        "procedure": "关闭门窗，在房间中心（对角线交点）距地面1米以上测量，人员距测温仪1米以上，稳定约1分钟后读数；"
                     "住户私改管道、遮挡散热器、私放暖气水的不予退费。",
        "refund_deadline": "",
        "source": "http://caolvse.com/d/2004022.html ; http://cch-ath.cn/html/guanshang/6228.html ; "
                  "http://cqhongluan.cn/news/168132.html",
    },
    "harbin": {
        "name": "黑龙江省城市供热条例（2021年修订）",
        "city": "哈尔滨",
        "standard_temp": Decimal("20.0"),
        # 18–20 ℃ → 10 %, 16–18 → 30 %, 14–16 → 50 %, <14 → 100 %
        "bands": _bands(("2", "10"), ("4", "30"), ("6", "50"), (None, "100")),
        "band_edge": BandEdge.UPPER,
        "fee_base": FeeBase.FULL,
        "response_hours": 10,  # pre-2021 Harbin text: measured within 10 h of the report
        "grace_hours": 24,
        "no_measure_from": dt.time(10, 0),
        "no_measure_to": dt.time(14, 0),
        "min_points": 1,
        "height_m": Decimal("1.4"),
        "procedure": "全天室温不低于20℃；使用经检定的测温仪，避开10:00–14:00测温；测点在房间进深一半、距地面1.4米处。",
        "refund_deadline": "",
        "source": "http://epaper.hljnews.cn/hljrb/pc/con/202107/17/content_43197.html ; "
                  "https://news.zynews.cn/2012-09/17/content_3094057.htm",
    },
    "xian": {
        "name": "西安市城市供热条例（2018）",
        "city": "西安",
        "standard_temp": Decimal("18.0"),
        # 16–18 ℃ → 20 %, 14–16 → 50 %, <14 → 100 % of the fee after removing the basic fee
        "bands": _bands(("2", "20"), ("4", "50"), (None, "100")),
        "band_edge": BandEdge.UPPER,
        "fee_base": FeeBase.EXCLUDING_BASIC,
        "response_hours": 24,
        "grace_hours": 48,
        "min_points": 1,
        "height_m": Decimal("1.4"),
        "procedure": "按扣除基本热费后的热费计算退费。",
        "refund_deadline": "次年6月30日前",
        "source": "http://111bq.cn/news/shannxi/352190.html",
    },
    "jinan": {
        "name": "济南市供热服务标准",
        "city": "济南",
        "standard_temp": Decimal("18.0"),
        # 14–18 ℃ → 50 %, <14 → 100 %, only when the utility caused it
        "bands": _bands(("4", "50"), (None, "100")),
        "band_edge": BandEdge.UPPER,
        "fee_base": FeeBase.FULL,
        "response_hours": 24,
        "grace_hours": 48,
        "min_points": 1,
        "height_m": Decimal("1.4"),
        "procedure": "仅限供热单位原因造成室温不达标的情形。",
        "refund_deadline": "",
        "source": "anquan.party thread-78426（齐鲁晚报 2016-11-15）",
    },
    "linyi": {
        "name": "临沂市城市供热管理办法",
        "city": "临沂",
        "standard_temp": Decimal("18.0"),
        # 16–18 ℃ → 20 %, 14–16 → 50 %, <14 → 100 %; 日热费 = total ÷ season days
        "bands": _bands(("2", "20"), ("4", "50"), (None, "100")),
        "band_edge": BandEdge.UPPER,
        "fee_base": FeeBase.FULL,
        "response_hours": 24,
        "grace_hours": 48,
        "min_points": 1,
        "height_m": Decimal("1.4"),
        "procedure": "整改后复测；至复测达标之日的天数计入退费天数。日热费 = 采暖季热费 ÷ 采暖季天数。",
        "refund_deadline": "次年6月30日前",
        "source": "http://haioucloud.com/news/34c3f343da6e42ad38bd465c68afad55.html",
    },
}


def city_rule_template(city: str) -> QualityRule:
    """An unsaved QualityRule with the city's values (no effective dates): what the console copies from."""
    data = CITY_RULES[city]
    return QualityRule(**{k: (list(v) if k == "bands" else v) for k, v in data.items()})


def city_rule_templates() -> list[QualityRule]:
    return [city_rule_template(code) for code in CITY_RULES]


def city_rules_seed(city: str, *, effective_from: dt.date, effective_to: dt.date | None = None,
                    actor=None) -> QualityRule:
    """Create the company's rule from a city template (validated like any rule: no overlap)."""
    from .quality import rule_save

    values = {**CITY_RULES[city], "bands": [dict(b) for b in CITY_RULES[city]["bands"]],
              "effective_from": effective_from, "effective_to": effective_to}
    return rule_save(actor=actor, values=values)
