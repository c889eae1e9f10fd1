"""Issuing, verifying and revoking credit reports: the register behind every report.

``issue_report`` checks who may have which report, builds the content (``content``), renders
(``pdf``) and signs it (``signing``), keeps it in the register with its SHA-256 and writes one
audit entry; a natural person's report also writes the ``person.read`` entry the person is
shown. Errors are ``ReportError`` with a Chinese message naming the field and the value.
"""

from __future__ import annotations

import hashlib
import secrets
import string
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.audit.log import Actor, record_event
from xinyong.catalog.registry import Catalog
from xinyong.clock import utcnow
from xinyong.permissions import Principal, authorize
from xinyong.reports.content import Scope, general_sections, special_sections, subject_facts
from xinyong.reports.domains import DomainError, domain_book
from xinyong.reports.models import REPORT_KINDS, CreditReport
from xinyong.reports.pdf import render_pdf
from xinyong.reports.signing import sign_pdf
from xinyong.settings import get_settings
from xinyong.subjects.models import Subject
from xinyong.subjects.service import NATURAL_PERSON, find_subject, subject_ref

CODE_ALPHABET = string.digits + string.ascii_uppercase
VERIFY_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CHINA = timedelta(hours=8)
TITLES = {
    "organisation": "法人和非法人组织公共信用信息报告",
    "person": "自然人公共信用信息报告",
    "special": "专项信用报告（代替无违法违规证明）",
}
KIND_LABELS = {
    "organisation": "法人和非法人组织报告",
    "person": "自然人报告",
    "special": "专项信用报告",
}
LEVEL_NOTES = {
    "public": "本报告仅包含依法向社会公开、且在公示期内的信息。",
    "government": (
        "本报告为政务共享版，包含按资源目录共享规则可供出具部门查看的信息，"
        "仅限政务使用，不得向社会公开。"
    ),
    "own": "本报告仅向信息主体本人出具，身份证件号码已作遮蔽处理。",
}


class ReportError(ValueError):
    """A report cannot be issued or changed as asked; the message is in Chinese."""


@dataclass
class ReportRequest:
    kind: str  # organisation / person / special
    code: str  # the subject: USCC, or the person's resident ID
    purpose: str
    content: str = "public"  # organisation reports: public / government
    domains: list[str] = field(default_factory=list)
    years: int | None = None  # special reports: 1..max_years
    identity_name: str | None = None  # person reports: the name on the ID card checked
    identity_checked: bool = False
    agent: str | None = None  # who asked for the subject (经办人 / 代理人)


def new_number(now: datetime) -> str:
    """14 digits of the issue time (Beijing) and 8 random characters: 22 in all."""
    stamp = (now + CHINA).strftime("%Y%m%d%H%M%S")
    return stamp + "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def pdf_url(number: str, code: str) -> str:
    return f"{get_settings().public_url}/reports/{number}/pdf?{urlencode({'code': code})}"


def verify_url(number: str, code: str) -> str:
    query = urlencode({"number": number, "code": code})
    return f"{get_settings().public_url}/reports/verify?{query}"


def _subject(session: Session, code: str) -> Subject:
    subject = find_subject(session, code) if code.strip() else None
    if subject is None:
        raise ReportError(f"主体代码（code）“{code}”：未找到该主体")
    return subject


def _period(today: date, years: int | None, max_years: int) -> tuple[date, date]:
    if years is None or not 1 <= years <= max_years:
        raise ReportError(f"期间（years）“{years}”无效：应为 1 至 {max_years} 年")
    try:
        start = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        start = today.replace(year=today.year - years, day=28)
    return start + timedelta(days=1), today


def _authorize_and_scope(
    session: Session, actor: Actor, request: ReportRequest, today: date
) -> Scope:
    if request.kind not in REPORT_KINDS:
        raise ReportError(f"报告类型（kind）“{request.kind}”无效：应为 {'、'.join(REPORT_KINDS)}")
    subject = _subject(session, request.code)
    person = subject.kind == NATURAL_PERSON
    reader = actor if isinstance(actor, Principal) else None
    if request.kind == "organisation":
        if person:
            raise ReportError("主体代码（code）是自然人：自然人报告请选择类型 person，仅向本人出具")
        if request.content not in ("public", "government"):
            raise ReportError(
                f"内容范围（content）“{request.content}”无效：应为 public 或 government"
            )
        authorize(actor, "report.issue" if request.content == "government" else "report.public")
        return Scope("organisation", request.content, subject, today, reader)
    if request.kind == "person":
        authorize(actor, "report.person")
        if not person:
            raise ReportError("自然人报告的主体代码（code）须为本人的居民身份证号码")
        if not request.identity_checked:
            raise ReportError(
                "自然人报告仅向本人出具：须当面核验本人居民身份证件（identity_checked）"
            )
        if (request.identity_name or "").strip() != subject.name:
            raise ReportError(
                f"姓名（identity_name）“{request.identity_name or ''}”与该身份证号码登记的姓名不符"
            )
        return Scope("person", "own", subject, today, reader)
    authorize(actor, "report.special")
    if person:
        raise ReportError("专项信用报告面向法人和非法人组织：主体代码（code）是自然人")
    book = domain_book()
    if not request.domains:
        raise ReportError("领域（domains）不能为空：请选择至少一个信用代证领域")
    try:
        domains = [book.domain(code) for code in dict.fromkeys(request.domains)]
    except DomainError as exc:
        raise ReportError(str(exc)) from exc
    for domain in domains:
        if not domain.applies_on(today):
            raise ReportError(f"领域（domains）“{domain.code}”自 {domain.since} 起适用，今天不可选")
    period = _period(today, request.years, book.max_years)
    return Scope("special", "own", subject, today, reader, domains, period)


def _content(
    session: Session,
    catalog: Catalog,
    scope: Scope,
    request: ReportRequest,
    number: str,
    code: str,
    now: datetime,
) -> dict[str, Any]:
    settings = get_settings()
    book = domain_book()
    platform = f"{settings.city_name}公共信用信息平台"
    url = verify_url(number, code)
    purpose = request.purpose.strip()
    extra: list[tuple[str, str]] = []
    notes = [
        f"信息截止日期：{scope.as_of.isoformat()}。{LEVEL_NOTES[scope.level]}",
        "已修复的失信信息标注“已修复”；公示期届满、被撤销或撤回的信息按规定不再展示；异议处理中的信息予以标注。",
    ]
    if scope.kind == "special":
        assert scope.period is not None
        sections = special_sections(session, catalog, scope, book)
        extra = [
            ("信用代证领域", "、".join(d.name for d in scope.domains)),
            ("统计期间", f"{scope.period[0].isoformat()} 至 {scope.period[1].isoformat()}"),
        ]
        notes.append(
            f"本报告内容依据{book.basis_minimum}；统计期间内所选领域无记录的，该部分为“无”。"
        )
        notes += [f"{d.name}领域：{d.basis}（自 {d.since.isoformat()} 起）" for d in scope.domains]
    else:
        sections = general_sections(session, catalog, scope, book)
    if scope.kind == "person":
        extra.append(("身份核验", "已当面核验本人居民身份证件"))
    if request.agent:
        extra.append(("经办人", request.agent.strip()))
    notes.append(
        f"本报告由{platform}以数字签名（PAdES）签署，任何 PDF 阅读器均可查看签名；"
        f"扫描二维码或访问 {settings.public_url}/reports/verify 输入报告编号和验证码核验真伪。"
    )
    return {
        "kind": scope.kind,
        "title": TITLES[scope.kind],
        "number": number,
        "verification_code": code,
        "issued_at": (now + CHINA).strftime("%Y-%m-%d %H:%M:%S（北京时间）"),
        "platform": platform,
        "purpose": purpose,
        "watermark": f"仅供{purpose[:20]}使用",
        "verify_url": url,
        "qr_url": url,
        "extra_facts": extra,
        "facts": subject_facts(session, scope.subject),
        "sections": sections,
        "notes": notes,
    }


def issue_report(
    session: Session, actor: Actor, request: ReportRequest, catalog: Catalog, today: date
) -> tuple[CreditReport, dict[str, Any]]:
    """Issue, sign and register one report; returns the register row and the content."""
    purpose = request.purpose.strip()
    if not purpose or len(purpose) > 100:
        raise ReportError(f"查询用途（purpose）“{purpose}”无效：须填写，且不超过 100 字")
    for name, label, value in (
        ("purpose", "查询用途", purpose),
        ("agent", "经办人", request.agent or ""),
        ("identity_name", "姓名", request.identity_name or ""),
    ):
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
            raise ReportError(f"{label}（{name}）“{value!r}”无效：含有不可见的控制字符")
    scope = _authorize_and_scope(session, actor, request, today)
    now = utcnow().replace(microsecond=0)
    number = new_number(now)
    code = "".join(secrets.choice(VERIFY_CODE_ALPHABET) for _ in range(8))
    content = _content(session, catalog, scope, request, number, code, now)
    signed = sign_pdf(render_pdf(content), number, now)
    subject = scope.subject
    facts = dict((a, b) for a, b in content["facts"])
    report = CreditReport(
        number=number,
        verification_code=code,
        kind=scope.kind,
        content_level=scope.level,
        subject_id=subject.id,
        subject_name=subject.name,
        subject_code=facts.get("统一社会信用代码") or facts.get("身份证号码") or "",
        purpose=purpose,
        requester=actor.name,
        requester_note=(request.agent or "").strip()[:200] or None,
        domains=[d.code for d in scope.domains] or None,
        period_from=scope.period[0] if scope.period else None,
        period_to=scope.period[1] if scope.period else None,
        as_of=today,
        issued_at=now,
        sha256=hashlib.sha256(signed).hexdigest(),
        counts={s["name"]: s["count"] for s in content["sections"]},
        content=content,
        pdf=signed,
    )
    session.add(report)
    if scope.kind == "person":
        record_event(
            session, actor, "person.read", "subject", subject_ref(subject), purpose=purpose
        )
    detail: dict[str, Any] = {"kind": scope.kind, "content": scope.level, "sha256": report.sha256}
    if scope.period:
        detail |= {
            "domains": report.domains,
            "from": str(scope.period[0]),
            "to": str(scope.period[1]),
        }
    record_event(session, actor, "report.issue", "credit_report", number, purpose, detail)
    session.flush()
    return report, content


def _by_number(session: Session, number: str) -> CreditReport | None:
    return session.execute(
        select(CreditReport).where(CreditReport.number == number.strip().upper())
    ).scalar_one_or_none()


def verify_report(session: Session, number: str, code: str) -> dict[str, Any]:
    """valid / revoked / unknown, with the issue time, subject, kind and SHA-256; a wrong
    verification code answers as an unknown number does."""
    report = _by_number(session, number) if number.strip() else None
    if report is None or not secrets.compare_digest(report.verification_code, code.strip().upper()):
        return {
            "status": "unknown",
            "number": number.strip(),
            "message": "未找到该报告编号或验证码不符",
        }
    status = "revoked" if report.revoked_at else "valid"
    return {
        "status": status,
        "message": "报告已撤销" if report.revoked_at else "报告真实有效",
        "number": report.number,
        "kind": report.kind,
        "kind_label": KIND_LABELS[report.kind],
        "issued_at": report.issued_at + CHINA,
        "subject_name": report.subject_name,
        "subject_code": report.subject_code,
        "sha256": report.sha256,
        "revoked_at": report.revoked_at + CHINA if report.revoked_at else None,
        "revoke_reason": report.revoke_reason,
    }


def report_pdf(session: Session, number: str, code: str) -> CreditReport | None:
    """The register row, for downloading its PDF with the verification code."""
    found = verify_report(session, number, code)
    return _by_number(session, number) if found["status"] != "unknown" else None


def revoke_report(session: Session, actor: Actor, number: str, reason: str) -> CreditReport:
    authorize(actor, "report.revoke")
    report = _by_number(session, number)
    if report is None:
        raise ReportError(f"报告编号（number）“{number}”：未找到该报告")
    if report.revoked_at is not None:
        raise ReportError(
            f"报告编号（number）“{number}”：该报告已于 {report.revoked_at + CHINA} 撤销"
        )
    if not reason.strip():
        raise ReportError("撤销原因（reason）不能为空")
    report.revoked_at = utcnow().replace(microsecond=0)
    report.revoked_by = actor.name
    report.revoke_reason = reason.strip()
    record_event(
        session,
        actor,
        "report.revoke",
        "credit_report",
        report.number,
        None,
        {"reason": reason.strip()},
    )
    return report


def register(session: Session, limit: int = 50) -> list[CreditReport]:
    return list(
        session.execute(
            select(CreditReport)
            .order_by(CreditReport.issued_at.desc(), CreditReport.id.desc())
            .limit(limit)
        ).scalars()
    )


def statistics(session: Session) -> dict[str, Any]:
    """Reports issued by kind and content, and how many were revoked."""
    rows = session.execute(
        select(
            CreditReport.kind,
            CreditReport.content_level,
            func.count(),
            func.count(CreditReport.revoked_at),
        ).group_by(CreditReport.kind, CreditReport.content_level)
    ).all()
    by_kind: dict[str, int] = {}
    by_content: dict[str, int] = {}
    revoked = 0
    for kind, level, n, gone in rows:
        by_kind[kind] = by_kind.get(kind, 0) + int(n)
        by_content[level] = by_content.get(level, 0) + int(n)
        revoked += int(gone)
    return {
        "total": sum(by_kind.values()),
        "revoked": revoked,
        "by_kind": by_kind,
        "by_content": by_content,
    }
