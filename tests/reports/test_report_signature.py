"""A report's PDF as a reader gets it: signed (PAdES), checked by ``xinyong reports verify``
and by poppler's pdfsig; one changed byte fails both; the register answers valid, revoked or
unknown; the text is Chinese in an embedded font, every character with a glyph."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from click.testing import CliRunner
from fastapi.testclient import TestClient
from helpers import org, staff_headers
from report_builders import pdf_text
from reportlab.pdfbase import pdfmetrics
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.audit.models import AuditEntry
from xinyong.cli.main import cli
from xinyong.reports.models import CreditReport
from xinyong.reports.pdf import FONT


def _issue(client: TestClient, code: str, **extra: object) -> dict:
    body = {"kind": "organisation", "code": code, "purpose": "招标投标资格审查"} | extra
    answer = client.post("/api/v1/reports", json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _download(client: TestClient, url: str, path: Path) -> bytes:
    answer = client.get(url.removeprefix("http://127.0.0.1:8000"))
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    path.write_bytes(answer.content)
    return answer.content


def _pdfsig(path: Path) -> str:
    return subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout


def _changed_byte(data: bytes) -> bytes:
    """One byte changed inside the first content stream (the file still parses)."""
    at = data.index(b"stream", data.index(b"/Length")) + 40
    changed = bytearray(data)
    changed[at] ^= 0x01
    return bytes(changed)


def test_signed_pdf_verifies_and_one_changed_byte_breaks_it(
    session: Session, client: TestClient, tmp_path: Path
) -> None:
    subject = org(session)
    session.commit()
    issued = _issue(client, subject.uscc or "")
    number = issued["number"]
    assert len(number) == 22 and number[:14].isdigit() and number[14:].isalnum()
    original = tmp_path / "report.pdf"
    data = _download(client, issued["url"], original)
    assert hashlib.sha256(data).hexdigest() == issued["sha256"]

    runner = CliRunner()
    good = runner.invoke(cli, ["reports", "verify", str(original)])
    assert good.exit_code == 0, good.output
    assert "有效：签名有效，文件未被改动" in good.output and issued["number"] in good.output
    signature = _pdfsig(original)
    assert "Signature Type: ETSI.CAdES.detached" in signature
    assert "Signature Validation: Signature is Valid." in signature
    assert "Total document signed" in signature

    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(_changed_byte(data))
    bad = runner.invoke(cli, ["reports", "verify", str(tampered)])
    assert bad.exit_code == 1 and "无效" in bad.output, bad.output
    assert "Signature is Valid." not in _pdfsig(tampered)

    # Appending after the signature is also caught.
    appended = tmp_path / "appended.pdf"
    appended.write_bytes(data + b"\n% added\n")
    assert runner.invoke(cli, ["reports", "verify", str(appended)]).exit_code == 1


def test_register_answers_valid_then_revoked_and_unknown(
    session: Session, client: TestClient
) -> None:
    subject = org(session)
    session.commit()
    issued = _issue(client, subject.uscc or "")
    query = {"number": issued["number"], "code": issued["verification_code"]}
    answer = client.get("/api/v1/reports/verify", params=query).json()
    assert answer["status"] == "valid" and answer["sha256"] == issued["sha256"]
    assert answer["subject_name"] == subject.name and answer["subject_code"] == subject.uscc
    page = client.get("/reports/verify", params=query).text
    assert "有效" in page and issued["sha256"] in page
    # The link printed beside the QR code (and encoded in it) opens the same page.
    session.expire_all()
    report = session.execute(select(CreditReport)).scalar_one()
    assert report.content["qr_url"] == issued["verify_url"]
    assert client.get(issued["verify_url"].removeprefix("http://127.0.0.1:8000")).text == page
    wrong = client.get("/api/v1/reports/verify", params=query | {"code": "AAAAAAAA"}).json()
    assert wrong["status"] == "unknown" and "sha256" not in {k for k, v in wrong.items() if v}

    number = issued["number"]
    refused = client.post(f"/api/v1/reports/{number}/revoke", json={"reason": "重新出具"})
    assert refused.status_code == 401
    headers = staff_headers(session, ["admin"])
    done = client.post(
        f"/api/v1/reports/{number}/revoke", json={"reason": "所载处罚已撤销"}, headers=headers
    )
    assert done.status_code == 200 and done.json()["status"] == "revoked"
    assert client.get("/api/v1/reports/verify", params=query).json()["status"] == "revoked"
    page = client.get("/reports/verify", params=query).text
    assert "已撤销" in page and "所载处罚已撤销" in page
    again = client.post(f"/api/v1/reports/{number}/revoke", json={"reason": "x"}, headers=headers)
    assert again.status_code == 422 and "已于" in again.json()["detail"]
    stats = client.get("/api/v1/reports/statistics", headers=headers).json()
    assert stats == {
        "total": 1,
        "revoked": 1,
        "by_kind": {"organisation": 1},
        "by_content": {"public": 1},
    }
    session.expire_all()
    actions = session.execute(
        select(AuditEntry.action).where(AuditEntry.target_type == "credit_report")
    ).scalars()
    assert sorted(actions) == ["report.issue", "report.revoke"]


def test_the_pdf_is_chinese_in_an_embedded_font_with_every_glyph(
    session: Session, client: TestClient, tmp_path: Path
) -> None:
    subject = org(session)
    session.commit()
    issued = _issue(client, subject.uscc or "", purpose="银行贷款审查")
    path = tmp_path / "report.pdf"
    _download(client, issued["url"], path)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    listed = fonts.splitlines()[2:]
    assert listed and all("WenQuanYiZenHei" in line for line in listed), fonts
    assert all(line.split()[-5] == "yes" for line in listed), fonts  # emb
    text = pdf_text(path)
    for expected in (
        "法人和非法人组织公共信用信息报告",
        issued["number"],
        "示范市公共信用信息平台",
        "行政管理信息（0条）",
        subject.name,
    ):
        assert expected in text, expected
    plain = subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True
    ).stdout
    joined = "".join(plain.split())
    assert "仅供银行贷款审查使用" in joined  # the diagonal watermark, on every page
    pages = joined.count("页共")
    assert pages >= 1 and f"第{pages}页共{pages}页" in joined
    # No missing-glyph boxes: every character printed has a glyph of its own in the font.
    face = pdfmetrics.getFont(FONT).face
    missing = {ch for ch in text if not ch.isspace() and ord(ch) not in face.charToGlyph}
    assert missing == set()
    # The pages render to PNG, with ink on them.
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(path), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert pages
    from PIL import Image

    with Image.open(pages[0]) as image:
        dark = sum(1 for p in image.convert("L").getdata() if p < 128)
    assert dark > 2000
