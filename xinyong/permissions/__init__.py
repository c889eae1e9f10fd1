"""The permission model: every action, who may do it, and the action behind every route."""

from xinyong.permissions.actions import ACTIONS, Action, action
from xinyong.permissions.policy import (
    Audience,
    NotAuthenticated,
    PermissionDenied,
    Principal,
    authorize,
    is_market,
    is_operator,
    may,
    owns_subject,
)

__all__ = [
    "ACTIONS",
    "Action",
    "Audience",
    "NotAuthenticated",
    "PermissionDenied",
    "Principal",
    "action",
    "authorize",
    "is_market",
    "is_operator",
    "may",
    "owns_subject",
]
