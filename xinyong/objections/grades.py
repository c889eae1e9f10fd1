"""Objections to a credit grade (GB/T 45255-2025: the evaluated subject may dispute its result).

The filer names the model and the indicator (or veto item) it disputes. A grade the caller may
not see (a model whose grades are not public, for the public) does not exist for them. While
the objection is open (accepted or being verified) the grade is shown as disputed; a
"corrected" outcome re-grades the subject at once, the history recording why.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.audit.log import Actor
from xinyong.evaluation.registry import evaluation_model
from xinyong.evaluation.schema import EvaluationModel
from xinyong.evaluation.views import EvaluationNotFound, evaluated_subject, subject_evaluation
from xinyong.objections.models import Objection
from xinyong.objections.targets import GRADE_GROUNDS, grade_key
from xinyong.workflow import move
from xinyong.workflow.codes import tracking_code


class GradeObjectionError(ValueError):
    """A grade objection that cannot be filed; the message is in Chinese."""


class GradeNotFound(GradeObjectionError):
    """No grade the caller may see: an unknown subject, a person, a grade not public."""


def disputed_items(model: EvaluationModel) -> dict[str, str]:
    """Indicator and veto codes of ``model`` that an objection may name, with their names."""
    named = {indicator.code: indicator.name for _, indicator in model.indicators}
    return named | {veto.code: f"{veto.name}（一票否决）" for veto in model.vetoes}


def file_grade_objection(
    session: Session,
    actor: Actor,
    *,
    code: str,
    model: str,
    indicator: str,
    filer_kind: str,
    filer_name: str,
    grounds: str,
    description: str,
    contact: str | None,
    today: date,
) -> Objection:
    try:
        subject = evaluated_subject(session, code)
        shown = subject_evaluation(session, actor, code, model)
    except EvaluationNotFound as exc:
        raise GradeNotFound(str(exc)) from exc
    chosen = evaluation_model(shown["model"])
    items = disputed_items(chosen)
    if indicator not in items:
        choices = "、".join(f"{k}（{v}）" for k, v in items.items())
        raise GradeObjectionError(
            f"评价指标“{indicator}”不属于模型“{chosen.name}”，可选：{choices}"
        )
    if grounds not in GRADE_GROUNDS:
        raise GradeObjectionError(f"异议理由“{grounds}”无效，可选：{'、'.join(GRADE_GROUNDS)}")
    if filer_kind not in ("public", "subject", "staff"):
        raise GradeObjectionError(f"提出人类别“{filer_kind}”无效，可选：public、subject、staff")
    if not description.strip() or not filer_name.strip():
        raise GradeObjectionError("请填写提出人姓名和异议说明")
    objection = Objection(
        tracking_code=tracking_code("YY", today),
        record_key=grade_key(chosen.code),
        record_id=None,
        subject_id=subject.id,
        model_code=chosen.code,
        indicator=indicator,
        filer_kind=filer_kind,
        filer_name=filer_name.strip(),
        contact=contact,
        grounds=grounds,
        description=description.strip(),
        state="submitted",
    )
    session.add(objection)
    session.flush()
    detail = {"model": chosen.code, "indicator": indicator, "grade": shown["grade"]}
    move(
        session,
        "objection",
        objection.id,
        None,
        "submitted",
        actor,
        detail=detail | {"grounds": grounds},
    )
    return objection


def disputed_models(session: Session, subject_id: int) -> set[str]:
    """Models under which ``subject_id``'s grade carries an open (accepted) objection."""
    rows = session.execute(
        select(Objection.model_code).where(
            Objection.subject_id == subject_id,
            Objection.model_code.is_not(None),
            Objection.state.in_(("accepted", "verifying")),
        )
    ).scalars()
    return {row for row in rows if row}
