"""Protection of personal ID numbers at rest: keyed hash for lookup, encryption for recovery."""

from xinyong.privacy.ids import IdProtector, get_protector

__all__ = ["IdProtector", "get_protector"]
