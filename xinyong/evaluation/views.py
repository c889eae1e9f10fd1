"""A subject's evaluation as callers see it. Staff (``evaluation.read``): grade, score,
explanation (veto hits first, the record ids behind every indicator), digest and the history
of grade changes. The public: grade, its meaning and the day, under models whose grades are
public, and nothing else. Natural persons are never graded: every resident ID or person
reference gets the same answer, whether or not the platform knows the person.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.audit.log import Actor
from xinyong.evaluation.registry import evaluation_models, models_for
from xinyong.evaluation.schema import EvaluationModel
from xinyong.evaluation.tables import EvaluationGrade, EvaluationRun, GradeChange
from xinyong.identifiers.check import check_code
from xinyong.permissions import may, owns_subject
from xinyong.subjects.models import Subject
from xinyong.subjects.service import find_subject
from xinyong.subjects.views import KIND_LABELS

PERSONS_NOT_GRADED = "信用评价只适用于法人和非法人组织，不对自然人评分"


class EvaluationNotFound(LookupError):
    """No evaluation to show; the message is in Chinese."""


def model_summary(model: EvaluationModel) -> dict[str, Any]:
    return {
        "code": model.code,
        "name": model.name,
        "version": model.version,
        "standard": model.standard,
        "practice": model.practice,
        "domain": model.domain,
        "subject_kinds": [k.value for k in model.subject_kinds],
        "effective_from": model.effective_from,
        "effective_to": model.effective_to,
        "cycle": model.cycle.description,
        "grades_public": model.grades_public,
        "grades": [{"grade": b.grade, "meaning": b.meaning} for b in model.grades],
        "indicators": len(model.indicators),
        "vetoes": len(model.vetoes),
    }


def models_view() -> list[dict[str, Any]]:
    return [model_summary(m) for m in evaluation_models().values()]


def evaluated_subject(session: Session, code: str) -> Subject:
    """The organisation ``code`` names (``EvaluationNotFound`` for persons and unknown codes)."""
    return _subject(session, code)


def _subject(session: Session, code: str) -> Subject:
    text = code.strip()
    checked = check_code(text)
    if (checked.valid and checked.kind == "resident_id") or text.upper().startswith("P"):
        raise EvaluationNotFound(PERSONS_NOT_GRADED)
    subject = find_subject(session, text)
    if subject is None:
        raise EvaluationNotFound(f"未找到代码为 {text} 的主体")
    if subject.kind == "natural_person":
        raise EvaluationNotFound(PERSONS_NOT_GRADED)
    return subject


def _chosen(subject: Subject, model: str | None, staff: bool) -> tuple[EvaluationModel, list[str]]:
    usable = [m for m in models_for(subject.kind) if staff or m.grades_public]
    codes = [m.code for m in usable]
    if not usable:
        raise EvaluationNotFound(
            f"{KIND_LABELS.get(subject.kind, subject.kind)}没有可查看的信用评价结果"
        )
    if model is None:
        return usable[0], codes
    for found in usable:
        if found.code == model:
            return found, codes
    raise EvaluationNotFound(
        f"评价模型“{model}”不适用于该主体或其结果不向社会公开，可选：{'、'.join(codes)}"
    )


def _history(session: Session, subject_id: int, model: str) -> list[GradeChange]:
    return list(
        session.execute(
            select(GradeChange)
            .where(GradeChange.subject_id == subject_id, GradeChange.model == model)
            .order_by(GradeChange.valid_from, GradeChange.id)
        ).scalars()
    )


def _confirmed(session: Session, model: str, version: str) -> date | None:
    """The day of the latest full run of ``model`` at ``version``."""
    return session.execute(
        select(func.max(EvaluationRun.as_of)).where(
            EvaluationRun.model == model, EvaluationRun.model_version == version
        )
    ).scalar()


def _on(history: list[GradeChange], day: date) -> GradeChange | None:
    """The grade in force on ``day``: the last change made on or before it."""
    earlier = [h for h in history if h.valid_from <= day]
    return earlier[-1] if earlier else None


def subject_evaluation(
    session: Session,
    actor: Actor,
    code: str,
    model: str | None = None,
    as_of: date | None = None,
) -> dict[str, Any]:
    """The subject's grade under ``model`` (the first that applies by default), now or as it
    stood on ``as_of``."""
    subject = _subject(session, code)
    # Staff, and the subject itself on its own pages, see the score and its explanation.
    staff = may(actor, "evaluation.read") or owns_subject(actor, subject.id)
    chosen, codes = _chosen(subject, model, staff)
    current = session.get(EvaluationGrade, (subject.id, chosen.code))
    history = _history(session, subject.id, chosen.code)
    shown: dict[str, Any] = {
        "subject": {"code": subject.uscc, "name": subject.name, "kind": subject.kind},
        "model": chosen.code,
        "model_name": chosen.name,
        "models": codes,
    }
    if current is None:
        raise EvaluationNotFound(f"该主体尚未按“{chosen.name}”评价")
    # A later full run of the same model version that found the same grade confirms it.
    since = max(current.as_of, _confirmed(session, chosen.code, current.model_version) or date.min)
    if as_of is None or as_of >= current.as_of:
        grade, day, score, digest = current.grade, since, current.score, current.digest
        version = current.model_version
        explanation: list[dict[str, Any]] | None = current.explanation
        computed_at = current.computed_at
    else:
        past = _on(history, as_of)
        if past is None:
            raise EvaluationNotFound(f"{as_of.isoformat()} 该主体尚无评价结果")
        grade, day, score, digest = past.grade, past.valid_from, past.score, past.digest
        version, explanation, computed_at = past.model_version, None, past.recorded_at
    shown |= {
        "grade": grade,
        "meaning": chosen.band(grade).meaning,
        "as_of": day,
    }
    if not staff:
        return shown
    return shown | {
        "model_version": version,
        "score": score,
        "computed_at": computed_at,
        "digest": digest,
        "explanation": explanation,
        "history": [
            {
                "grade": h.grade,
                "old_grade": h.old_grade,
                "from": h.valid_from,
                "to": h.valid_to,
                "reason": h.reason,
            }
            for h in history
        ],
    }


def public_grades(session: Session, subject: Subject) -> list[dict[str, Any]]:
    """The grades the public may see for ``subject`` (models whose grades are public), each
    with its meaning and day: what the portal's subject page shows."""
    if subject.kind == "natural_person":
        return []
    shown = []
    for model in models_for(subject.kind):
        if not model.grades_public:
            continue
        current = session.get(EvaluationGrade, (subject.id, model.code))
        if current is None:
            continue
        since = max(
            current.as_of, _confirmed(session, model.code, current.model_version) or date.min
        )
        shown.append(
            {
                "model": model.code,
                "model_name": model.name,
                "grade": current.grade,
                "meaning": model.band(current.grade).meaning,
                "as_of": since,
            }
        )
    return shown
