"""Chinese names of audit actions (issue 25)."""

from __future__ import annotations

from xinyong.workbench.audit_view import action_label


def test_every_action_the_code_records_has_a_chinese_name() -> None:
    assert action_label("session.open") == "登录"
    assert action_label("publication.published") == "双公示信息：已公示"
    assert action_label("repair.approved").startswith("信用修复")
