"""The upward targets (targets.yaml), validated at load, and the transport set for each."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from xinyong.settings import get_settings

HERE = Path(__file__).parent
Kind = Literal[
    "publicity_new",
    "publicity_changed",
    "publicity_withdrawn",
    "list_recognition",
    "list_removal",
    "repair",
    "commitment",
]
KIND_LABELS: dict[str, str] = {
    "publicity_new": "双公示新增",
    "publicity_changed": "双公示变更",
    "publicity_withdrawn": "双公示撤销",
    "list_recognition": "名单认定",
    "list_removal": "名单移出",
    "repair": "信用修复",
    "commitment": "信用承诺",
}
OPERATIONS: dict[str, str] = {
    "publicity_new": "新增",
    "publicity_changed": "变更",
    "publicity_withdrawn": "撤销",
    "list_recognition": "认定",
    "list_removal": "移出",
    "repair": "修复",
    "commitment": "承诺",
}


class TargetError(ValueError):
    """An unknown target or a wrong targets file; the message is in Chinese."""


class Target(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str
    name: str
    headers: Literal["code", "name"]
    encoding: Literal["utf-8", "utf-8-sig"]
    kinds: list[Kind]
    marks_reported: bool = False
    deadlines: bool = True  # the reporting deadlines apply (not to sharing with partner cities)


def load_targets(path: Path | None = None) -> dict[str, Target]:
    path = path or HERE / "targets.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    targets = {}
    for code, body in raw.items():
        try:
            targets[code] = Target.model_validate({"code": code, **body})
        except ValidationError as exc:
            error = exc.errors()[0]
            raise TargetError(
                f"{path.name}: 报送目标 {code} 定义错误（{'.'.join(map(str, error['loc']))}）："
                f"{error['msg']}"
            ) from exc
    return targets


@lru_cache(maxsize=1)
def targets() -> dict[str, Target]:
    return load_targets()


def target(code: str) -> Target:
    try:
        return targets()[code]
    except KeyError:
        raise TargetError(f"报送目标“{code}”不存在，可选：{'、'.join(targets())}") from None


def endpoint(code: str) -> str:
    """Where packages for ``code`` go: a folder (path or file:// URL) or an https:// URL."""
    configured = get_settings().exchange_endpoints.get(code)
    if configured:
        return configured
    return str(get_settings().data_dir / "exchange" / code / "sent")
