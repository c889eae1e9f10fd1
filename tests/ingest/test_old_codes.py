"""Old organization codes and masked USCCs resolve to a known subject only when exactly one
fits (a masked code: with the same name); never a guess."""

from __future__ import annotations

from helpers import org
from sqlalchemy.orm import Session

from xinyong.identifiers.uscc import uscc_check_char
from xinyong.ingest.oldcodes import organization_code, resolve_old_codes

TAIFU = "91230199744190927K"
TWIN_FIRST17 = "92230199744190927"  # another subject embedding the same organization code
TWIN = TWIN_FIRST17 + uscc_check_char(TWIN_FIRST17)


def test_an_organization_code_must_have_its_check_character() -> None:
    assert organization_code("74419092-7") == "744190927"
    assert organization_code("744190927") == "744190927"
    assert organization_code("74419092-8") is None


def test_old_codes_resolve_to_the_one_subject_that_fits(session: Session) -> None:
    org(session, TAIFU, "哈尔滨泰富电气有限公司")
    asked = [
        ("74419092-7", "哈尔滨泰富电气有限公司"),
        ("91230199744****927K", "哈尔滨泰富电气有限公司"),
        ("91230199744****927K", "另一家公司"),  # masked: the name must match too
        ("12345678-5", "哈尔滨泰富电气有限公司"),  # no subject embeds it
    ]
    found = resolve_old_codes(session, asked)
    assert found == {asked[0]: TAIFU, asked[1]: TAIFU}
    org(session, TWIN, "哈尔滨泰富电气有限公司")
    # two subjects embed the organization code: no guess; the masked code fits one still
    assert resolve_old_codes(session, asked[:2]) == {asked[1]: TAIFU}
