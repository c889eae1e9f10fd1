"""Record values for each catalog item, as a department would send them (already clean)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from xinyong.demo import vocabulary as v
from xinyong.publicity.periods import add_months


@dataclass(frozen=True)
class DemoSubject:
    kind: str
    name: str
    uscc: str | None
    resident_id: str | None
    legal_rep: str | None
    legal_rep_id: str | None
    address: str | None
    registration_number: str | None = None


@dataclass(frozen=True)
class DemoDepartment:
    uscc: str
    name: str
    prefix: str  # short name used in document numbers, e.g. 示市监
    kind: str  # e.g. 税务局


def counterparty_category(s: DemoSubject) -> str:
    if s.kind == "natural_person":
        return "自然人"
    return "个体工商户" if s.kind == "individual_business" else "法人及非法人组织"


def counterparty(prefix: str, s: DemoSubject) -> dict[str, Any]:
    values: dict[str, Any] = {
        f"{prefix}_XDR_MC": s.name,
        f"{prefix}_XDR_LB": counterparty_category(s),
    }
    if s.uscc:
        values[f"{prefix}_XDR_SHXYM"] = s.uscc
    if s.kind == "natural_person":
        values[f"{prefix}_XDR_ZJLX"] = "身份证"
        values[f"{prefix}_XDR_ZJHM"] = s.resident_id
    elif s.legal_rep:
        values[f"{prefix}_FRDB"] = s.legal_rep
        if s.legal_rep_id and s.kind != "individual_business":
            values[f"{prefix}_FR_ZJLX"] = "身份证"
            values[f"{prefix}_FR_ZJHM"] = s.legal_rep_id
    return values


def any_subject(prefix: str, s: DemoSubject) -> dict[str, Any]:
    values: dict[str, Any] = {f"{prefix}_MC": s.name, f"{prefix}_LB": counterparty_category(s)}
    if s.uscc:
        values[f"{prefix}_SHXYM"] = s.uscc
    if s.resident_id:
        values[f"{prefix}_ZJHM"] = s.resident_id
    return values


def source(prefix: str, d: DemoDepartment) -> dict[str, Any]:
    return {f"{prefix}_SJLY": d.name, f"{prefix}_SJLYDM": d.uscc}


def doc_number(rng: random.Random, d: DemoDepartment, kind: str, decided: date) -> str:
    return f"{d.prefix}{kind}〔{decided.year}〕{rng.randrange(1, 9999)}号"


PENALTY_CASES = (
    # (weight, categories, violation, fine range in yuan or None)
    (30, ["罚款"], "未按规定明码标价", (2000, 50000)),
    (12, ["警告"], "未按规定公示营业执照", None),
    (8, ["警告", "罚款"], "未取得许可从事经营活动", (5000, 100000)),
    (10, ["罚款", "没收违法所得"], "销售不合格产品", (10000, 300000)),
    (8, ["罚款"], "超标排放大气污染物", (20000, 800000)),
    (6, ["罚款"], "未按规定开展安全生产教育培训", (10000, 200000)),
    (4, ["责令停产停业", "罚款"], "重大事故隐患未整改", (100000, 1500000)),
    (3, ["吊销许可证件"], "以欺骗手段取得许可", None),
    (5, ["通报批评"], "未按规定报送统计资料", None),
    (4, ["罚款"], "逾期未申报纳税", (200, 2000)),
    (3, ["罚款"], "违法建设", (50000, 2500000)),
)


def penalty(rng: random.Random, s: DemoSubject, d: DemoDepartment, decided: date) -> dict[str, Any]:
    _, categories, violation, fine = rng.choices(PENALTY_CASES, [c[0] for c in PENALTY_CASES])[0]
    values = counterparty("CF", s) | source("CF", d)
    content = "、".join(categories)
    if fine:
        yuan = rng.randrange(fine[0] // 100, fine[1] // 100) * 100
        values["CF_NR_FK"] = f"{yuan / 10000:.4f}".rstrip("0").rstrip(".")
        content = content.replace("罚款", f"罚款人民币{yuan}元")
    if "没收违法所得" in categories:
        values["CF_NR_WFFF"] = f"{rng.randrange(1, 500) / 100:.2f}"
    values.update(
        CF_WSH=doc_number(rng, d, "罚", decided),
        CF_WFXW=violation,
        CF_SY=f"经查，当事人存在{violation}的违法行为。",
        CF_YJ="《中华人民共和国行政处罚法》及相关法律法规",
        CF_CFLB=categories,
        CF_NR=content,
        CF_JDRQ=decided.isoformat(),
        CF_YXQ=add_months(decided, 6).isoformat(),
        CF_CFJG=d.name,
        CF_CFJGDM=d.uscc,
    )
    return values


LICENSES = (
    ("食品经营许可证", "普通"),
    ("排污许可证", "普通"),
    ("建筑业企业资质证书", "认可"),
    ("道路运输经营许可证", "特许"),
    ("药品经营许可证", "普通"),
    ("营业执照", "登记"),
)


def license_(
    rng: random.Random, s: DemoSubject, d: DemoDepartment, decided: date
) -> dict[str, Any]:
    title, category = rng.choice(LICENSES)
    valid_years = rng.choice((3, 5, 5, 0))
    valid_to = (
        "2099-12-31" if valid_years == 0 else add_months(decided, 12 * valid_years).isoformat()
    )
    return (
        counterparty("XK", s)
        | source("XK", d)
        | {
            "XK_XKWS": f"准予{title}行政许可决定书",
            "XK_WSH": doc_number(rng, d, "许", decided),
            "XK_XKLB": category,
            "XK_XKZS": title,
            "XK_XKBH": f"XK{decided:%Y}{rng.randrange(10**7):07d}",
            "XK_NR": f"准予核发{title}",
            "XK_JDRQ": decided.isoformat(),
            "XK_YXQZ": decided.isoformat(),
            "XK_YXQZI": valid_to,
            "XK_XKJG": d.name,
            "XK_XKJGDM": d.uscc,
            "XK_ZT": "有效",
        }
    )


def industry_for(s: DemoSubject) -> str:
    """A GB/T 4754 class fitting the subject's kind, chosen by its code (the random stream that
    makes the rest of the city stays the same)."""
    codes = v.INDUSTRY_CODES.get(s.kind, ("S9620",))
    return codes[sum(map(ord, s.uscc or s.name)) % len(codes)]


def registration(
    rng: random.Random, s: DemoSubject, d: DemoDepartment, decided: date
) -> dict[str, Any]:
    kinds = {
        "enterprise": "有限责任公司",
        "individual_business": "个体工商户",
        "farmer_cooperative": "农民专业合作社",
        "public_institution": "事业单位",
        "social_organization": "社会组织",
        "collective_economic_org": "农村集体经济组织",
        "government_body": "机关",
    }
    return {
        "DJ_MC": s.name,
        "DJ_SHXYM": s.uscc,
        "DJ_ZCH": s.registration_number,
        "DJ_ZTLX": "有限合伙企业"
        if s.name.endswith("（有限合伙）")
        else kinds.get(s.kind, "其他组织"),
        "DJ_FDDBR": s.legal_rep,
        "DJ_ZCZB": str(rng.choice((10, 50, 100, 200, 500, 1000, 3000))),
        "DJ_HYDM": industry_for(s),
        "DJ_CLRQ": decided.isoformat(),
        "DJ_JYFW": "一般项目：依法须经批准的项目，经相关部门批准后方可开展经营活动。",
        "DJ_ZS": s.address,
        "DJ_DJJG": d.name,
        "DJ_DJZT": "存续",
    } | source("DJ", d)


BLACK_LIST_TYPES = {
    "税务局": "重大税收违法失信主体",
    "人力资源和社会保障局": "拖欠农民工工资失信联合惩戒对象",
    "应急管理局": "安全生产严重失信主体",
    "市场监督管理局": "严重违法失信企业名单",
}


def black_list(
    rng: random.Random, s: DemoSubject, d: DemoDepartment, decided: date
) -> dict[str, Any]:
    return (
        any_subject("HM", s)
        | source("HM", d)
        | {
            "HM_MDLX": BLACK_LIST_TYPES.get(d.kind, "其他"),
            "HM_RDWH": doc_number(rng, d, "失信认", decided),
            "HM_RDYY": "存在严重失信行为，经认定列入严重失信主体名单",
            "HM_RDYJ": "《国务院办公厅关于进一步完善失信约束制度构建诚信建设长效机制的指导意见》",
            "HM_RDJG": d.name,
            "HM_RDJGDM": d.uscc,
            "HM_RDRQ": decided.isoformat(),
            "HM_YXQZ": add_months(decided, rng.choice((12, 24, 36))).isoformat(),
        }
    )


RED_LIST_BASIS = (
    "《国务院关于建立完善守信联合激励和失信联合惩戒制度加快推进社会诚信建设的指导意见》"
)


def red_list(
    rng: random.Random, s: DemoSubject, d: DemoDepartment, decided: date
) -> dict[str, Any]:
    return (
        any_subject("HB", s)
        | source("HB", d)
        | {
            "HB_MDLX": rng.choice(("A级纳税人", "守合同重信用企业", "诚信示范企业")),
            "HB_RDWH": doc_number(rng, d, "信认", decided),
            "HB_RDYJ": RED_LIST_BASIS,
            "HB_RDJG": d.name,
            "HB_RDJGDM": d.uscc,
            "HB_RDRQ": decided.isoformat(),
            "HB_YXQZ": add_months(decided, 24).isoformat(),
        }
    )


def abnormal(
    rng: random.Random, s: DemoSubject, d: DemoDepartment, decided: date
) -> dict[str, Any]:
    return (
        {"YC_MC": s.name, "YC_SHXYM": s.uscc}
        | source("YC", d)
        | {
            "YC_LRWH": doc_number(rng, d, "异", decided),
            "YC_LRYY": rng.choice(("未按规定报送年度报告", "通过登记的住所或者经营场所无法联系")),
            "YC_LRRQ": decided.isoformat(),
            "YC_ZCJG": d.name,
        }
    )


def tax_grade(
    rng: random.Random, s: DemoSubject, d: DemoDepartment, decided: date
) -> dict[str, Any]:
    grade = rng.choices("ABMCD", (20, 50, 15, 10, 5))[0]
    return (
        {"NS_MC": s.name, "NS_SHXYM": s.uscc}
        | source("NS", d)
        | {
            "NS_ND": str(decided.year - 1),
            "NS_DJ": grade,
            "NS_PDRQ": decided.isoformat(),
            "NS_PJJG": d.name,
        }
    )


def commitment(
    rng: random.Random, s: DemoSubject, d: DemoDepartment, decided: date
) -> dict[str, Any]:
    kind = rng.choice(("审批替代型", "容缺受理型", "证明事项型", "主动型"))
    return {
        "CN_BM": f"440500{decided:%Y%m%d}{rng.randrange(10**6):06d}",
        "CN_RLB": counterparty_category(s) if s.kind != "individual_business" else "个体工商户",
        "CN_RMC": s.name,
        "CN_RDM": s.uscc or s.resident_id,
        "CN_LX": kind,
        "CN_SY": "办理行政许可事项",
        "CN_NR": "本单位承诺所提交材料真实有效，并依法依规开展经营活动。",
        "CN_WNZR": "如违反承诺，愿意承担相应法律责任，并接受失信惩戒。",
        "CN_RQ": decided.isoformat(),
        "CN_YXQ": add_months(decided, 12).isoformat(),
        "CN_SLDW": d.name,
        "CN_SLDWDM": d.uscc,
        "CN_LXZT": "全部履行",
        "CN_GKLX": "可向社会公开",
    }


def honour(rng: random.Random, s: DemoSubject, d: DemoDepartment, decided: date) -> dict[str, Any]:
    return (
        any_subject("RY", s)
        | source("RY", d)
        | {
            "RY_RYMC": rng.choice(("守合同重信用企业", "诚信经营示范单位", "文明诚信商户")),
            "RY_JB": rng.choice(("市级", "省级", "区县级")),
            "RY_WH": doc_number(rng, d, "荣", decided),
            "RY_SYJG": d.name,
            "RY_SYRQ": decided.isoformat(),
        }
    )


def judgment_debtor(
    rng: random.Random, s: DemoSubject, d: DemoDepartment, decided: date
) -> dict[str, Any]:
    filed = decided - timedelta(days=rng.randrange(60, 400))
    return (
        any_subject("SX", s)
        | source("SX", d)
        | {
            "SX_FDDBR": s.legal_rep,
            "SX_AH": f"（{filed.year}）粤05执{rng.randrange(1, 3000)}号",
            "SX_ZXFY": d.name,
            "SX_YJWH": f"（{filed.year - 1}）粤05民初{rng.randrange(1, 3000)}号",
            "SX_ZCDW": d.name,
            "SX_YW": "支付货款及利息",
            "SX_LXQK": rng.choice(("全部未履行", "部分未履行")),
            "SX_QX": "有履行能力而拒不履行生效法律文书确定义务",
            "SX_LARQ": filed.isoformat(),
            "SX_FBRQ": decided.isoformat(),
            "SX_YXQZ": add_months(decided, 24).isoformat(),
        }
    )


def inspection(
    rng: random.Random, s: DemoSubject, d: DemoDepartment, decided: date
) -> dict[str, Any]:
    return (
        counterparty("JC", s)
        | source("JC", d)
        | {
            "JC_WSH": doc_number(rng, d, "检", decided),
            "JC_LB": rng.choice(("双随机抽查", "日常检查", "专项检查")),
            "JC_NR": "经营资质、安全生产及信息公示情况",
            "JC_JGQK": rng.choices(("未发现问题", "发现问题已责令改正"), (85, 15))[0],
            "JC_JDRQ": decided.isoformat(),
            "JC_JG": d.name,
            "JC_JGDM": d.uscc,
        }
    )


def social_insurance(
    rng: random.Random, s: DemoSubject, d: DemoDepartment, decided: date
) -> dict[str, Any]:
    return (
        {"SB_MC": s.name, "SB_SHXYM": s.uscc}
        | source("SB", d)
        | {
            "SB_WSH": doc_number(rng, d, "社保限缴", decided),
            "SB_XZ": ["基本养老保险", "失业保险"],
            "SB_QJJE": f"{rng.randrange(5, 800) / 100:.2f}",
            "SB_QJQJ": f"{decided.year}年1月至{decided.month}月",
            "SB_RDRQ": decided.isoformat(),
        }
    )


def housing_fund(
    rng: random.Random, s: DemoSubject, d: DemoDepartment, decided: date
) -> dict[str, Any]:
    status = rng.choices(("正常缴存", "欠缴"), (80, 20))[0]
    values = {
        "GJJ_MC": s.name,
        "GJJ_SHXYM": s.uscc,
        "GJJ_JCZT": status,
        "GJJ_TJRQ": decided.replace(day=1).isoformat(),
    } | source("GJJ", d)
    if status == "欠缴":
        values |= {
            "GJJ_QJJE": f"{rng.randrange(1, 300) / 100:.2f}",
            "GJJ_QJYS": str(rng.randrange(1, 12)),
        }
    return values


def utility(rng: random.Random, s: DemoSubject, d: DemoDepartment, decided: date) -> dict[str, Any]:
    return (
        {"GY_MC": s.name, "GY_SHXYM": s.uscc}
        | source("GY", d)
        | {
            "GY_HH": f"{rng.randrange(10**9):09d}",
            "GY_LX": rng.choice(("水费", "电费", "燃气费")),
            "GY_QFJE": f"{rng.randrange(500, 200000) / 100:.2f}",
            "GY_QFQSRQ": (decided - timedelta(days=rng.randrange(60, 300))).isoformat(),
            "GY_CJRQ": decided.isoformat(),
            "GY_GYDW": d.name,
        }
    )


def _other_admin(prefix: str, doc: str, category: str, content: str) -> Builder:
    def build(
        rng: random.Random, s: DemoSubject, d: DemoDepartment, decided: date
    ) -> dict[str, Any]:
        values = (
            counterparty(prefix, s)
            | source(prefix, d)
            | {
                f"{prefix}_WSH": doc_number(rng, d, doc, decided),
                f"{prefix}_LB": category,
                f"{prefix}_NR": content,
                f"{prefix}_JDRQ": decided.isoformat(),
                f"{prefix}_JG": d.name,
                f"{prefix}_JGDM": d.uscc,
            }
        )
        if prefix in ("ZS", "GF"):
            values[f"{prefix}_JE"] = f"{rng.randrange(1, 500) / 100:.2f}"
        return values

    return build


Builder = Callable[[random.Random, DemoSubject, DemoDepartment, date], dict[str, Any]]

BUILDERS: dict[str, Builder] = {
    "admin_enforcement": _other_admin("QZ", "强", "扣押财物", "扣押涉案物品一批"),
    "admin_confirmation": _other_admin("QR", "确", "资质确认", "确认建筑施工企业安全生产条件"),
    "admin_levy": _other_admin("ZS", "征", "行政事业性收费", "征收城市道路占用挖掘修复费"),
    "admin_benefit": _other_admin("GF", "给", "补助补贴", "发放稳岗补贴"),
    "admin_penalty": penalty,
    "admin_license": license_,
    "registration_basics": registration,
    "black_list": black_list,
    "red_list": red_list,
    "abnormal_operation": abnormal,
    "tax_credit_grade": tax_grade,
    "commitment": commitment,
    "integrity_honour": honour,
    "dishonest_judgment_debtor": judgment_debtor,
    "admin_inspection": inspection,
    "social_insurance_arrears": social_insurance,
    "housing_fund": housing_fund,
    "utility_arrears": utility,
}
