"""Two batches at once on PostgreSQL: transaction-scoped advisory locks make them wait for
each other where they would collide, so both complete (SQLite already lets one writer in at a
time).

* the item's lock, taken when a batch starts: a batch decides whether the item has records
  yet (the first load inserts without looking up current versions) and which versions are
  current; a second batch of the same item waits until the first commits, then sees its rows;
* the subjects' lock, taken before a batch first resolves subjects: two batches (of any items)
  naming the same new enterprise would both create it (a unique violation for the second).

Both are released when the batch's transaction ends (commit or rollback)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

NAMESPACE = 0x7879  # "xy": the platform's advisory locks
SUBJECTS = "subjects"


def _lock(session: Session, name: str) -> None:
    if session.get_bind().dialect.name != "postgresql":
        return
    session.execute(
        text("SELECT pg_advisory_xact_lock(:namespace, hashtext(:name))"),
        {"namespace": NAMESPACE, "name": name},
    )


def lock_item(session: Session, item: str) -> None:
    """Wait for any other batch of ``item`` to finish; hold the item until this one does."""
    _lock(session, f"item:{item}")


def lock_subjects(session: Session) -> None:
    """Wait for any other batch creating subjects to finish; hold them until this one does."""
    _lock(session, SUBJECTS)
