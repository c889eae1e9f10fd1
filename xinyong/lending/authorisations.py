"""A subject's authorisation of a bank to read chosen catalog items of its records, for a
limited time, revocable at any moment; the bank's reads under it, each audited.

A bank (or credit agency) reads a subject's records only here: the sharing view never shows
it a natural person (``permissions.policy.may``) nor a restricted item. A read outside the
authorisation's items, before or after its period, after its revocation, or by another
consumer is refused (403, Chinese reason) and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts.models import CONSUMER_KINDS, Consumer
from xinyong.audit.log import Actor, record_event
from xinyong.catalog.registry import Catalog
from xinyong.catalog.schema import Openness
from xinyong.clock import utcnow
from xinyong.lending.codes import lending_codes
from xinyong.lending.models import DataAuthorisation
from xinyong.permissions import PermissionDenied, Principal, authorize, owns_subject
from xinyong.permissions.policy import MARKET_CONSUMERS
from xinyong.privacy.ids import get_protector
from xinyong.records.models import Record
from xinyong.records.views import Audience, present_record
from xinyong.subjects.models import Subject
from xinyong.subjects.service import subject_ref

AUTHORISED_READ = "authorised.read"


class LendingError(ValueError):
    """A lending request that cannot be done as asked; the message is in Chinese."""


class AuthorisationNotFound(LendingError):
    """No authorisation of that number given to the caller (404)."""


def _subject_of(actor: Actor) -> int:
    if not isinstance(actor, Principal) or actor.subject_id is None:
        raise PermissionDenied("须以企业或市民本人账号登录")
    return actor.subject_id


def market_consumer(session: Session, consumer_id: int) -> Consumer:
    consumer = session.get(Consumer, consumer_id)
    if consumer is None or consumer.kind not in MARKET_CONSUMERS:
        raise LendingError(f"金融机构（编号 {consumer_id}）不存在")
    if consumer.state != "approved":
        raise LendingError(f"“{consumer.name}”尚未获准接入，不能接受授权")
    return consumer


def market_consumers(session: Session) -> list[Consumer]:
    """The banks and credit agencies a subject may authorise."""
    return list(
        session.execute(
            select(Consumer)
            .where(Consumer.kind.in_(sorted(MARKET_CONSUMERS)), Consumer.state == "approved")
            .order_by(Consumer.name)
        ).scalars()
    )


def offered_items(catalog: Catalog, subject_kind: str) -> list[Any]:
    """The catalog items a subject of ``subject_kind`` may authorise (not restricted, and
    about subjects of its kind)."""
    return [
        item
        for item in catalog.items.values()
        if item.sharing is None
        and item.openness is not Openness.restricted
        and subject_kind in {str(getattr(k, "value", k)) for k in item.subject_kinds}
    ]


def check_items(catalog: Catalog, consumer: Consumer, items: list[str]) -> list[str]:
    """The items an authorisation may name: known, not restricted, within the consumer's
    agreement."""
    chosen = sorted({i.strip() for i in items if i and i.strip()})
    if not chosen:
        raise LendingError("请至少选择一个授权查询的目录项（items）")
    for code in chosen:
        if code not in catalog.items:
            raise LendingError(f"目录项“{code}”不存在")
        item = catalog.item(code)
        if item.openness is Openness.restricted:
            raise LendingError(
                f"目录项“{item.name}”为有条件共享，不能授权{CONSUMER_KINDS[consumer.kind]}查询"
            )
        if consumer.items is not None and code not in consumer.items:
            raise LendingError(f"“{consumer.name}”的接入协议不含目录项“{item.name}”")
    return chosen


def grant(
    session: Session,
    actor: Actor,
    catalog: Catalog,
    consumer_id: int,
    items: list[str],
    days: int,
    purpose: str,
    today: date,
) -> DataAuthorisation:
    """The signed-in subject authorises a bank for ``days`` days from today (inclusive)."""
    authorize(actor, "self.authorise")
    subject_id = _subject_of(actor)
    consumer = market_consumer(session, consumer_id)
    chosen = check_items(catalog, consumer, items)
    longest = lending_codes(today).max_authorisation_days
    if not 1 <= days <= longest:
        raise LendingError(f"授权期限“{days}”天无效：应为1至{longest}天")
    if not purpose.strip():
        raise LendingError("请写明授权用途（purpose）")
    authorisation = DataAuthorisation(
        subject_id=subject_id,
        consumer_id=consumer.id,
        items=chosen,
        purpose=purpose.strip()[:200],
        valid_from=today,
        valid_until=today + timedelta(days=days - 1),
        granted_by=actor.name,
    )
    session.add(authorisation)
    session.flush()
    record_event(
        session,
        actor,
        "authorisation.grant",
        "data_authorisation",
        authorisation.id,
        purpose=authorisation.purpose,
        detail={"consumer": consumer.id, "items": chosen, "until": authorisation.valid_until},
    )
    return authorisation


def revoke(session: Session, actor: Actor, authorisation_id: int) -> DataAuthorisation:
    """The subject ends its authorisation now: the bank's next read is refused."""
    authorize(actor, "self.authorise")
    authorisation = session.get(DataAuthorisation, authorisation_id)
    if authorisation is None or not owns_subject(actor, authorisation.subject_id):
        raise LendingError(f"授权（编号 {authorisation_id}）不存在")
    if authorisation.revoked_at is not None:
        raise LendingError(
            f"授权（编号 {authorisation_id}）已于 {authorisation.revoked_at:%Y-%m-%d} 撤销"
        )
    authorisation.revoked_at = utcnow()
    record_event(session, actor, "authorisation.revoke", "data_authorisation", authorisation.id)
    return authorisation


def refusal(authorisation: DataAuthorisation, item: str | None, today: date) -> str | None:
    """Why a read under ``authorisation`` is refused today (None: allowed)."""
    if authorisation.revoked_at is not None:
        return f"该授权已于 {authorisation.revoked_at:%Y-%m-%d %H:%M}（UTC）被撤销"
    if today < authorisation.valid_from or today > authorisation.valid_until:
        return (
            f"该授权的有效期为 {authorisation.valid_from} 至 {authorisation.valid_until}，"
            f"今天（{today}）不在期内"
        )
    if item is not None and item not in authorisation.items:
        return f"该授权不含目录项“{item}”（授权范围：{'、'.join(authorisation.items)}）"
    return None


def authorised_records(
    session: Session,
    actor: Actor,
    catalog: Catalog,
    authorisation_id: int,
    item: str,
    today: date,
) -> dict[str, Any]:
    """A bank reads the records of one authorised item (current versions, IDs masked);
    the read is audited against the subject, who sees it on its own page."""
    authorize(actor, AUTHORISED_READ)
    authorisation = session.get(DataAuthorisation, authorisation_id)
    if (
        authorisation is None
        or not isinstance(actor, Principal)
        or actor.consumer_id != authorisation.consumer_id
    ):
        raise AuthorisationNotFound(f"没有给予本机构的授权（编号 {authorisation_id}）")
    why = refusal(authorisation, item, today)
    if why is None and actor.items is not None and item not in actor.items:
        why = f"本机构的接入协议不含目录项“{item}”"
    if why is None and (item not in catalog.items or catalog.item(item).sharing is not None):
        why = f"目录项“{item}”不能向金融机构提供"
    if why is not None:
        raise PermissionDenied(why)
    subject = session.get(Subject, authorisation.subject_id)
    assert subject is not None
    rows = session.execute(
        select(Record)
        .where(
            Record.subject_id == subject.id,
            Record.item == item,
            Record.is_current.is_(True),
        )
        .order_by(Record.decision_date.desc().nulls_last(), Record.id.desc())
    ).scalars()
    protector = get_protector()
    records = [present_record(r, catalog, Audience.public, protector) for r in rows]
    record_event(
        session,
        actor,
        AUTHORISED_READ,
        "subject",
        subject_ref(subject),
        purpose=f"{authorisation.purpose}（授权 {authorisation.id}，{catalog.item(item).name}）",
        detail={"authorisation": authorisation.id, "item": item, "records": len(records)},
    )
    return {
        "authorisation_id": authorisation.id,
        "subject": {"name": subject.name, "ref": subject_ref(subject)},
        "item": item,
        "item_name": catalog.item(item).name,
        "valid_until": authorisation.valid_until,
        "records": records,
    }


@dataclass(frozen=True)
class ShownAuthorisation:
    id: int
    consumer: str
    items: list[str]
    purpose: str
    valid_from: date
    valid_until: date
    state: str  # 有效 / 已撤销 / 已到期 / 未生效


def own_authorisations(session: Session, subject_id: int, today: date) -> list[ShownAuthorisation]:
    rows = session.execute(
        select(DataAuthorisation, Consumer.name)
        .join(Consumer, Consumer.id == DataAuthorisation.consumer_id)
        .where(DataAuthorisation.subject_id == subject_id)
        .order_by(DataAuthorisation.id.desc())
    ).all()
    shown = []
    for a, name in rows:
        if a.revoked_at is not None:
            state = "已撤销"
        elif today > a.valid_until:
            state = "已到期"
        elif today < a.valid_from:
            state = "未生效"
        else:
            state = "有效"
        shown.append(
            ShownAuthorisation(
                a.id, name, list(a.items), a.purpose, a.valid_from, a.valid_until, state
            )
        )
    return shown
