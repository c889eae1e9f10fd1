"""How the audit log reads to people: each action by its Chinese name, times in the city's
local time (Asia/Shanghai). The names come from the audit action table (YAML), the permission
actions and the workflow machines; an action named nowhere is shown as its code."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from xinyong.permissions.actions import ACTIONS
from xinyong.workflow import machines

LOCAL = ZoneInfo("Asia/Shanghai")
TABLE = Path(__file__).with_name("audit_actions.yaml")


@cache
def _names() -> dict[str, str]:
    loaded = yaml.safe_load(TABLE.read_text(encoding="utf-8"))
    if not isinstance(loaded, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in loaded.items()
    ):
        raise ValueError(f"{TABLE.name}: 应为“操作代码: 中文名称”的映射")
    return {code: act.label for code, act in ACTIONS.items()} | loaded


def action_label(code: str) -> str:
    """The Chinese name of an audit action (a workflow transition as "流程：状态")."""
    if code in _names():
        return _names()[code]
    workflow, _, state = code.partition(".")
    machine = machines().get(workflow)
    if machine is not None and state in machine.states:
        return f"{machine.label}：{machine.label_of(state)}"
    return code


def local_time(at: datetime) -> str:
    """A stored UTC time in the city's local time."""
    aware = at if at.tzinfo else at.replace(tzinfo=UTC)
    return aware.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M:%S")
