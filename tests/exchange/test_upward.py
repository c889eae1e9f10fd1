"""Upward exchange: packages numbered, hashed and kept; receipts; deadlines; withdrawals."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from helpers import AUTHORITY, org, penalty_values, save_penalty
from sqlalchemy.orm import Session

from xinyong.accounts.models import Department
from xinyong.accounts.service import create_department
from xinyong.audit.log import Actor
from xinyong.exchange.models import ExchangeRow
from xinyong.exchange.packages import build_package, package_path
from xinyong.exchange.queue import department_queue, overdue, resubmit
from xinyong.exchange.receipts import ReceiptError, import_receipt
from xinyong.exchange.transport import send_due
from xinyong.lists import recognition
from xinyong.lists.models import ListRecognition
from xinyong.publicity.lifecycle import withdraw
from xinyong.settings import reset_settings

ACTOR = Actor("cli:test")
FRIDAY = date(2026, 2, 13)  # the Friday before the 2026 Spring Festival holiday


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XINYONG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("XINYONG_EXCHANGE_NATION_URL", str(tmp_path / "nation-inbox"))
    reset_settings()
    yield tmp_path / "data"
    reset_settings()


def _recognised(session: Session, decided: date) -> ListRecognition:
    department = create_department(session, ACTOR, AUTHORITY, "示范市税务局")
    subject = org(session)
    entry = recognition.propose(
        session,
        ACTOR,
        "black_list",
        "重大税收违法失信主体",
        subject,
        department,
        "虚开增值税专用发票",
        "《重大税收违法失信主体信息公布管理办法》",
    )
    recognition.notify(session, entry, ACTOR, date(2026, 1, 20))
    recognition.decide(session, entry, ACTOR, "示税失信〔2026〕3号", date(2029, 2, 13), decided)
    session.commit()
    return entry


def _sections(path: Path) -> dict[str, list[dict[str, str]]]:
    with zipfile.ZipFile(path) as archive:
        return {
            name: list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8-sig"))))
            for name in archive.namelist()
            if name.endswith(".csv")
        }


def test_a_friday_recognition_is_due_after_the_holiday_and_a_rejected_row_returns(
    session: Session, data_dir: Path
) -> None:
    entry = _recognised(session, FRIDAY)
    # 10 working days on the official calendar: Sat 14 Feb is a working day, 15-23 Feb
    # the holiday, Sat 28 Feb a working day: Thursday 5 March (weekends only: 27 Feb).
    assert entry.report_due == date(2026, 3, 5)
    package = build_package(session, ACTOR, "nation", date(2026, 2, 24), data_dir)
    session.commit()
    assert package is not None and package.number == "NATION-20260224-0001"
    path = package_path(data_dir, package)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == package.sha256
    sections = _sections(path)
    listed = sections["list_recognition.black_list.csv"]
    assert [(r["ROW_NO"], r["OPERATION"], r["REPORT_DUE"]) for r in listed] == [
        ("1", "认定", "2026-03-05")
    ]
    assert listed[0]["HM_RDWH"] == "示税失信〔2026〕3号"
    # Delivered to the national folder with its hash; nothing pending any more.
    sent = send_due(session, ACTOR, datetime(2026, 2, 24, 9), data_dir)
    assert [r.delivered for r in sent] == [True]
    inbox = data_dir.parent / "nation-inbox"
    assert (inbox / package.file_name).read_bytes() == path.read_bytes()
    assert (inbox / package.file_name).stat().st_mode & 0o777 == 0o600
    assert path.stat().st_mode & 0o777 == 0o600
    assert package.sha256 in (inbox / f"{package.number}.sha256").read_text()
    assert build_package(session, ACTOR, "nation", date(2026, 2, 24), data_dir) is None
    # On the due day it is in time; the next day it is overdue while unanswered.
    assert overdue(session, ACTOR, date(2026, 3, 5), "nation") == []
    late = overdue(session, ACTOR, date(2026, 3, 6), "nation")
    assert [(r.kind, r.state, r.overdue_days) for r in late] == [("list_recognition", "sent", 1)]
    receipt = f"包编号,行号,结果,原因\n{package.number},1,退回,认定机关代码与国家平台登记不一致\n"
    result = import_receipt(session, ACTOR, receipt, datetime(2026, 2, 25, 10))
    session.commit()
    assert (result.rejected, result.acknowledged) == (1, True)
    queue = department_queue(session, ACTOR, entry.department_id, date(2026, 2, 25))
    assert [(q.kind, q.reason, q.due) for q in queue] == [
        ("list_recognition", "认定机关代码与国家平台登记不一致", date(2026, 3, 5))
    ]
    assert session.get(ListRecognition, entry.id).reported_at is None  # type: ignore[union-attr]
    # The department resubmits; the next package carries it and an acceptance reports it.
    resubmit(session, ACTOR, queue[0].id or 0, "已在国家平台更新认定机关登记")
    again = build_package(session, ACTOR, "nation", date(2026, 2, 26), data_dir)
    assert again is not None and again.number == "NATION-20260226-0001"
    assert department_queue(session, ACTOR, entry.department_id, date(2026, 2, 26)) == []
    import_receipt(
        session,
        ACTOR,
        f'{{"package": "{again.number}", "rows": [{{"line": 1, "result": "accepted"}}]}}',
        datetime(2026, 2, 27, 10),
    )
    session.commit()
    assert session.get(ListRecognition, entry.id).reported_at == datetime(2026, 2, 27, 10)  # type: ignore[union-attr]


def test_a_wrong_receipt_is_refused_whole_with_every_error(
    session: Session, data_dir: Path
) -> None:
    _recognised(session, FRIDAY)
    package = build_package(session, ACTOR, "nation", date(2026, 2, 24), data_dir)
    assert package is not None
    text = f"包编号,行号,结果,原因\n{package.number},7,接收,\n{package.number},1,退回,\n"
    with pytest.raises(ReceiptError) as refused:
        import_receipt(session, ACTOR, text, datetime(2026, 2, 25))
    assert "回执第2行：退回须注明原因" in str(refused.value)
    text = f"包编号,行号,结果,原因\n{package.number},7,接收,\n"
    with pytest.raises(ReceiptError) as refused:
        import_receipt(session, ACTOR, text, datetime(2026, 2, 25))
    assert "行号“7”不在交换包" in str(refused.value)
    rows = session.query(ExchangeRow).all()
    assert [r.state for r in rows] == ["sent"]


def test_a_withdrawn_penalty_goes_up_as_a_withdrawal(session: Session, data_dir: Path) -> None:
    subject = org(session)
    saved = save_penalty(session, subject, penalty_values(subject, ["罚款"], date(2026, 5, 1)))
    session.commit()
    first = build_package(session, ACTOR, "nation", date(2026, 5, 6), data_dir)
    assert first is not None and first.sections == {"publicity_new": 1}
    withdraw(session, saved.record.id, ACTOR, "revoked", "复议撤销", date(2026, 5, 20))
    # Published and withdrawn between two packages: never reported, so nothing to withdraw.
    never = save_penalty(
        session, subject, penalty_values(subject, ["警告"], date(2026, 5, 8), "示市监罚〔2026〕2号")
    )
    withdraw(session, never.record.id, ACTOR, "void", "确认无效", date(2026, 5, 19))
    session.commit()
    second = build_package(session, ACTOR, "nation", date(2026, 5, 21), data_dir)
    session.commit()
    assert second is not None and second.sections == {"publicity_withdrawn": 1}
    rows = _sections(package_path(data_dir, second))["publicity_withdrawn.admin_penalty.csv"]
    assert [(r["OPERATION"], r["RECORD_KEY"], r["CF_WSH"]) for r in rows] == [
        ("撤销", saved.record.record_key, "示市监罚〔2026〕1号")
    ]
    assert build_package(session, ACTOR, "nation", date(2026, 5, 22), data_dir) is None


def test_only_the_national_platform_s_acceptance_reports_a_recognition(
    session: Session, data_dir: Path
) -> None:
    entry = _recognised(session, FRIDAY)
    province = build_package(session, ACTOR, "province", date(2026, 2, 24), data_dir)
    assert province is not None and province.number == "PROVINCE-20260224-0001"
    listed = _sections(package_path(data_dir, province))["list_recognition.black_list.csv"]
    assert listed[0]["行号"] == "1" and listed[0]["认定文书号"] == "示税失信〔2026〕3号"
    accepted = f"包编号,行号,结果,原因\n{province.number},1,接收,\n"
    import_receipt(session, ACTOR, accepted, datetime(2026, 2, 25))
    assert entry.reported_at is None
    nation = build_package(session, ACTOR, "nation", date(2026, 2, 24), data_dir)
    assert nation is not None
    import_receipt(
        session, ACTOR, accepted.replace(province.number, nation.number), datetime(2026, 2, 26)
    )
    assert entry.reported_at == datetime(2026, 2, 26)


def test_a_removal_from_a_reported_list_goes_up_as_a_removal(
    session: Session, data_dir: Path
) -> None:
    entry = _recognised(session, FRIDAY)
    first = build_package(session, ACTOR, "nation", date(2026, 2, 24), data_dir)
    assert first is not None and first.sections == {"list_recognition": 1}
    recognition.remove(session, entry, ACTOR, "repair", "已完成信用修复")
    session.commit()
    second = build_package(session, ACTOR, "nation", date(2026, 3, 2), data_dir)
    assert second is not None and second.sections == {"list_removal": 1}
    (row,) = _sections(package_path(data_dir, second))["list_removal.black_list.csv"]
    assert (row["OPERATION"], row["REMOVED_REASON"]) == ("移出", "信用修复：已完成信用修复")


def test_a_partner_city_s_package_reads_back_as_a_list_file(
    session: Session, data_dir: Path
) -> None:
    from xinyong.exchange.downward import import_list, read_list_file

    entry = _recognised(session, FRIDAY)
    package = build_package(session, ACTOR, "city", date(2026, 2, 24), data_dir)
    assert package is not None and package.sections == {"list_recognition": 1}
    with zipfile.ZipFile(package_path(data_dir, package)) as archive:
        section = data_dir / "black_list.csv"
        section.write_bytes(archive.read("list_recognition.black_list.csv"))
    office = session.get(Department, entry.department_id)
    assert office is not None
    result = import_list(
        session, ACTOR, office, "black_list", read_list_file(section),
        source="city", source_name=section.name, today=date(2026, 2, 25), rejected_dir=data_dir,
    )  # fmt: skip
    assert (result.local, result.rejected, result.loaded + result.unchanged) == (1, 0, 1)
