"""Old and masked organisation codes in a USCC column, resolved to the USCC of a known subject.

Court lists and old exports name an organisation by its 9-character organization code
(GB 11714, "74419092-7" or "744190927"), which every USCC embeds (characters 9-17), or by a
masked USCC ("91230199744****927K"). Such a value is replaced by the full USCC of the one
registered subject it fits (a masked code: whose name is also the row's name); otherwise it
stays as sent and the row is rejected with the reason. Never a guess: no subject or several
subjects leave it unresolved.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from xinyong.identifiers.uscc import org_code_check_char
from xinyong.subjects.models import Subject

ORG_CODE = re.compile(r"^([0-9A-Z]{8})-?([0-9X])$")
MASKED = re.compile(r"^([0-9A-Z]{2,17}?)\*+([0-9A-Z]{0,16})$")
OLD_CODE_PATTERN = r"^[0-9A-Z]{8}-?[0-9X]$|^[0-9A-Z]*\*+[0-9A-Z]*$"

# (value as sent, row's name) -> full USCC, for the pairs that resolve
Resolver = Callable[[list[tuple[str, str | None]]], dict[tuple[str, str | None], str]]


def organization_code(value: str) -> str | None:
    """The 9-character organization code ``value`` is (with a valid check character)."""
    match = ORG_CODE.match(value.strip().upper())
    if match is None:
        return None
    code = match[1] + match[2]
    return code if org_code_check_char(code[:8]) == code[8] else None


def masked_parts(value: str) -> tuple[str, str] | None:
    """The visible start and end of a masked USCC ("91230199744", "927K")."""
    match = MASKED.match(value.strip().upper())
    if match is None or len(match[1]) + len(match[2]) > 17:
        return None
    return match[1], match[2]


def resolve_old_codes(
    session: Session, pairs: Iterable[tuple[str, str | None]]
) -> dict[tuple[str, str | None], str]:
    """For each (value, name): the USCC of the one known subject it fits."""
    pairs = list(pairs)
    org_codes = {p: c for p in pairs if (c := organization_code(p[0]))}
    masked = {p: m for p in pairs if p not in org_codes and (m := masked_parts(p[0]))}
    found: dict[tuple[str, str | None], str] = {}
    if org_codes:
        embedded = func.substr(Subject.uscc, 9, 9)
        rows = session.execute(
            select(embedded, Subject.uscc).where(embedded.in_(set(org_codes.values())))
        ).all()
        by_code: dict[str, set[str]] = {}
        for code, uscc in rows:
            by_code.setdefault(str(code), set()).add(str(uscc))
        for pair, code in org_codes.items():
            candidates = by_code.get(code, set())
            if len(candidates) == 1:
                found[pair] = next(iter(candidates))
    if masked:
        names = {name for _, name in masked if name}
        conditions = [Subject.uscc.startswith(start) for start, _ in masked.values()]
        rows = session.execute(
            select(Subject.uscc, Subject.name).where(Subject.name.in_(names), or_(*conditions))
        ).all()
        known = [(str(uscc), name) for uscc, name in rows if uscc]
        for pair, (start, end) in masked.items():
            fits = {
                uscc
                for uscc, name in known
                if name == pair[1] and uscc.startswith(start) and uscc.endswith(end)
            }
            if len(fits) == 1:
                found[pair] = next(iter(fits))
    return found
