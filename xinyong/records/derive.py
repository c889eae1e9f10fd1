"""Typed common columns of records, derived from the items' own fields through the catalog.

Vectorised over a Polars frame of cleaned field values (ISO dates, decimal strings, lists for
code sets), so that a single save and a bulk load of millions of rows share one implementation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl
import polars_hash as plh

from xinyong.catalog.schema import CatalogItem, FieldType
from xinyong.publicity import vectorised

INVALID_STATUS_VALUES = ["无效"]
DERIVED = (
    "decision_date",
    "valid_from",
    "valid_to",
    "publicity_end",
    "severity",
    "amount_yuan",
    "status",
)


def _date(code: str | None) -> pl.Expr:
    if code is None:
        return pl.lit(None, dtype=pl.Date)
    return pl.col(code).str.strptime(pl.Date, "%Y-%m-%d", strict=False)


def _amount_yuan(item: CatalogItem) -> pl.Expr:
    cols = item.columns
    if cols.amount_wan:
        wan = pl.col(cols.amount_wan).cast(pl.Decimal(24, 6), strict=False)
        return (wan * 10000).cast(pl.Decimal(20, 2))
    if cols.amount_yuan:
        return pl.col(cols.amount_yuan).cast(pl.Decimal(20, 2), strict=False)
    return pl.lit(None, dtype=pl.Decimal(20, 2))


def _status(item: CatalogItem) -> pl.Expr:
    if not item.columns.status:
        return pl.lit("active")
    invalid = pl.col(item.columns.status).is_in(INVALID_STATUS_VALUES).fill_null(False)
    return pl.when(invalid).then(pl.lit("revoked")).otherwise(pl.lit("active"))


def derive_frame(item: CatalogItem, frame: pl.DataFrame) -> pl.DataFrame:
    """Add the typed common columns (see DERIVED) to a frame of cleaned values.

    Tiers and publicity ends come from ``xinyong.publicity.periods`` (through its frame form,
    ``xinyong.publicity.vectorised``); a penalty decided on a day no rule covers raises
    ``RuleGapError`` (ingest rejects such rows before they get here)."""
    cols = item.columns
    typed = (
        frame.lazy()
        .with_columns(
            _date(cols.decision_date).alias("decision_date"),
            _date(cols.valid_from).alias("valid_from"),
            _date(cols.valid_to).alias("valid_to"),
            _amount_yuan(item).alias("amount_yuan"),
            _status(item).alias("status"),
        )
        .collect()
    )
    typed = typed.with_columns(vectorised.severity(item, typed).alias("severity"))
    end = vectorised.publicity_end(item, typed, _date(cols.publicity_end))
    return typed.with_columns(end.alias("publicity_end"))


def _field_values(item: CatalogItem, codes: list[str]) -> list[pl.Expr]:
    """The fields as JSON values: code sets as lists of strings, everything else as text."""
    exprs = []
    for code in codes:
        col = pl.col(code)
        if item.field(code).type is FieldType.code_set:
            exprs.append(col.cast(pl.List(pl.String)).alias(code))
        else:
            exprs.append(col.cast(pl.String).alias(code))
    return exprs


# What JSON escapes in a string (and all Polars' encoder escapes): quote, backslash, controls.
_JSON_ESCAPED = r'["\\\x00-\x1f]'


def _is_text(item: CatalogItem, frame: pl.DataFrame, code: str) -> bool:
    return frame[code].dtype == pl.String and item.field(code).type is not FieldType.code_set


def _escaped_columns(item: CatalogItem, frame: pl.DataFrame, codes: list[str]) -> set[str]:
    """The codes whose JSON is not simply their text between quotes: code sets, non-text
    columns, and text columns where some value holds a character JSON escapes."""
    texts = [c for c in codes if _is_text(item, frame, c)]
    scan = frame.select(pl.col(texts).str.contains(_JSON_ESCAPED).any()) if texts else None
    return {c for c in codes if c not in texts or (scan is not None and scan[c][0])}


def _json_texts(item: CatalogItem, codes: list[str], escaped: set[str]) -> list[pl.Expr]:
    """Each field's value as JSON text (``null`` where it has none), one expression per code.

    A column outside ``escaped`` (see _escaped_columns) is quoted as it is; the others are
    encoded as the member of a one-member object whose ``{"CODE":`` and ``}`` are cut off
    (codes are plain ASCII). Both give the bytes the encoder gives for the whole row.
    """
    exprs = []
    for code, value in zip(codes, _field_values(item, codes), strict=True):
        if code not in escaped:
            text = pl.concat_str([pl.lit('"'), value, pl.lit('"')]).fill_null("null")
        else:
            member = pl.struct(value).struct.json_encode()
            text = member.str.slice(len(code) + 4).str.head(-1)
        exprs.append(text.alias(code))
    return exprs


Piece = str | pl.Expr


def _joined(pieces: list[Piece]) -> pl.Expr:
    """One text from literal pieces and columns (neighbouring literals merged first)."""
    merged: list[Piece] = []
    for piece in pieces:
        if isinstance(piece, str) and merged and isinstance(merged[-1], str):
            merged[-1] += piece
        else:
            merged.append(piece)
    return pl.concat_str([pl.lit(p) if isinstance(p, str) else p for p in merged])


class _JsonValues:
    """The JSON of each present field of a frame, as pieces of a larger text: a bare column
    as itself between quotes, any other as a column of its JSON text.
    Only the other columns are materialised, in ``frame``'s columns named ``prefix + code``."""

    def __init__(self, item: CatalogItem, frame: pl.DataFrame, codes: list[str], prefix: str):
        self.codes = set(codes)
        escaped = _escaped_columns(item, frame, codes)
        # Bare: a value in every row and nothing to escape, so the JSON is the text quoted.
        self.bare = {c for c in codes if c not in escaped and frame[c].null_count() == 0}
        self.prefix = prefix
        encoded = [c for c in codes if c not in self.bare]
        self.frame = frame.select(
            *(pl.col(c).alias(prefix + c) for c in self.bare),
            *(t.alias(prefix + t.meta.output_name()) for t in _json_texts(item, encoded, escaped)),
        )

    def pieces(self, code: str) -> list[Piece]:
        column = pl.col(self.prefix + code)
        return ['"', column, '"'] if code in self.bare else [column]


def _canonical_object(codes: list[str], values: _JsonValues | None) -> pl.Expr:
    """The JSON object of every field, in code order, ``null`` for fields absent from the
    frame (runs of literal text are one piece: fewer pieces, faster to join)."""
    pieces: list[Piece] = ["{"]
    for n, code in enumerate(codes):
        pieces.append(f'{"," if n else ""}"{code}":')
        if values is not None and code in values.codes:
            pieces += values.pieces(code)
        else:
            pieces.append("null")
    return _joined([*pieces, "}"])


@dataclass(frozen=True)
class EncodedFields:
    """A frame's field values as JSON, each value encoded once and assembled twice."""

    canonical: pl.Series  # every field, sorted codes, nulls kept: what the content hash reads
    stored: pl.Series  # arrays of the fields in ``codes``, ID numbers as ciphertext
    codes: tuple[str, ...]  # the fields with a value in some row: the arrays' layout


def encode_fields(
    item: CatalogItem, frame: pl.DataFrame, protected: pl.DataFrame | None = None
) -> EncodedFields:
    """Canonical JSON objects and stored JSON arrays of the frame's fields.

    ``protected`` is the frame with personal ID numbers replaced by ciphertext; the stored
    arrays take those fields from it. Fields null in every row are left out of the arrays
    (columns the file does not have cost nothing).
    """
    codes = sorted(item.field_codes)
    present = tuple(c for c in codes if frame[c].null_count() < frame.height)
    if not present:  # the object is a literal: spread over the rows by with_columns
        canonical = frame.with_columns(_canonical_object(codes, None).alias("json"))["json"]
        return EncodedFields(canonical, pl.Series("json", ["[]"] * frame.height), present)
    plain = _JsonValues(item, frame, list(present), "p:")
    secret = [c for c in item.protected_fields if c in present]
    values, hidden = plain.frame, plain  # ID numbers from ``protected`` when given
    if protected is not None and secret:
        hidden = _JsonValues(item, protected, secret, "s:")
        values = values.hstack(hidden.frame.get_columns())
    pieces: list[Piece] = ["["]
    for n, code in enumerate(present):
        pieces += [","] if n else []
        pieces += (hidden if code in secret else plain).pieces(code)
    # One select: Polars assembles the two texts side by side, one thread each.
    both = values.select(
        _canonical_object(codes, plain).alias("canonical"), _joined([*pieces, "]"]).alias("stored")
    )
    return EncodedFields(both["canonical"].alias("json"), both["stored"].alias("json"), present)


def sha256_of(texts: pl.Expr) -> pl.Expr:
    """SHA-256 (hex) of each text's UTF-8 bytes, computed in Rust (polars-hash) outside the
    GIL; the same digests as ``hashlib.sha256(text.encode()).hexdigest()``."""
    return plh.CryptographicHashingNameSpace(texts).sha2_256()


def record_key(item: CatalogItem, identity: str) -> pl.Expr:
    """Identity of each record across versions: a digest of item plus natural-key values."""
    parts = [pl.lit(item.code)] + [
        pl.col(identity) if code == "subject" else pl.col(code).cast(pl.String).fill_null("")
        for code in item.natural_key
    ]
    return sha256_of(pl.concat_str(parts, separator="\x1f"))


def values_frame(item: CatalogItem, rows: list[dict[str, Any]]) -> pl.DataFrame:
    """A frame of cleaned values (one column per field) from dictionaries of values."""
    data: dict[str, list[Any]] = {}
    schema: dict[str, Any] = {}
    for f in item.fields:
        if f.type is FieldType.code_set:
            data[f.code] = [list(r[f.code]) if r.get(f.code) else None for r in rows]
            schema[f.code] = pl.List(pl.String)
        else:
            data[f.code] = [None if r.get(f.code) in (None, "") else str(r[f.code]) for r in rows]
            schema[f.code] = pl.String
    return pl.DataFrame(data, schema=schema)
