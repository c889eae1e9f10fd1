"""How a subject is shown: code masked for natural persons in public output."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from xinyong.catalog.registry import Catalog
from xinyong.objections.service import disputed_keys
from xinyong.permissions.policy import Principal
from xinyong.privacy.ids import get_protector
from xinyong.records.views import Audience, count_by_item, present_record, subject_records
from xinyong.subjects.models import Subject
from xinyong.subjects.service import NATURAL_PERSON, SubjectIdentity, name_history, subject_ref

KIND_LABELS = {
    "enterprise": "企业",
    "individual_business": "个体工商户",
    "farmer_cooperative": "农民专业合作社",
    "government_body": "机关",
    "public_institution": "事业单位",
    "social_organization": "社会组织",
    "collective_economic_org": "农村集体经济组织",
    "other_organization": "其他组织",
    "natural_person": "自然人",
}


def shown_code(subject: SubjectIdentity, audience: Audience) -> str:
    if subject.kind != NATURAL_PERSON:
        return subject.uscc or ""
    if audience is Audience.staff and subject.person_id_enc:
        return get_protector().decrypt(subject.person_id_enc)
    return subject.person_id_masked or ""


def subject_summary(subject: Subject, audience: Audience) -> dict[str, Any]:
    return {
        "code": shown_code(subject, audience),
        "ref": subject_ref(subject),
        "name": subject.name,
        "kind": subject.kind,
        "kind_label": KIND_LABELS.get(subject.kind, subject.kind),
        "region": subject.region,
    }


def subject_detail(
    session: Session,
    subject: Subject,
    catalog: Catalog,
    audience: Audience,
    today: date,
    viewer: Principal | None = None,
) -> dict[str, Any]:
    """The subject with the records ``audience`` sees (for staff, as far as the catalog's
    sharing rules let ``viewer`` read restricted items)."""
    protector = get_protector()
    records = subject_records(session, subject.id, catalog, audience, today, viewer)
    disputed = disputed_keys(session, subject.id)
    detail = subject_summary(subject, audience)
    detail.update(
        legal_representative=subject.legal_representative,
        address=subject.address if subject.kind != NATURAL_PERSON else None,
        registered_on=subject.registered_on,
        former_names=[n.name for n in name_history(session, subject) if n.name != subject.name],
        counts=count_by_item(session, subject.id, catalog, audience, today, viewer),
        records=[
            present_record(r, catalog, audience, protector, r.record_key in disputed)
            for r in records
        ],
    )
    return detail
