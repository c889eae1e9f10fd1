"""Who a batch is reported by, and handing out its rejected rows (personal data: audited)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from xinyong.accounts.models import Department
from xinyong.audit.log import record_event
from xinyong.ingest.models import Batch
from xinyong.permissions import Principal, authorize


def reporting_department(session: Session, principal: Principal) -> Department | None:
    """The department a principal reports for: its own; none for the credit office, whose
    batches take each row's source department from the row."""
    if principal.credit_office or principal.department_id is None:
        return None
    return session.get(Department, principal.department_id)


def rejected_file_for(session: Session, principal: Principal, batch_id: int) -> Path:
    """The batch's rejected-rows file, once the principal may read it (its department's
    batches only; batches of no department only for the credit office); the download is
    audited, since the rows can hold ID numbers in clear. Raises LookupError."""
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise LookupError(f"批次{batch_id}不存在")
    authorize(principal, "batch.read_rejected", batch.department_id)
    path = (batch.counts or {}).get("rejected_file")
    if not path or not Path(path).exists():
        raise LookupError(f"批次{batch_id}没有退回数据")
    record_event(
        session,
        principal,
        "batch.rejected_download",
        "batch",
        batch_id,
        detail={"file": Path(path).name},
    )
    return Path(path)
