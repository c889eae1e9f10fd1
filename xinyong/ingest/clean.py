"""Vectorised validation and cleaning of one chunk of rows, driven by the catalog.

For every field the chunk gets a cleaned value column (named by the field code), and every row
gets its lists of errors (``_errors``: field, value and reason in Chinese), fixes (``_fixes``)
and flags (``_flags``: accepted, but worth a look).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from xinyong.catalog.registry import Catalog, CodeList
from xinyong.catalog.schema import CatalogItem, Condition, Field, FieldType
from xinyong.identifiers.check import check_code
from xinyong.identifiers.resident_id import check_resident_id
from xinyong.identifiers.uscc import check_uscc
from xinyong.ingest.headers import HeaderMap

ERRORS, FIXES, FLAGS = "_errors", "_fixes", "_flags"
SEPARATORS = r"[；;,，、|]"
_FULLWIDTH = [chr(c) for c in range(0xFF01, 0xFF5F)] + ["\u3000"]
_HALFWIDTH = [chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)] + [" "]
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y年%m月%d日", "%Y.%m.%d", "%Y-%m-%d %H:%M:%S")
EXCEL_EPOCH = date(1899, 12, 30)
DATE_HINT = "不是有效日期（可用格式：2024-05-01、2024/5/1、20240501、2024年5月1日）"
EARLIEST_DATE = date(1900, 1, 1)


def label(f: Field) -> str:
    return f"{f.header}（{f.code}）"


def _message(f: Field, raw: pl.Expr, reason: pl.Expr | str) -> pl.Expr:
    reason_expr = pl.lit(reason) if isinstance(reason, str) else reason
    return pl.concat_str([pl.lit(f"{label(f)}“"), raw.fill_null(""), pl.lit("”："), reason_expr])


def _halfwidth(expr: pl.Expr) -> pl.Expr:
    return expr.str.replace_many(_FULLWIDTH, _HALFWIDTH)


@dataclass
class Cleaned:
    """Expressions for one field: its value, and at most one error and one fix per row."""

    value: pl.Expr
    error: pl.Expr
    fix: pl.Expr


def _none() -> pl.Expr:
    return pl.lit(None, dtype=pl.String)


def _trimmed(raw: pl.Expr) -> pl.Expr:
    text = raw.str.strip_chars()
    return pl.when(text == "").then(None).otherwise(text)


def _fix_when(changed: pl.Expr, f: Field, what: str) -> pl.Expr:
    return pl.when(changed).then(pl.lit(f"{label(f)}：{what}")).otherwise(_none())


# -- one cleaner per field type --------------------------------------------------------------


def clean_text(f: Field, raw: pl.Expr) -> Cleaned:
    value = _trimmed(raw)
    error = _none()
    if f.max_length:
        error = (
            pl.when(value.str.len_chars() > f.max_length)
            .then(_message(f, value, f"长度超过{f.max_length}个字符"))
            .otherwise(_none())
        )
    fix = _fix_when(value.is_not_null() & (value != raw), f, "已去除首尾空格")
    return Cleaned(value, error, fix)


def _normalized_code(raw: pl.Expr) -> pl.Expr:
    half = _halfwidth(raw)
    return _trimmed(half.str.replace_all(r"\s+", "")).str.to_uppercase()


def _code_fix(f: Field, raw: pl.Expr, value: pl.Expr) -> pl.Expr:
    half = _halfwidth(raw)
    parts = [
        pl.when(half != raw).then(pl.lit("全角字符已转为半角")),
        pl.when(half.str.contains(r"\s")).then(pl.lit("已去除空格")),
        pl.when(half.str.replace_all(r"\s+", "") != value).then(pl.lit("小写字母已转为大写")),
    ]
    joined = pl.concat_list(parts).list.drop_nulls().list.join("，")
    return (
        pl.when(value.is_not_null() & (joined != ""))
        .then(pl.concat_str([pl.lit(f"{label(f)}："), joined]))
        .otherwise(_none())
    )


def _validated(values: pl.Series, check: Callable[[str], list[str]]) -> dict[str, str]:
    """Error text for each distinct invalid value (checked once per distinct value)."""
    problems = {}
    for value in values.drop_nulls().unique().to_list():
        errors = check(value)
        if errors:
            problems[value] = "；".join(errors)
    return problems


@dataclass
class CodeChecker:
    """Validates identifier columns on their distinct values, then maps results back."""

    today: date

    def uscc(self, value: str) -> list[str]:
        return check_uscc(value)[0]

    def resident_id(self, value: str) -> list[str]:
        return check_resident_id(value, self.today)

    def subject_code(self, value: str) -> list[str]:
        return check_code(value, self.today).errors

    def checker(self, field_type: FieldType) -> Callable[[str], list[str]]:
        return {
            FieldType.uscc: self.uscc,
            FieldType.resident_id: self.resident_id,
            FieldType.subject_code: self.subject_code,
        }[field_type]


def clean_identifier(
    f: Field, raw: pl.Expr, frame: pl.DataFrame, checker: CodeChecker, applies: pl.Expr
) -> Cleaned:
    value = _normalized_code(raw)
    values = frame.select(pl.when(applies).then(value).otherwise(None).alias("v"))["v"]
    problems = _validated(values, checker.checker(f.type))
    reason = value.replace_strict(problems, default=None, return_dtype=pl.String)
    error = pl.when(applies & reason.is_not_null()).then(_message(f, raw, reason))
    return Cleaned(value, error.otherwise(_none()), _code_fix(f, raw, value))


def clean_date(f: Field, raw: pl.Expr, today: date) -> Cleaned:
    text = _trimmed(_halfwidth(raw))
    parsed = pl.coalesce(
        [text.str.strptime(pl.Date, fmt, strict=False, exact=True) for fmt in _DATE_FORMATS]
        + [
            pl.when(text.str.contains(r"^\d{5}(\.0+)?$")).then(
                pl.lit(EXCEL_EPOCH)
                + pl.duration(days=text.str.extract(r"^(\d{5})").cast(pl.Int64, strict=False))
            )
        ]
    )
    value = parsed.dt.strftime("%Y-%m-%d")
    error = (
        pl.when(text.is_not_null() & parsed.is_null())
        .then(
            _message(
                f, raw, "不是有效日期（可用格式：2024-05-01、2024/5/1、20240501、2024年5月1日）"
            )
        )
        .when(parsed < pl.lit(EARLIEST_DATE))
        .then(_message(f, raw, f"日期早于{EARLIEST_DATE.year}年，不合理"))
        .otherwise(_none())
    )
    fix = (
        pl.when(value.is_not_null() & (value != raw))
        .then(
            pl.concat_str(
                [pl.lit(f"{label(f)}：日期“"), raw, pl.lit("”已规范为“"), value, pl.lit("”")]
            )
        )
        .otherwise(_none())
    )
    return Cleaned(value, error, fix)


def clean_decimal(f: Field, raw: pl.Expr) -> Cleaned:
    text = _trimmed(_halfwidth(raw).str.replace_all(r"[,\s]", ""))
    numeric = text.str.contains(r"^-?\d+(\.\d+)?$")
    value = pl.when(numeric).then(text).otherwise(None)
    unit = f"（单位：{f.unit}）" if f.unit else ""
    error = (
        pl.when(text.is_not_null() & ~numeric)
        .then(_message(f, raw, f"不是有效数字{unit}"))
        .when(numeric & text.str.starts_with("-"))
        .then(_message(f, raw, "不能为负数"))
        .otherwise(_none())
    )
    fix = _fix_when(value.is_not_null() & (value != raw), f, "数字中的全角字符、空格或千分位已去除")
    return Cleaned(value, error, fix)


def _code_mapping(codes: CodeList) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for entry in codes.values:
        for name in (entry.value, *entry.aliases):
            mapping[name] = entry.value
    return mapping


def _canonical(codes: CodeList, element: pl.Expr) -> pl.Expr:
    mapped = element.replace_strict(_code_mapping(codes), default=None, return_dtype=pl.String)
    if codes.open_prefix:
        prefix = codes.open_prefix
        open_value = element.str.starts_with(prefix) & (element.str.len_chars() > len(prefix))
        mapped = pl.when(open_value).then(element).otherwise(mapped)
    return mapped


def _choices(codes: CodeList) -> str:
    shown = "、".join(v.value for v in codes.values)
    return f"不在代码集“{codes.label}”中（可选：{shown}）"


def clean_code(f: Field, raw: pl.Expr, codes: CodeList) -> Cleaned:
    text = _trimmed(_halfwidth(raw))
    value = _canonical(codes, text)
    error = pl.when(text.is_not_null() & value.is_null()).then(_message(f, raw, _choices(codes)))
    fix = pl.when(value.is_not_null() & (value != raw)).then(
        pl.concat_str([pl.lit(f"{label(f)}：“"), raw, pl.lit("”已规范为“"), value, pl.lit("”")])
    )
    return Cleaned(value, error.otherwise(_none()), fix.otherwise(_none()))


def clean_code_set(f: Field, raw: pl.Expr, codes: CodeList) -> Cleaned:
    text = _trimmed(raw)
    parts = (
        text.str.replace_all(SEPARATORS, ";")
        .str.split(";")
        .list.eval(pl.element().str.strip_chars().filter(pl.element() != ""))
    )
    mapped = parts.list.eval(_canonical(codes, pl.element()))
    unknown = parts.list.eval(pl.element().filter(_canonical(codes, pl.element()).is_null()))
    value = (
        pl.when(text.is_null() | (parts.list.len() == 0))
        .then(None)
        .otherwise(mapped.list.drop_nulls().list.unique(maintain_order=True))
    )
    error = pl.when(unknown.list.len() > 0).then(
        _message(
            f,
            raw,
            pl.concat_str(
                [pl.lit("其中“"), unknown.list.join("、"), pl.lit("”"), pl.lit(_choices(codes))]
            ),
        )
    )
    joined = value.list.join("；")
    fix = pl.when(value.is_not_null() & (joined != text)).then(
        pl.concat_str([pl.lit(f"{label(f)}：“"), raw, pl.lit("”已规范为“"), joined, pl.lit("”")])
    )
    return Cleaned(value, error.otherwise(_none()), fix.otherwise(_none()))


# -- rules across fields ---------------------------------------------------------------------


def condition_expr(item: CatalogItem, cond: Condition) -> pl.Expr:
    col = pl.col(cond.field)
    is_set = item.field(cond.field).type is FieldType.code_set
    if cond.present is not None:
        present = col.is_not_null() & ((col.list.len() > 0) if is_set else pl.lit(True))
        return present if cond.present else ~present
    if cond.contains is not None:
        return col.list.contains(cond.contains) if is_set else (col == cond.contains)
    values = cond.in_ if cond.in_ is not None else cond.not_in or []
    hit = col.list.eval(pl.element().is_in(values)).list.any() if is_set else col.is_in(values)
    hit = hit.fill_null(False)
    return hit if cond.in_ is not None else (col.is_not_null() & ~hit)


def _describe_condition(item: CatalogItem, cond: Condition) -> str:
    other = label(item.field(cond.field))
    if cond.present is not None:
        return f"当{other}{'已' if cond.present else '未'}填写时"
    if cond.contains is not None:
        return f"当{other}包含“{cond.contains}”时"
    values = "、".join(cond.in_ or cond.not_in or [])
    return f"当{other}{'为' if cond.in_ is not None else '不为'}“{values}”时"


def required_errors(item: CatalogItem) -> list[pl.Expr]:
    errors: list[pl.Expr] = []
    for f in item.fields:
        col = pl.col(f.code)
        empty = col.is_null()
        if f.type is FieldType.code_set:
            empty = empty | (col.list.len() == 0)
        raw_present = pl.col(f"_raw_{f.code}").is_not_null()
        missing = empty & ~raw_present  # a bad value already has its own error
        if f.required == "R":
            errors.append(pl.when(missing).then(pl.lit(f"{label(f)}：必填项为空")).otherwise(None))
        elif f.required == "C" and f.when is not None:
            rule = _describe_condition(item, f.when)
            holds = condition_expr(item, f.when)
            errors.append(
                pl.when(missing & holds).then(pl.lit(f"{label(f)}：{rule}必填")).otherwise(None)
            )
    return errors


def _date_col(code: str | None) -> pl.Expr | None:
    return pl.col(code).str.strptime(pl.Date, "%Y-%m-%d", strict=False) if code else None


def logic_errors(item: CatalogItem, today: date) -> list[pl.Expr]:
    cols = item.columns
    checks: list[pl.Expr] = []
    decided, start, end, publicity = (
        _date_col(cols.decision_date),
        _date_col(cols.valid_from),
        _date_col(cols.valid_to),
        _date_col(cols.publicity_end),
    )
    if decided is not None and cols.decision_date:
        f = item.field(cols.decision_date)
        checks.append(
            pl.when(decided > pl.lit(today)).then(
                _message(f, pl.col(f.code), f"晚于今天（{today.isoformat()}），决定日期不能在未来")
            )
        )
    if start is not None and end is not None and cols.valid_to:
        f = item.field(cols.valid_to)
        checks.append(pl.when(end < start).then(_message(f, pl.col(f.code), "早于有效期起始日期")))
    if publicity is not None and decided is not None and cols.publicity_end:
        f = item.field(cols.publicity_end)
        checks.append(
            pl.when(publicity < decided).then(_message(f, pl.col(f.code), "早于决定日期"))
        )
    return checks


_AMOUNT_IN_TEXT = r"(\d+(?:\.\d+)?)\s*(万元|元)"


def amount_flags(item: CatalogItem) -> list[pl.Expr]:
    """Flag a fine whose amount disagrees with the amount written in the decision's text."""
    cols = item.columns
    if not (cols.amount_wan and cols.penalty_content):
        return []
    text = pl.col(cols.penalty_content)
    number = text.str.extract(_AMOUNT_IN_TEXT, 1).cast(pl.Float64, strict=False)
    unit = text.str.extract(_AMOUNT_IN_TEXT, 2)
    in_yuan = pl.when(unit == "万元").then(number * 10000).otherwise(number)
    declared = pl.col(cols.amount_wan).cast(pl.Float64, strict=False) * 10000
    f = item.field(cols.amount_wan)
    disagree = in_yuan.is_not_null() & declared.is_not_null() & ((in_yuan - declared).abs() > 0.5)
    return [
        pl.when(disagree).then(
            pl.concat_str(
                [
                    pl.lit(f"{label(f)}：金额"),
                    declared.round(2).cast(pl.String),
                    pl.lit("元与处罚内容中的"),
                    in_yuan.round(2).cast(pl.String),
                    pl.lit("元不一致，请核对"),
                ]
            )
        )
    ]


# -- putting it together ---------------------------------------------------------------------


def raw_columns(frame: pl.DataFrame, headers: HeaderMap) -> list[pl.Expr]:
    """One raw text column per catalog field, from whichever input columns map to it."""
    exprs = []
    for code, columns in headers.columns.items():
        if len(columns) == 1:
            expr = pl.col(columns[0])
        else:
            expr = pl.concat_str([pl.col(c) for c in columns], separator="；", ignore_nulls=True)
        exprs.append(expr.alias(f"_raw_{code}"))
    return exprs


def _typed(f: Field, raw: pl.Expr, catalog: Catalog, today: date) -> Cleaned:
    if f.type is FieldType.date:
        return clean_date(f, raw, today)
    if f.type is FieldType.decimal:
        return clean_decimal(f, raw)
    if f.type is FieldType.code:
        return clean_code(f, raw, catalog.code_lists[f.code_list or ""])
    if f.type is FieldType.code_set:
        return clean_code_set(f, raw, catalog.code_lists[f.code_list or ""])
    return clean_text(f, raw)


IDENTIFIER_TYPES = (FieldType.uscc, FieldType.resident_id, FieldType.subject_code)


def clean_chunk(
    frame: pl.DataFrame,
    item: CatalogItem,
    headers: HeaderMap,
    catalog: Catalog,
    today: date,
) -> pl.DataFrame:
    """Clean one chunk: field columns by code, plus _errors, _fixes and _flags lists."""
    with_raw = frame.with_columns(raw_columns(frame, headers))
    for f in item.fields:
        if f"_raw_{f.code}" not in with_raw.columns:
            with_raw = with_raw.with_columns(_none().alias(f"_raw_{f.code}"))
    plain = _each([f for f in item.fields if f.type not in IDENTIFIER_TYPES], catalog, today)
    stage = with_raw.with_columns(*[c.value.alias(f.code) for f, c in plain])
    error_cols = [c.error for _, c in plain]
    fix_cols = [c.fix for _, c in plain]
    checker = CodeChecker(today)
    for f in item.fields:
        if f.type not in IDENTIFIER_TYPES:
            continue
        applies = condition_expr(item, f.checked_when) if f.checked_when else pl.lit(True)
        c = clean_identifier(f, pl.col(f"_raw_{f.code}"), stage, checker, applies)
        stage = stage.with_columns(c.value.alias(f.code))
        error_cols.append(c.error)
        fix_cols.append(c.fix)
    error_cols += required_errors(item) + logic_errors(item, today)
    return stage.with_columns(
        pl.concat_list(error_cols).list.drop_nulls().alias(ERRORS),
        pl.concat_list(fix_cols).list.drop_nulls().alias(FIXES),
        _flags(item).alias(FLAGS),
    )


def _flags(item: CatalogItem) -> pl.Expr:
    flags = amount_flags(item)
    if not flags:
        return pl.lit([], dtype=pl.List(pl.String))
    return pl.concat_list(flags).list.drop_nulls()


def _each(fields: list[Field], catalog: Catalog, today: date) -> list[tuple[Field, Cleaned]]:
    return [(f, _typed(f, pl.col(f"_raw_{f.code}"), catalog, today)) for f in fields]


def row_values(row: dict[str, Any], item: CatalogItem) -> dict[str, Any]:
    return {f.code: row.get(f.code) for f in item.fields}
