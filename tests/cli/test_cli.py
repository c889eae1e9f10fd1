from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import create_engine, text

from xinyong.audit.guard import guard_lifted
from xinyong.cli.main import cli


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_codes_check_json_reports_invalid_and_valid() -> None:
    code, out = run("codes", "check", "--json", "91350100M000100Y4Z", "914405007080295548")
    assert code == 1
    first, second = json.loads(out)
    assert first["input"] == "91350100M000100Y4Z" and first["valid"] is False
    assert any("应为“3”" in e for e in first["errors"])
    assert second["valid"] is True and second["errors"] == []
    assert second["kind"] == "uscc" and second["normalized"] == "914405007080295548"


def test_codes_check_text_shows_fixes() -> None:
    code, out = run("codes", "check", " 914405007080295548 ")
    assert code == 0
    assert "有效" in out and "已去除空格" in out


def test_catalog_list_and_show() -> None:
    code, out = run("catalog", "list")
    assert code == 0 and "admin_penalty" in out and "行政处罚信息" in out
    code, out = run("catalog", "show", "admin_penalty")
    assert code == 0 and "CF_NR_FK" in out and "罚款金额（万元）" in out
    code, out = run("catalog", "show", "no_such_item")
    assert code != 0 and "不存在" in out


def test_db_upgrade_on_the_configured_database(db_url: str) -> None:
    code, out = run("db", "upgrade")
    assert code == 0 and "最新版本" in out


def test_apikeys_create_prints_json_key(db_url: str) -> None:
    run(
        "departments",
        "create",
        "--uscc",
        "11440500MB2C90135F",
        "--name",
        "信用办",
        "--credit-office",
    )
    code, out = run("apikeys", "create", "--scope", "checks", "--json")
    assert code == 0, out
    assert json.loads(out)["key"].startswith("xy_")


def test_apikeys_for_unknown_department_fails_in_chinese(db_url: str) -> None:
    code, out = run("apikeys", "create", "--department", "914405007080295548", "--scope", "read")
    assert code != 0 and "不存在" in out


def test_users_create(db_url: str) -> None:
    code, out = run(
        "users", "create", "--username", "li", "--role", "reviewer", "--password", "long-enough-1"
    )
    assert code == 0 and "已创建" in out


def test_audit_verify_names_an_altered_entry(db_url: str) -> None:
    run("users", "create", "--username", "a1", "--role", "auditor", "--password", "long-enough-1")
    run("users", "create", "--username", "a2", "--role", "auditor", "--password", "long-enough-1")
    code, out = run("audit", "verify")
    assert code == 0 and "完整" in out
    engine = create_engine(db_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as conn, guard_lifted(conn):  # an insider going around the triggers
        conn.execute(text("UPDATE audit_log SET actor = 'cli:mallory' WHERE seq = 1"))
    engine.dispose()
    result = CliRunner().invoke(cli, ["audit", "verify"])
    assert result.exit_code != 0
    assert "#1" in result.output and "篡改" in result.output


def test_audit_verify_names_a_deleted_entry(db_url: str) -> None:
    for name in ("b1", "b2", "b3"):
        run(
            "users",
            "create",
            "--username",
            name,
            "--role",
            "auditor",
            "--password",
            "long-enough-1",
        )
    engine = create_engine(db_url)
    with engine.begin() as conn, guard_lifted(conn):
        conn.execute(text("DELETE FROM audit_log WHERE seq = 2"))
    engine.dispose()
    result = CliRunner().invoke(cli, ["audit", "verify"])
    assert result.exit_code != 0 and "#2" in result.output and "删除" in result.output


def test_jobs_run_writes_the_daily_audit_checkpoint(db_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from xinyong.settings import get_settings

    folder = get_settings().audit_checkpoint_dir
    code, out = run("jobs", "run")
    assert code == 0 and "审计日志检查点" in out, out
    written = list(folder.glob("audit-checkpoint-*.json"))
    assert len(written) == 1 and oct(written[0].stat().st_mode & 0o777) == "0o600"
    code, out = run("jobs", "run", "--json")
    assert code == 0 and json.loads(out)["checkpoint"].startswith(str(folder))
    code, out = run("audit", "verify")  # the default folder is checked
    assert code == 0 and "与2个检查点一致" in out, out
