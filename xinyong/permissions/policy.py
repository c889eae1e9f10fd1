"""Who is asking, and whether they may: the one place a permission is decided.

A ``Principal`` is an audit ``Actor`` that also carries what the caller holds: a staff role,
API key scopes and a department. The HTTP layer builds one for every request (anonymous
callers included) and hands it to the services as their actor; every service function that
changes or reveals something calls ``authorize`` with it. A plain ``Actor`` is a command-line
operator or the platform itself (``cli:``/``system`` names) and may do everything; any other
plain actor is refused, so a request path cannot slip past by building one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from xinyong.audit.log import Actor
from xinyong.permissions.actions import STAFF_ROLES, Action, action


class Audience(StrEnum):
    public = "public"  # anyone on the internet
    staff = "staff"  # authenticated government users and systems


PrincipalKind = Literal["public", "user", "apikey", "subject"]
OPERATOR_PREFIXES = ("cli:", "system")


@dataclass(frozen=True)
class Principal(Actor):
    """An actor from outside the machine: anonymous, a staff user, an API key, or a subject
    (an enterprise or a citizen) signed in to its own pages."""

    kind: PrincipalKind = "public"
    role: str | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)
    department_id: int | None = None
    # Staff of the credit office (and users without a department, who work for it) act on
    # every department's data; a department's officer or key only on its own.
    credit_office: bool = False
    # An API key's quotas: calls per minute and per day (None: none).
    per_minute: int | None = None
    per_day: int | None = None
    family_quotas: tuple[tuple[str, int | None, int | None], ...] = ()  # (family, minute, day)
    # An outside consumer's key: its kind (bank, credit_agency, ...) and the catalog items it
    # may read (None: all its kind may).
    consumer_kind: str | None = None
    items: frozenset[str] | None = None
    consumer_id: int | None = None
    # A signed-in subject: the subject it is (subjects.id) and its account's kind.
    subject_id: int | None = None
    account_kind: str | None = None

    @classmethod
    def anonymous(cls, ip: str | None = None) -> Principal:
        return cls("public", ip)

    @property
    def actor(self) -> Principal:
        return self

    @property
    def authenticated(self) -> bool:
        return self.kind != "public"

    @property
    def is_staff(self) -> bool:
        """Holds the government sharing view (staff login, or a read/admin key)."""
        return may(self, "subject.read_shared")

    @property
    def audience(self) -> Audience:
        return Audience.staff if self.is_staff else Audience.public


class PermissionDenied(Exception):
    """Refused; ``status`` is 401 (no or bad credentials) or 403 (not allowed)."""

    def __init__(
        self, message: str, status: int = 403, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers


class NotAuthenticated(PermissionDenied):
    def __init__(self, message: str = "需要登录或有效的 API 密钥（X-API-Key 请求头）") -> None:
        super().__init__(message, 401)


def is_operator(actor: Actor) -> bool:
    return not isinstance(actor, Principal) and actor.name.startswith(OPERATOR_PREFIXES)


def _holds(principal: Principal, act: Action) -> bool:
    if act.public:
        return True
    if principal.kind == "user":
        return principal.role in act.roles and principal.role in STAFF_ROLES
    if principal.kind == "apikey":
        return bool(principal.scopes & act.scopes)
    if principal.kind == "subject":
        return act.subjects and principal.subject_id is not None
    return False


def _owns(principal: Principal, act: Action, department_id: int | None) -> bool:
    if act.ownership == "any" or principal.credit_office:
        return True
    return department_id is not None and department_id == principal.department_id


MARKET_CONSUMERS = frozenset({"bank", "credit_agency"})


def may(actor: Actor, code: str, department_id: int | None = None) -> bool:
    """Whether ``actor`` may do ``code`` (on data whose source department is given)."""
    act = action(code)
    if not isinstance(actor, Principal):
        return is_operator(actor)
    if code == "person.read" and actor.consumer_kind in MARKET_CONSUMERS:
        # Banks and credit agencies never read a natural person in the sharing view: only
        # the items the person authorised them to read (``lending.authorisations``).
        return False
    return _holds(actor, act) and _owns(actor, act, department_id)


def authorize(actor: Actor, code: str, department_id: int | None = None) -> None:
    """Raise ``PermissionDenied`` unless ``actor`` may do ``code`` on data whose source
    department is ``department_id``; the message is Chinese."""
    _refuse_unless(actor, code, may(actor, code, department_id))


def owns_subject(actor: Actor, subject_id: int) -> bool:
    """Whether ``actor`` is the subject ``subject_id`` signed in to its own pages."""
    return (
        isinstance(actor, Principal) and actor.kind == "subject" and actor.subject_id == subject_id
    )


def is_market(actor: Actor) -> bool:
    """A bank's or a credit agency's key: outside the government."""
    return isinstance(actor, Principal) and actor.consumer_kind in MARKET_CONSUMERS


def authorize_route(actor: Actor, code: str) -> None:
    """The route gate: whether ``actor`` holds ``code`` at all (whose data it touches is
    decided by the service, which knows the data)."""
    held = is_operator(actor) or (isinstance(actor, Principal) and _holds(actor, action(code)))
    _refuse_unless(actor, code, held)


def _refuse_unless(actor: Actor, code: str, allowed: bool) -> None:
    act = action(code)
    if allowed:
        return
    if not isinstance(actor, Principal):
        raise PermissionDenied(f"操作者“{actor.name}”不是已知的调用方，无权{act.label}")
    if code == "person.read" and actor.consumer_kind in MARKET_CONSUMERS:
        raise PermissionDenied("金融机构和信用服务机构须经本人授权方可查看自然人的身份与信用记录")
    if not actor.authenticated:
        raise NotAuthenticated(f"{act.label}需要登录或有效的 API 密钥（X-API-Key 请求头）")
    if not _holds(actor, act):
        if actor.kind == "subject":
            raise PermissionDenied(f"企业和市民的本人账号无权{act.label}")
        if actor.kind == "user":
            held, needed = f"角色“{actor.role}”", f"角色：{'、'.join(sorted(act.roles)) or '无'}"
        else:
            held = f"权限范围“{'、'.join(sorted(actor.scopes)) or '无'}”"
            needed = f"API 密钥权限范围：{'、'.join(sorted(act.scopes)) or '无（仅限登录）'}"
        raise PermissionDenied(f"{held}无权{act.label}（需要{needed}）")
    raise PermissionDenied(f"只能对本部门的数据{act.label}，该数据属于其他部门")
