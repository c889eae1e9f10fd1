"""The raw text of each catalog field in a chunk, before cleaning: from whichever input columns
map to it, with placeholders ("N/A", "无", "-") made empty, values the platform knows filled
where the file has no column (the submitting department as the source), a subject's category
read from its code where the file has none, ID numbers in a combined code column moved to the
ID field, and an amount's currency taken from its written form ("10(万美元)").

``_raw_<code>`` is what cleaning reads; ``_sent_<code>`` is the text as sent where a
placeholder was removed (only for naming it in a rejection).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from xinyong.catalog.registry import Catalog
from xinyong.catalog.schema import CatalogItem, FieldType
from xinyong.ingest.headers import HeaderMap
from xinyong.ingest.idcheck import uscc_valid

PERSON = "自然人"
ORGANIZATION = "法人及非法人组织"
INDIVIDUAL_BUSINESS = "个体工商户"
# An ID number as a court publishes it: 18 characters (15 for old ones), some digits masked
# ("4101**********1234"); it begins with a province code (11-83), never with 9 as the USCC
# of an enterprise does.
_RESIDENT_ID = r"^[1-8]\d[\d*]{15}[\dXx]$|^[1-8]\d{14}$"


def raw_name(code: str) -> str:
    return f"_raw_{code}"


def sent_name(code: str) -> str:
    return f"_sent_{code}"


@dataclass(frozen=True)
class RawInputs:
    """What the raw columns are built from besides the file."""

    constants: dict[str, str]  # field code -> the value of every row (a field the file lacks)


def source_constants(item: CatalogItem, headers: HeaderMap, name: str, uscc: str) -> dict[str, str]:
    """The submitting department as every row's source, where the file names none: the
    platform knows who submits (a row naming another department is rejected elsewhere)."""
    code = item.columns.source_department
    if code is None or code in headers.columns:
        return {}
    constants = {code: uscc}
    name_code = code.removesuffix("DM")
    if name_code != code and name_code in item.field_codes and name_code not in headers.columns:
        constants[name_code] = name
    return constants


def _sources(frame: pl.DataFrame, headers: HeaderMap) -> dict[str, pl.Expr]:
    sources = {}
    for code, columns in headers.columns.items():
        if len(columns) == 1:
            expr = pl.col(columns[0])
        else:
            expr = pl.concat_str([pl.col(c) for c in columns], separator="；", ignore_nulls=True)
        sources[code] = expr
    return sources


def _placeholder(expr: pl.Expr, spellings: list[str]) -> pl.Expr:
    """Whether a cell holds only a placeholder: ``Placeholders.means_empty`` (the plain rule)
    for a whole column, as one lookup among its spellings."""
    return expr.is_in(spellings)


def raw_frame(
    frame: pl.DataFrame, item: CatalogItem, headers: HeaderMap, catalog: Catalog, inputs: RawInputs
) -> pl.DataFrame:
    """``frame`` with ``_raw_<code>`` for every field of ``item`` (and ``_sent_<code>`` where
    the file holds placeholders)."""
    sources = _sources(frame, headers)
    spellings = catalog.placeholders.spellings
    exprs, sent = [], []
    hits = frame.select(
        [_placeholder(e, spellings).any().alias(c) for c, e in sources.items()]
        or [pl.lit(False).alias("_none")]
    ).row(0, named=True)
    for code, expr in sources.items():
        if hits.get(code):
            sent.append(expr.alias(sent_name(code)))
            expr = pl.when(_placeholder(expr, spellings)).then(None).otherwise(expr)
        exprs.append(expr.alias(raw_name(code)))
    for code, value in inputs.constants.items():
        if code not in sources:
            exprs.append(pl.lit(value, dtype=pl.String).alias(raw_name(code)))
    present = {*sources, *inputs.constants}
    missing = [raw_name(f.code) for f in item.fields if f.code not in present]
    staged = frame.with_columns(*exprs, *sent).with_columns(
        [pl.lit(None, dtype=pl.String).alias(name) for name in missing]
    )
    staged = _route_person_ids(staged, item, present)
    staged = _category_from_codes(staged, item, present)
    return staged


def _route_person_ids(frame: pl.DataFrame, item: CatalogItem, present: set[str]) -> pl.DataFrame:
    """A combined code column ("身份证号码/组织机构代码") mapped to the USCC field: the values
    that are ID numbers go to the ID field, when the file has no column of its own for it."""
    uscc, person = item.subject.uscc, item.subject.resident_id
    if not (uscc and person and uscc in present and person not in present):
        return frame
    if item.field(uscc).type is FieldType.subject_code:
        return frame
    values = frame[raw_name(uscc)].str.strip_chars()
    candidate = values.str.contains(_RESIDENT_ID).fill_null(False)
    if not candidate.any():
        return frame
    # an all-digit USCC has the shape of an ID number too: only what is no valid USCC moves
    rows = candidate.arg_true()
    valid = uscc_valid(values.gather(rows)).fill_null(False)
    is_person = candidate.scatter(rows.filter(valid), False)
    return frame.with_columns(
        pl.when(is_person).then(None).otherwise(pl.col(raw_name(uscc))).alias(raw_name(uscc)),
        pl.when(is_person).then(values).otherwise(None).alias(raw_name(person)),
    )


def _category_from_codes(frame: pl.DataFrame, item: CatalogItem, present: set[str]) -> pl.DataFrame:
    """A file without a category column (the court's list): a row with an ID number is a
    natural person, one with an organisation's code an organisation (a USCC beginning 92 an
    individual business); rows with neither stay without one (and are rejected for it)."""
    category, uscc, person = item.subject.category, item.subject.uscc, item.subject.resident_id
    if category is None or category in present or not (uscc in present or person):
        return frame
    org_code = pl.col(raw_name(uscc)).str.strip_chars() if uscc else pl.lit(None)
    person_code = pl.col(raw_name(person)) if person else pl.lit(None, dtype=pl.String)
    derived = (
        pl.when(person_code.is_not_null())
        .then(pl.lit(PERSON))
        .when(org_code.str.starts_with("92"))
        .then(pl.lit(INDIVIDUAL_BUSINESS))
        .when(org_code.is_not_null())
        .then(pl.lit(ORGANIZATION))
        .otherwise(None)
    )
    return frame.with_columns(derived.alias(raw_name(category)))
