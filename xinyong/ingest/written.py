"""Cleaning steps for values as people write them (issue 28): amounts with units and
currencies, placeholders, old organisation codes. Each reads the chunk's raw columns (built by
``ingest.raw``) and gives back the chunk and its checks."""

from __future__ import annotations

import polars as pl

from xinyong.catalog.registry import Catalog
from xinyong.catalog.schema import CatalogItem, FieldType
from xinyong.ingest.amounts import PLAIN_NUMBER, Amount, AmountReader
from xinyong.ingest.exprs import Issue, code_mapping, halfwidth, issue, label, message
from xinyong.ingest.oldcodes import OLD_CODE_PATTERN, Resolver
from xinyong.ingest.raw import sent_name

STATED_CURRENCY = "_stated_currency"


def placeholder_fixes(item: CatalogItem, sent: set[str]) -> list[Issue]:
    """A placeholder in a field the row may leave empty: stored as empty, with a note."""
    fixes: list[Issue] = []
    for f in item.fields:
        if f.code in sent:
            placeholder = pl.col(sent_name(f.code))
            removed = placeholder.is_not_null() & pl.col(f"_raw_{f.code}").is_null()
            text = [pl.lit(f"{label(f)}：“"), placeholder, pl.lit("”表示空缺，按空值处理")]
            fixes += issue(removed, pl.concat_str(text))
    return fixes


OLD_CODE = "_old_code"
_KEY_SEPARATOR = "\x1f"


def with_old_codes(
    with_raw: pl.DataFrame, item: CatalogItem, resolver: Resolver | None
) -> tuple[pl.DataFrame, tuple[list[Issue], list[Issue]]]:
    """An old organization code or a masked USCC in the subject's USCC field, replaced by the
    USCC of the known subject it fits (a fix); left as sent, with the reason, when none fits."""
    code, name = item.subject.uscc, item.subject.name
    if resolver is None or code is None or item.field(code).type is not FieldType.uscc:
        return with_raw, ([], [])
    raw = pl.col(f"_raw_{code}")
    value = raw.str.strip_chars().str.to_uppercase()
    old = value.str.contains(OLD_CODE_PATTERN).fill_null(False)
    pairs = (
        with_raw.filter(old).select(value.alias("v"), pl.col(f"_raw_{name}").alias("n")).unique()
    )
    if pairs.height == 0:
        return with_raw, ([], [])
    found = resolver(list(pairs.iter_rows()))
    keys = {f"{v}{_KEY_SEPARATOR}{n or ''}": uscc for (v, n), uscc in found.items()}
    key = pl.concat_str([value, pl.lit(_KEY_SEPARATOR), pl.col(f"_raw_{name}").fill_null("")])
    full = key.replace_strict(keys, default=None, return_dtype=pl.String)
    staged = with_raw.with_columns(
        pl.when(old).then(raw).otherwise(None).alias(OLD_CODE),
        pl.when(old).then(pl.coalesce(full, raw)).otherwise(raw).alias(f"_raw_{code}"),
    )
    f = item.field(code)
    sent = pl.col(OLD_CODE)
    resolved = sent.is_not_null() & (pl.col(f"_raw_{code}") != sent)
    fix = pl.concat_str(
        [
            pl.lit(f"{label(f)}：旧代码“"),
            sent,
            pl.lit("”已换算为已登记主体的统一社会信用代码“"),
            pl.col(f"_raw_{code}"),
            pl.lit("”"),
        ]
    )
    reason = (
        "是旧的组织机构代码或打码的统一社会信用代码，平台没有唯一对应的已登记主体"
        "（打码的代码还须同名）：请填写18位统一社会信用代码，或先载入该主体的登记信息"
    )
    error = message(f, sent, reason)
    return staged, (issue(sent.is_not_null() & ~resolved, error), issue(resolved, fix))


def written_amounts(
    with_raw: pl.DataFrame, item: CatalogItem, amounts: AmountReader
) -> dict[str, dict[str, Amount]]:
    """For each amount field, the distinct values that are not plain numbers, parsed."""
    found: dict[str, dict[str, Amount]] = {}
    for f in item.fields:
        if f.type is not FieldType.decimal:
            continue
        raw = pl.col(f"_raw_{f.code}")
        plain = halfwidth(raw).str.replace_all(r"[,\s]", "").str.contains(PLAIN_NUMBER)
        odd = with_raw.select(raw.filter(~plain & (raw.str.strip_chars() != "")).unique())
        values = odd.to_series().drop_nulls().to_list()
        if values:
            found[f.code] = amounts.read(values, f.unit, f.currency_field is not None)
    return found


def with_currencies(
    with_raw: pl.DataFrame,
    item: CatalogItem,
    catalog: Catalog,
    written: dict[str, dict[str, Amount]],
) -> tuple[pl.DataFrame, list[Issue]]:
    """The currency field filled from the currency its amount's text names where the row
    gives none; an error where the row gives another one."""
    errors: list[Issue] = []
    for f in item.fields:
        stated = {k: a.currency for k, a in written.get(f.code, {}).items() if a.currency}
        if not (f.currency_field and stated):
            continue
        amount, given = pl.col(f"_raw_{f.code}"), pl.col(f"_raw_{f.currency_field}")
        named = amount.replace_strict(stated, default=None, return_dtype=pl.String)
        with_raw = with_raw.with_columns(
            named.alias(STATED_CURRENCY),
            pl.coalesce(given, named).alias(f"_raw_{f.currency_field}"),
        )
        other = pl.col(STATED_CURRENCY)
        codes = code_mapping(catalog.code_lists[item.field(f.currency_field).code_list or ""])
        given_canonical = pl.col(f"_raw_{f.currency_field}").replace_strict(
            codes, default=None, return_dtype=pl.String
        )
        clash = other.is_not_null() & given_canonical.is_not_null() & (given_canonical != other)
        errors += issue(
            clash,
            message(
                f,
                amount,
                pl.concat_str([pl.lit("所写币种“"), other, pl.lit("”与币种字段不一致")]),
            ),
        )
    return with_raw, errors
