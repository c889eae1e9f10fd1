"""Vectorised validation and cleaning of one chunk of rows, driven by the catalog.

For every field the chunk gets a cleaned value column (named by the field code), and every row
gets its lists of errors (``_errors``: field, value and reason in Chinese), fixes (``_fixes``)
and flags (``_flags``: accepted, but worth a look).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import polars as pl

from xinyong.catalog.registry import Catalog, CodeList
from xinyong.catalog.schema import CatalogItem, Condition, Field, FieldType
from xinyong.identifiers.check import check_code
from xinyong.identifiers.normalize import (
    FIX_HALFWIDTH,
    FIX_SPACES,
    FIX_UPPER,
    HALFWIDTH,
    SPACES,
)
from xinyong.identifiers.resident_id import check_resident_id
from xinyong.identifiers.uscc import check_uscc
from xinyong.ingest.amounts import PLAIN_NUMBER, Amount, AmountReader, currency_names
from xinyong.ingest.exprs import Issue, label
from xinyong.ingest.exprs import code_mapping as _code_mapping
from xinyong.ingest.exprs import halfwidth as _halfwidth
from xinyong.ingest.exprs import issue as _issue
from xinyong.ingest.exprs import message as _message
from xinyong.ingest.headers import HeaderMap
from xinyong.ingest.idcheck import resident_id_valid, uscc_valid
from xinyong.ingest.oldcodes import Resolver
from xinyong.ingest.raw import RawInputs, raw_frame, sent_name
from xinyong.ingest.written import (
    OLD_CODE,
    STATED_CURRENCY,
    placeholder_fixes,
    with_currencies,
    with_old_codes,
    written_amounts,
)
from xinyong.publicity import vectorised

ERRORS, FIXES, FLAGS = "_errors", "_fixes", "_flags"
SEPARATORS = r"[；;,，、|]"
_FULLWIDTH = [chr(c) for c in HALFWIDTH]
_HALFWIDTH = [chr(c) for c in HALFWIDTH.values()]
# Any run of the characters identifiers lose in normalisation (SPACES).
_SPACES = "[" + "".join(f"\\x{{{ord(c):X}}}" for c in sorted(SPACES)) + "]+"
EXCEL_EPOCH = date(1899, 12, 30)
DATE_HINT = "不是有效日期（可用格式：2024-05-01、2024/5/1、20240501、2024年5月1日）"
EARLIEST_DATE = date(1900, 1, 1)


@dataclass
class Cleaned:
    """How one field is cleaned: its value from the raw text, then checks on both.

    ``value`` is computed first and materialised as the field's column; the issues then read
    that column (``pl.col(code)``) instead of computing it again.
    """

    value: pl.Expr
    errors: list[Issue]
    fixes: list[Issue]


def _trimmed(raw: pl.Expr) -> pl.Expr:
    text = raw.str.strip_chars()
    return pl.when(text == "").then(None).otherwise(text)


def _changed_fix(f: Field, raw: pl.Expr, value: pl.Expr) -> list[Issue]:
    """A fix note when the stored value differs from what was sent."""
    return _issue(
        value.is_not_null() & (value.cast(pl.String) != raw),
        pl.concat_str(
            [
                pl.lit(f"{label(f)}：“"),
                raw,
                pl.lit("”已规范为“"),
                value.cast(pl.String),
                pl.lit("”"),
            ]
        ),
    )


# -- one cleaner per field type --------------------------------------------------------------


def clean_text(f: Field, raw: pl.Expr, value: pl.Expr) -> Cleaned:
    errors: list[Issue] = []
    if f.max_length:
        errors = _issue(
            value.str.len_chars() > f.max_length,
            _message(f, value, f"长度超过{f.max_length}个字符"),
        )
    fix = _issue(value.is_not_null() & (value != raw), f"{label(f)}：已去除首尾空格")
    return Cleaned(_trimmed(raw), errors, fix)


def _normalized_code(raw: pl.Expr) -> pl.Expr:
    """``identifiers.normalize_code`` of each value (None for an empty result)."""
    half = _halfwidth(raw)
    return _trimmed(half.str.replace_all(_SPACES, "")).str.to_uppercase()


def _code_fix(f: Field, raw: pl.Expr, value: pl.Expr) -> list[Issue]:
    """The fixes ``identifiers.normalize_code`` reports, where the value changed."""
    half = _halfwidth(raw)
    parts = [
        pl.when(half != raw).then(pl.lit(FIX_HALFWIDTH)),
        pl.when(half.str.contains(_SPACES)).then(pl.lit(FIX_SPACES)),
        pl.when(half.str.replace_all(_SPACES, "") != value).then(pl.lit(FIX_UPPER)),
    ]
    joined = pl.concat_list(parts).list.drop_nulls().list.join("，")
    return _issue(
        value.is_not_null() & (value != raw), pl.concat_str([pl.lit(f"{label(f)}："), joined])
    )


# At most about this many valid values per identifier type are remembered across chunks.
KNOWN_VALID_LIMIT = 500_000


@dataclass
class CodeChecker:
    """Validates identifiers: the whole column at once by the vectorised checks, and values
    those do not pass one by one through the full check (which words the reason), once per
    distinct value across the chunks of a batch (valid values are remembered too)."""

    today: date
    # Old and masked organisation codes -> the USCC of a known subject (ingest.oldcodes)
    resolver: Resolver | None = None
    _seen: dict[tuple[FieldType, str], str | None] = field(default_factory=dict)
    # Values already found valid, by type: later chunks check only the values they add.
    _valid: dict[FieldType, pl.Series] = field(default_factory=dict)

    def _certainly_valid(self, field_type: FieldType, values: pl.Series) -> pl.Series:
        if field_type is FieldType.uscc:
            return uscc_valid(values)
        if field_type is FieldType.resident_id:
            return resident_id_valid(values, self.today)
        return pl.Series([False] * len(values), dtype=pl.Boolean)

    def _check(self, field_type: FieldType, value: str) -> list[str]:
        if field_type is FieldType.uscc:
            return check_uscc(value)[0]
        if field_type is FieldType.resident_id:
            return check_resident_id(value, self.today)
        return check_code(value, self.today).errors

    def _remember_valid(self, field_type: FieldType, valid: pl.Series) -> None:
        known = self._valid.get(field_type)
        if known is None:
            self._valid[field_type] = valid
        elif len(known) < KNOWN_VALID_LIMIT:
            self._valid[field_type] = pl.concat([known, valid])

    def problems(self, field_type: FieldType, values: pl.Series) -> dict[str, str]:
        """Error text for each distinct invalid value among ``values``."""
        found = {}
        distinct = values.drop_nulls().unique()
        known = self._valid.get(field_type)
        if known is not None:
            distinct = distinct.filter(~distinct.is_in(known.implode()))
        certain = self._certainly_valid(field_type, distinct)
        self._remember_valid(field_type, distinct.filter(certain))
        doubtful = distinct.filter(~certain)
        for value in doubtful.to_list():
            key = (field_type, value)
            if key not in self._seen:
                errors = self._check(field_type, value)
                self._seen[key] = "；".join(errors) if errors else None
            reason = self._seen[key]
            if reason:
                found[value] = reason
        return found


def clean_identifier(
    f: Field, raw: pl.Expr, frame: pl.DataFrame, checker: CodeChecker, applies: pl.Expr
) -> Cleaned:
    """Identifiers are checked on the frame where their normalised value is a column."""
    value = pl.col(f.code)
    candidates = frame.select(pl.when(applies).then(value).otherwise(None).alias("v"))["v"]
    problems = checker.problems(f.type, candidates)
    bad = value.is_in(list(problems)) if problems else pl.lit(False)
    reason = value.replace_strict(problems, default=None, return_dtype=pl.String)
    error = _issue(applies & bad, _message(f, raw, reason))
    return Cleaned(_normalized_code(raw), error, _code_fix(f, raw, value))


def _iso_text(raw: pl.Expr) -> pl.Expr:
    """Common date spellings rewritten as Y-M-D (2024年5月1日, 2024/5/1, 2024.5.1, 20240501)."""
    text = _trimmed(_halfwidth(raw))
    dashed = text.str.replace_all(r"[年月/.]", "-").str.replace(r"日$", "")
    dashed = dashed.str.replace(r"^(\d{4})(\d{2})(\d{2})$", "$1-$2-$3")
    # midnight after the date, with or without a space ("2003/04/1000:00:00.000")
    return dashed.str.replace(r"^(\d{4}-\d{1,2}-\d{1,2})[ T]?00:00(:00)?([.-]0+)?$", "$1")


def date_value(raw: pl.Expr) -> pl.Expr:
    text = _trimmed(raw)
    serial = text.str.extract(r"^(\d{5})(?:\.0+)?$", 1).cast(pl.Int64, strict=False)
    parsed = pl.coalesce(
        _iso_text(raw).str.strptime(pl.Date, "%Y-%m-%d", strict=False, exact=True),
        pl.lit(EXCEL_EPOCH) + pl.duration(days=serial),
    )
    return parsed.dt.strftime("%Y-%m-%d")


def clean_date(f: Field, raw: pl.Expr, value: pl.Expr) -> Cleaned:
    text = _trimmed(raw)
    unreadable = text.is_not_null() & value.is_null()
    error = _issue(
        unreadable | (value < pl.lit(EARLIEST_DATE.isoformat())),
        pl.when(unreadable)
        .then(_message(f, raw, DATE_HINT))
        .otherwise(_message(f, raw, f"日期早于{EARLIEST_DATE.year}年，不合理")),
    )
    return Cleaned(date_value(raw), error, _changed_fix(f, raw, value))


def clean_decimal(f: Field, raw: pl.Expr, value: pl.Expr, written: dict[str, Amount]) -> Cleaned:
    """A plain number by Polars; any other written form (``written``: its parse by
    ``amounts.parse_amount``, once per distinct value) from the mapping."""
    text = _trimmed(_halfwidth(raw).str.replace_all(r"[,\s]", ""))
    numeric = text.str.contains(PLAIN_NUMBER)
    unit = f"（单位：{f.unit}）" if f.unit else ""
    not_number = raw.is_not_null() & value.is_null() & (raw.str.strip_chars() != "")
    reasons = {k: a.error for k, a in written.items() if a.error}
    reason: pl.Expr | str = f"不是有效数字{unit}"
    if reasons:
        reason = raw.replace_strict(reasons, default=reason, return_dtype=pl.String)
    error = _issue(
        not_number | value.str.starts_with("-"),
        pl.when(not_number)
        .then(_message(f, raw, reason))
        .otherwise(_message(f, raw, "不能为负数")),
    )
    fix = _issue(
        value.is_not_null() & (value != raw),
        f"{label(f)}：数字中的全角字符、空格、千分位或单位已去除（金额以{f.unit or '原单位'}计）",
    )
    values = {k: a.value for k, a in written.items() if a.value is not None}
    parsed = raw.replace_strict(values, default=None, return_dtype=pl.String) if values else None
    stored = pl.when(numeric).then(text)
    return Cleaned(stored.otherwise(parsed) if parsed is not None else stored, error, fix)


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


def clean_code(f: Field, raw: pl.Expr, value: pl.Expr, codes: CodeList) -> Cleaned:
    text = _trimmed(_halfwidth(raw))
    error = _issue(text.is_not_null() & value.is_null(), _message(f, raw, _choices(codes)))
    return Cleaned(_canonical(codes, text), error, _changed_fix(f, raw, value))


def _set_parts(raw: pl.Expr) -> pl.Expr:
    text = _trimmed(raw)
    return (
        text.str.replace_all(SEPARATORS, ";")
        .str.split(";")
        .list.eval(pl.element().str.strip_chars().filter(pl.element() != ""))
    )


def clean_code_set(f: Field, raw: pl.Expr, value: pl.Expr, codes: CodeList) -> Cleaned:
    parts = _set_parts(raw)
    mapped = parts.list.eval(_canonical(codes, pl.element()))
    stored = (
        pl.when(parts.list.len() == 0)
        .then(None)
        .otherwise(mapped.list.drop_nulls().list.unique(maintain_order=True))
    )
    unknown_count = mapped.list.eval(pl.element().is_null()).list.sum()
    unknown = parts.list.eval(pl.element().filter(_canonical(codes, pl.element()).is_null()))
    error = _issue(
        unknown_count > 0,
        _message(
            f,
            raw,
            pl.concat_str(
                [pl.lit("其中“"), unknown.list.join("、"), pl.lit("”"), pl.lit(_choices(codes))]
            ),
        ),
    )
    joined = value.list.join("；")
    fix = _issue(
        value.is_not_null() & (joined != _trimmed(raw)),
        pl.concat_str([pl.lit(f"{label(f)}：“"), raw, pl.lit("”已规范为“"), joined, pl.lit("”")]),
    )
    return Cleaned(stored, error, fix)


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


def _empty_text(f: Field, sent: frozenset[str] | set[str], text: str) -> pl.Expr | str:
    """``text``, naming the placeholder where the row held one ("N/A" stands for nothing)."""
    if f.code not in sent:
        return text
    placeholder = pl.col(sent_name(f.code))
    return (
        pl.when(placeholder.is_not_null())
        .then(pl.concat_str([pl.lit(f"{text}（“"), placeholder, pl.lit("”表示空缺，不是有效值）")]))
        .otherwise(pl.lit(text))
    )


def required_errors(
    item: CatalogItem, sent: frozenset[str] | set[str] = frozenset()
) -> list[Issue]:
    """Required fields left empty; ``sent``: fields where some row held a placeholder."""
    errors: list[Issue] = []
    for f in item.fields:
        col = pl.col(f.code)
        empty = col.is_null()
        if f.type is FieldType.code_set:
            empty = empty | (col.list.len() == 0)
        raw_present = pl.col(f"_raw_{f.code}").is_not_null()
        missing = empty & ~raw_present  # a bad value already has its own error
        if f.required == "R":
            errors += _issue(missing, _empty_text(f, sent, f"{label(f)}：必填项为空"))
        elif f.required == "C" and f.when is not None:
            rule = _describe_condition(item, f.when)
            holds = condition_expr(item, f.when)
            errors += _issue(missing & holds, _empty_text(f, sent, f"{label(f)}：{rule}必填"))
    return errors


def _date_col(code: str | None) -> pl.Expr | None:
    return pl.col(code).str.strptime(pl.Date, "%Y-%m-%d", strict=False) if code else None


def logic_errors(item: CatalogItem, today: date) -> list[Issue]:
    cols = item.columns
    checks: list[Issue] = []
    decided, start, end, publicity = (
        _date_col(cols.decision_date),
        _date_col(cols.valid_from),
        _date_col(cols.valid_to),
        _date_col(cols.publicity_end),
    )
    if decided is not None and cols.decision_date:
        f = item.field(cols.decision_date)
        checks += _issue(
            decided > pl.lit(today),
            _message(f, pl.col(f.code), f"晚于今天（{today.isoformat()}），决定日期不能在未来"),
        )
    if start is not None and end is not None and cols.valid_to:
        f = item.field(cols.valid_to)
        checks += _issue(end < start, _message(f, pl.col(f.code), "早于有效期起始日期"))
    if publicity is not None and decided is not None and cols.publicity_end:
        f = item.field(cols.publicity_end)
        checks += _issue(publicity < decided, _message(f, pl.col(f.code), "早于决定日期"))
    return checks


RULE_GAP = "_rule_gap"


def with_rule_gap(stage: pl.DataFrame, item: CatalogItem) -> pl.DataFrame:
    """For penalties, the chunk with the column RULE_GAP: why no publicity rule covers the
    decision date (``periods.PenaltyRules.gap_on``, once per distinct date), None where one
    does. Such a penalty could get no publicity period: ``rule_gap_errors`` rejects it."""
    code = item.columns.decision_date
    if item.publicity.rule != "penalty_tiers" or code is None:
        return stage
    return stage.with_columns(vectorised.rule_gap(stage[code]).alias(RULE_GAP))


def rule_gap_errors(item: CatalogItem) -> list[Issue]:
    code = item.columns.decision_date
    if item.publicity.rule != "penalty_tiers" or code is None:
        return []
    f = item.field(code)
    gap = pl.col(RULE_GAP)
    return _issue(gap.is_not_null(), _message(f, pl.col(f"_raw_{code}"), gap))


_AMOUNT_IN_TEXT = r"(\d+(?:\.\d+)?)\s*(万元|元)"


CONTENT_YUAN = "_content_yuan"


def with_content_yuan(stage: pl.DataFrame, item: CatalogItem) -> pl.DataFrame:
    """The chunk with the fine written in the decision's text (处罚内容), in yuan, as the
    column CONTENT_YUAN that ``amount_flags`` reads (read once per distinct text)."""
    content = item.columns.penalty_content
    if not (item.columns.amount_wan and content):
        return stage
    found = pl.col(content).str.extract_groups(_AMOUNT_IN_TEXT)  # one regex pass
    number = found.struct.field("1").cast(pl.Float64, strict=False)
    unit = found.struct.field("2")
    in_yuan = pl.when(unit == "万元").then(number * 10000).otherwise(number).alias(CONTENT_YUAN)
    if repeats(stage[content].n_unique(), stage.height):
        return by_distinct(stage, content, in_yuan)
    return stage.with_columns(in_yuan)


def amount_flags(item: CatalogItem) -> list[Issue]:
    """Flag a fine whose amount disagrees with the amount written in the decision's text
    (read from the column ``with_content_yuan`` adds)."""
    cols = item.columns
    if not (cols.amount_wan and cols.penalty_content):
        return []
    in_yuan = pl.col(CONTENT_YUAN)
    declared = pl.col(cols.amount_wan).cast(pl.Float64, strict=False) * 10000
    f = item.field(cols.amount_wan)
    disagree = in_yuan.is_not_null() & declared.is_not_null() & ((in_yuan - declared).abs() > 0.5)
    return _issue(
        disagree,
        pl.concat_str(
            [
                pl.lit(f"{label(f)}：金额"),
                _yuan_text(declared),
                pl.lit("元与处罚内容中的"),
                _yuan_text(in_yuan),
                pl.lit("元不一致，请核对"),
            ]
        ),
    )


def _yuan_text(amount: pl.Expr) -> pl.Expr:
    return amount.round(0).cast(pl.Int64).cast(pl.String)


# -- putting it together ---------------------------------------------------------------------


def _typed(f: Field, catalog: Catalog, written: dict[str, dict[str, Amount]]) -> Cleaned:
    raw, value = pl.col(f"_raw_{f.code}"), pl.col(f.code)
    if f.type is FieldType.date:
        return clean_date(f, raw, value)
    if f.type is FieldType.decimal:
        return clean_decimal(f, raw, value, written.get(f.code, {}))
    if f.type is FieldType.code:
        return clean_code(f, raw, value, catalog.code_lists[f.code_list or ""])
    if f.type is FieldType.code_set:
        return clean_code_set(f, raw, value, catalog.code_lists[f.code_list or ""])
    return clean_text(f, raw, value)


IDENTIFIER_TYPES = (FieldType.uscc, FieldType.resident_id, FieldType.subject_code)


def clean_chunk(
    frame: pl.DataFrame,
    item: CatalogItem,
    headers: HeaderMap,
    catalog: Catalog,
    today: date,
    checker: CodeChecker | None = None,
    constants: dict[str, str] | None = None,
    amounts: AmountReader | None = None,
) -> pl.DataFrame:
    """Clean one chunk: field columns by code, plus _errors, _fixes and _flags lists.
    ``constants``: values of fields the file has no column for (the submitting department)."""
    checker = checker or CodeChecker(today)
    amounts = amounts or AmountReader(currency_names(catalog.code_lists["currency"]))
    with_raw = raw_frame(frame, item, headers, catalog, RawInputs(constants or {}))
    sent = {f.code for f in item.fields if sent_name(f.code) in with_raw.columns}
    written = written_amounts(with_raw, item, amounts)
    with_raw, currency_errors = with_currencies(with_raw, item, catalog, written)
    with_raw, old_issues = with_old_codes(with_raw, item, checker.resolver)
    plain = [
        (f, _typed(f, catalog, written)) for f in item.fields if f.type not in IDENTIFIER_TYPES
    ]
    ids = [f for f in item.fields if f.type in IDENTIFIER_TYPES]
    values = {f.code: c.value for f, c in plain}
    values |= {f.code: _normalized_code(pl.col(f"_raw_{f.code}")) for f in ids}
    local = {f.code: _own_conditions(f, c) for f, c in plain}
    stage = cleaned_values(with_raw, item, values, local)
    checks = [c for _, c in plain]
    for f in ids:
        applies = condition_expr(item, f.checked_when) if f.checked_when else pl.lit(True)
        checks.append(clean_identifier(f, pl.col(f"_raw_{f.code}"), stage, checker, applies))
    errors = [i for c in checks for i in c.errors]
    errors += required_errors(item, sent) + logic_errors(item, today) + rule_gap_errors(item)
    errors += currency_errors + old_issues[0]
    fixes = [i for c in checks for i in c.fixes] + placeholder_fixes(item, sent) + old_issues[1]
    flags = amount_flags(item)
    stage = with_rule_gap(with_content_yuan(stage, item), item)
    # Conditions already evaluated once per distinct raw value are read from their column.
    fired = [c for c in stage.columns if c.startswith(FIRED)]
    done = {id(w) for column in fired for w in local[column.removeprefix(FIRED)]}
    conditions = [pl.col(c) for c in fired] + [
        i.when for i in (*errors, *fixes, *flags) if id(i.when) not in done
    ]
    listed = _with_issue_lists(stage, conditions, errors, fixes, flags)
    return listed.drop(CONTENT_YUAN, RULE_GAP, STATED_CURRENCY, OLD_CODE, *fired, strict=False)


# Column prefix: whether some of a field's own conditions hold (see _own_conditions).
FIRED = "_fired_"


def _own_conditions(f: Field, cleaned: Cleaned) -> list[pl.Expr]:
    """The conditions of a field's issues that read only its raw text and its value: where
    the field is cleaned once per distinct raw value, they are evaluated there too."""
    own = {f"_raw_{f.code}", f.code}
    issues = [*cleaned.errors, *cleaned.fixes]
    return [i.when for i in issues if set(i.when.meta.root_names()) <= own]


# A field whose raw values repeat this often on average is cleaned once per distinct value.
REPEATS_FOR_DISTINCT = 4


def repeats(distinct: int, height: int) -> bool:
    """Whether values repeat enough (REPEATS_FOR_DISTINCT) to compute once per distinct one."""
    return distinct * REPEATS_FOR_DISTINCT <= height


def by_distinct(frame: pl.DataFrame, column: str, value: pl.Expr, *after: pl.Expr) -> pl.DataFrame:
    """The frame with ``value`` (an expression of ``column`` only) added as a column,
    computed once per distinct value of ``column`` and joined back; ``after``: more columns
    computed from those two the same way."""
    once = frame.select(pl.col(column).unique()).with_columns(value)
    if after:
        once = once.with_columns(after)
    return frame.join(once, on=column, how="left", maintain_order="left", nulls_equal=True)


def cleaned_values(
    with_raw: pl.DataFrame,
    item: CatalogItem,
    values: dict[str, pl.Expr],
    conditions: dict[str, list[pl.Expr]],
) -> pl.DataFrame:
    """The frame with each field's cleaned value as a column named by its code.

    Values of a field depend on its raw text only. Dates, amounts, codes and identifiers
    repeat (the same decision date, authority or category on many rows), so where a raw
    column has few distinct values they are cleaned once each and joined back; the others
    are cleaned row by row, lazily, so that shared subexpressions run once. A field cleaned
    once per distinct value also gets the column FIRED + code: whether any of its
    ``conditions`` (reading only its raw text and its value) holds.
    """
    candidates = [f"_raw_{f.code}" for f in item.fields if f.type is not FieldType.text]
    counts = with_raw.select(pl.col(candidates).n_unique()).row(0) if candidates else ()
    distinct = dict(zip(candidates, counts, strict=True))
    stage, rowwise = with_raw, []
    for code, value in values.items():
        raw = f"_raw_{code}"
        if raw in distinct and repeats(distinct[raw], with_raw.height):
            own = conditions.get(code)
            fired = [pl.any_horizontal(own).alias(FIRED + code)] if own else []
            stage = by_distinct(stage.drop(code, strict=False), raw, value.alias(code), *fired)
            continue
        rowwise.append(value.alias(code))
    # as with_columns would order them: a column named by a code is replaced in place
    columns = [*with_raw.columns, *(code for code in values if code not in with_raw.columns)]
    columns += [c for c in stage.columns if c.startswith(FIRED)]
    return stage.lazy().with_columns(rowwise).select(columns).collect()


def _issue_list(issues: list[Issue]) -> pl.Expr:
    if not issues:
        return pl.lit([], dtype=pl.List(pl.String))
    return pl.concat_list([i.expr() for i in issues]).list.drop_nulls()


def _with_issue_lists(
    stage: pl.DataFrame,
    conditions: list[pl.Expr],
    errors: list[Issue],
    fixes: list[Issue],
    flags: list[Issue],
) -> pl.DataFrame:
    """Add the _errors, _fixes and _flags lists, wording messages only where a check fired.

    ``conditions``: true in every row where some issue's condition holds (false elsewhere);
    the issues' own conditions, or columns that stand for some of them."""
    index = "_clean_index"
    fired = pl.any_horizontal(conditions) if conditions else pl.lit(False)
    indexed = stage.with_row_index(index)
    mask = indexed.lazy().select(fired.alias("m")).collect()["m"]
    worded = (
        indexed.filter(mask)
        .lazy()
        .select(
            index,
            _issue_list(errors).alias(ERRORS),
            _issue_list(fixes).alias(FIXES),
            _issue_list(flags).alias(FLAGS),
        )
        .collect()
    )
    empty = pl.lit([], dtype=pl.List(pl.String))
    return (
        indexed.join(worded, on=index, how="left", maintain_order="left")
        .with_columns(pl.col(c).fill_null(empty) for c in (ERRORS, FIXES, FLAGS))
        .drop(index)
    )
