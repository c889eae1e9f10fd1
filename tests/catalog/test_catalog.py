"""The credit information catalog: shipped items and refusal of broken files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from xinyong.catalog import CatalogError, load_catalog
from xinyong.catalog.registry import PACKAGE_DIR
from xinyong.catalog.schema import Openness

EXPECTED_ITEMS = [
    "registration_basics",
    "admin_license",
    "admin_penalty",
    "admin_enforcement",
    "admin_confirmation",
    "admin_levy",
    "admin_benefit",
    "admin_inspection",
    "dishonest_judgment_debtor",
    "black_list",
    "red_list",
    "abnormal_operation",
    "tax_credit_grade",
    "commitment",
    "integrity_honour",
    "social_insurance_arrears",
    "utility_arrears",
    "housing_fund",
    "shareholder",
    "key_personnel",
    "registration_change",
    "annual_report",
]

# standards.md §3, administrative penalty, in the standard's order.
PENALTY_FIELDS = [
    "CF_XDR_MC",
    "CF_XDR_LB",
    "CF_XDR_SHXYM",
    "CF_XDR_GSZC",
    "CF_XDR_ZZJG",
    "CF_XDR_SWDJ",
    "CF_XDR_SYDW",
    "CF_XDR_SHZZ",
    "CF_FRDB",
    "CF_FR_ZJLX",
    "CF_FR_ZJHM",
    "CF_XDR_ZJLX",
    "CF_XDR_ZJHM",
    "CF_WSH",
    "CF_WFXW",
    "CF_SY",
    "CF_YJ",
    "CF_CFLB",
    "CF_NR",
    "CF_NR_FK",
    "CF_NR_WFFF",
    "CF_NR_ZKDX",
    "CF_JDRQ",
    "CF_YXQ",
    "CF_GSJZQ",
    "CF_CFJG",
    "CF_CFJGDM",
    "CF_SJLY",
    "CF_SJLYDM",
    "BZ",
]

# standards.md §3, administrative licence, in the standard's order.
LICENSE_FIELDS = [
    "XK_XDR_MC",
    "XK_XDR_LB",
    "XK_XDR_SHXYM",
    "XK_XDR_GSZC",
    "XK_XDR_ZZJG",
    "XK_XDR_SWDJ",
    "XK_XDR_SYDW",
    "XK_XDR_SHZZ",
    "XK_FRDB",
    "XK_FR_ZJLX",
    "XK_FR_ZJHM",
    "XK_XDR_ZJLX",
    "XK_XDR_ZJHM",
    "XK_XKWS",
    "XK_WSH",
    "XK_XKLB",
    "XK_XKZS",
    "XK_XKBH",
    "XK_NR",
    "XK_JDRQ",
    "XK_YXQZ",
    "XK_YXQZI",
    "XK_XKJG",
    "XK_XKJGDM",
    "XK_ZT",
    "XK_LYDW",
    "XK_LYDWDM",
    "BZ",
]


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture
def catalog_copy(tmp_path: Path) -> Path:
    """A copy of the package's catalog files that a test may break."""
    for name in ("codelists.yaml", "categories.yaml"):
        shutil.copy(PACKAGE_DIR / name, tmp_path / name)
    for name in ("fragments", "rules", "items"):
        shutil.copytree(PACKAGE_DIR / name, tmp_path / name)
    return tmp_path


def penalty_file(base: Path) -> Path:
    return base / "items" / "admin_penalty.yaml"


def add_penalty_field(base: Path, field_yaml: str) -> None:
    path = penalty_file(base)
    text = path.read_text(encoding="utf-8")
    if not text.endswith("\n"):
        text += "\n"
    path.write_text(text + f"  - {field_yaml}\n", encoding="utf-8")


def replace_in_penalty(base: Path, old: str, new: str) -> None:
    path = penalty_file(base)
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def load_error(base: Path) -> str:
    with pytest.raises(CatalogError) as info:
        load_catalog(base=base)
    return str(info.value)


def test_copy_of_the_catalog_loads(catalog_copy: Path) -> None:
    assert set(load_catalog(base=catalog_copy).items) >= set(EXPECTED_ITEMS)


def test_shipped_items_are_loaded(catalog) -> None:
    assert set(catalog.items) >= set(EXPECTED_ITEMS)


def test_admin_penalty_fields_follow_the_standard(catalog) -> None:
    assert catalog.item("admin_penalty").field_codes == PENALTY_FIELDS


def test_admin_license_fields_follow_the_standard(catalog) -> None:
    assert catalog.item("admin_license").field_codes == LICENSE_FIELDS


def test_fine_is_required_only_when_categories_include_fine(catalog) -> None:
    fine = catalog.item("admin_penalty").field("CF_NR_FK")
    assert fine.required == "C"
    assert fine.unit == "万元"
    assert fine.when is not None
    assert fine.when.holds({"CF_CFLB": ["罚款"]})
    assert fine.when.holds({"CF_CFLB": ["警告", "罚款"]})
    assert not fine.when.holds({"CF_CFLB": ["警告"]})
    assert not fine.when.holds({"CF_CFLB": []})
    assert not fine.when.holds({})


@pytest.mark.parametrize("code", EXPECTED_ITEMS)
def test_every_item_has_basis_key_and_openness(catalog, code: str) -> None:
    item = catalog.item(code)
    assert item.legal_basis.strip()
    assert item.natural_key
    assert isinstance(item.openness, Openness)


def test_unknown_item_is_a_catalog_error(catalog) -> None:
    with pytest.raises(CatalogError, match="no_such_item"):
        catalog.item("no_such_item")


def test_unknown_field_type(catalog_copy: Path) -> None:
    add_penalty_field(catalog_copy, "{code: CF_EXTRA, header: 附加说明, type: blob}")
    message = load_error(catalog_copy)
    assert "admin_penalty.yaml" in message
    assert "type" in message


def test_unknown_field_type_names_field_and_value(catalog_copy: Path) -> None:
    add_penalty_field(catalog_copy, "{code: CF_EXTRA, header: 附加说明, type: blob}")
    message = load_error(catalog_copy)
    assert "CF_EXTRA" in message and "blob" in message and "无效" in message


@pytest.mark.parametrize(
    ("field_yaml", "topic"),
    [
        ("{code: CF_ZJXY, header: 宗教信仰}", "宗教信仰"),
        ("{code: CF_BS, header: 病史}", "病史"),
        ("{code: MEDICAL_HISTORY, header: 其他说明}", "病史"),
        ("{code: MEDICAL_HISTORY, header: 病史}", "病史"),
        ("{code: CF_ZW, header: 指纹}", "指纹"),
    ],
)
def test_never_collected_fields_are_refused(
    catalog_copy: Path, field_yaml: str, topic: str
) -> None:
    add_penalty_field(catalog_copy, field_yaml)
    message = load_error(catalog_copy)
    assert "admin_penalty.yaml" in message
    assert topic in message
    assert "禁止采集" in message


def test_income_field_needs_written_consent(catalog_copy: Path) -> None:
    add_penalty_field(catalog_copy, "{code: CF_SR, header: 个人收入}")
    message = load_error(catalog_copy)
    assert "admin_penalty.yaml" in message
    assert "收入" in message
    assert "consent: written" in message


def test_income_field_with_written_consent_is_accepted(catalog_copy: Path) -> None:
    add_penalty_field(catalog_copy, "{code: CF_SR, header: 个人收入, consent: written}")
    item = load_catalog(base=catalog_copy).item("admin_penalty")
    assert item.field("CF_SR").consent == "written"


def test_petition_field_needs_law_basis(catalog_copy: Path) -> None:
    add_penalty_field(catalog_copy, "{code: CF_XF, header: 信访记录}")
    message = load_error(catalog_copy)
    assert "admin_penalty.yaml" in message
    assert "信访" in message
    assert "law_basis" in message


def test_petition_field_with_law_basis_is_accepted(catalog_copy: Path) -> None:
    add_penalty_field(catalog_copy, "{code: CF_XF, header: 信访记录, law_basis: 某条例第十条}")
    assert "CF_XF" in load_catalog(base=catalog_copy).item("admin_penalty").field_codes


def test_invalid_yaml_syntax(catalog_copy: Path) -> None:
    add_penalty_field(catalog_copy, "{code: [unclosed")
    message = load_error(catalog_copy)
    assert "admin_penalty.yaml" in message
    assert "YAML" in message


def test_natural_key_referencing_missing_field(catalog_copy: Path) -> None:
    replace_in_penalty(
        catalog_copy,
        "natural_key: [CF_WSH, subject, CF_CFJGDM]",
        "natural_key: [CF_WSH, subject, CF_MISSING]",
    )
    message = load_error(catalog_copy)
    assert "admin_penalty.yaml" in message
    assert "natural_key" in message
    assert "CF_MISSING" in message


def test_unknown_code_list(catalog_copy: Path) -> None:
    replace_in_penalty(catalog_copy, "code_list: penalty_category", "code_list: no_such_list")
    message = load_error(catalog_copy)
    assert "admin_penalty.yaml" in message
    assert "no_such_list" in message
    assert "CF_CFLB" in message


def test_conditional_field_without_condition(catalog_copy: Path) -> None:
    add_penalty_field(catalog_copy, "{code: CF_EXTRA, header: 附加说明, required: C}")
    message = load_error(catalog_copy)
    assert "admin_penalty.yaml" in message
    assert "CF_EXTRA" in message
    assert "when" in message


def test_item_code_must_match_file_name(catalog_copy: Path) -> None:
    items = catalog_copy / "items"
    (items / "admin_penalty.yaml").rename(items / "penalty.yaml")
    message = load_error(catalog_copy)
    assert "penalty.yaml" in message
    assert "admin_penalty" in message
    assert "文件名" in message
