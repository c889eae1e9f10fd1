"""The vectorised identifier checks and normalisation agree with the full checks in
``xinyong.identifiers``, value by value: check characters come from one set of tables."""

from __future__ import annotations

import random
from datetime import date

import polars as pl

from xinyong.catalog.registry import get_catalog
from xinyong.demo.identities import IdentityMaker
from xinyong.identifiers.normalize import SPACES, normalize_code
from xinyong.identifiers.resident_id import (
    DIGIT_VALUES,
    RESIDENT_CHECK,
    RESIDENT_WEIGHTS,
    check_resident_id,
    resident_id_check_char,
)
from xinyong.identifiers.uscc import (
    ALPHABET,
    CHAR_VALUES,
    ORG_CHECK,
    ORG_VALUES,
    ORG_WEIGHTS,
    USCC_CHECK,
    USCC_WEIGHTS,
    check_uscc,
    org_code_check_char,
    uscc_check_char,
)
from xinyong.ingest import clean, idcheck
from xinyong.ingest.idcheck import resident_id_valid, uscc_valid

TODAY = date(2026, 11, 22)
ORG_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _mutated(rng: random.Random, codes: list[str], alphabet: str) -> list[str]:
    out = []
    for code in codes:
        chars = list(code)
        chars[rng.randrange(len(chars))] = rng.choice(alphabet)
        out.append("".join(chars))
    return out


def test_uscc_valid_matches_the_full_check() -> None:
    rng = random.Random(5)
    maker = IdentityMaker(rng)
    pairs = ["91", "92", "93", "11", "12", "51", "N1", "Y1", "A1"]
    regions = ["440507", "110105", "100000", "990000", "44AB07"]
    good = [maker.uscc(rng.choice(pairs), rng.choice(regions[:3])) for _ in range(3000)]
    codes = good + _mutated(rng, good, ALPHABET + "IOZSVa-")
    codes += [c[:17] for c in good[:20]] + [c + "1" for c in good[:20]] + ["", "９１"]
    verdicts = uscc_valid(pl.Series(codes, dtype=pl.String)).to_list()
    assert verdicts == [not check_uscc(c)[0] for c in codes]
    assert sum(verdicts) > 3000
    assert uscc_valid(pl.Series([None, good[0]], dtype=pl.String)).to_list() == [False, True]


def test_resident_id_valid_matches_the_full_check() -> None:
    rng = random.Random(6)
    maker = IdentityMaker(rng)
    good = [maker.resident_id(rng.choice(["440507", "110105", "440500"])) for _ in range(3000)]
    codes = good + _mutated(rng, good, "0123456789Xx")
    codes += ["123456789012345", "44050720270101001X", "440507187912310011", "4405071990023000X1"]
    verdicts = resident_id_valid(pl.Series(codes, dtype=pl.String), TODAY).to_list()
    assert verdicts == [not check_resident_id(c, TODAY) for c in codes]
    assert sum(verdicts) > 3000


def test_check_characters_are_the_identifiers_own_tables() -> None:
    """The column form computes every check character as the scalar functions do."""
    rng = random.Random(7)
    bodies = ["".join(rng.choice(ALPHABET) for _ in range(17)) for _ in range(3000)]
    orgs = ["".join(rng.choice(ORG_CHARS) for _ in range(8)) for _ in range(3000)]
    digits = ["".join(rng.choice("0123456789") for _ in range(17)) for _ in range(3000)]
    column = idcheck._check_chars
    assert column(pl.Series(bodies), 0, USCC_WEIGHTS, CHAR_VALUES, USCC_CHECK).to_list() == [
        uscc_check_char(b) for b in bodies
    ]
    assert column(pl.Series(orgs), 0, ORG_WEIGHTS, ORG_VALUES, ORG_CHECK).to_list() == [
        org_code_check_char(b) for b in orgs
    ]
    assert column(
        pl.Series(digits), 0, RESIDENT_WEIGHTS, DIGIT_VALUES, RESIDENT_CHECK
    ).to_list() == [resident_id_check_char(d) for d in digits]
    assert {org_code_check_char(b) for b in orgs} >= {"X", "0"}  # both special cases met


def _messy(rng: random.Random, code: str) -> str:
    """A code as a clerk may paste it: spaces of every kind, full width, lower case."""
    chars = []
    for ch in code:
        if rng.random() < 0.1:
            chars.append(rng.choice(sorted(SPACES)))
        if rng.random() < 0.1:
            ch = chr(ord(ch) + 0xFEE0)
        chars.append(ch.lower() if rng.random() < 0.1 else ch)
    return "".join(chars)


def test_ingest_normalises_codes_and_words_the_fixes_as_normalize_code() -> None:
    rng = random.Random(8)
    maker = IdentityMaker(rng)
    codes = [maker.uscc("91", "440507") for _ in range(500)]
    codes += [maker.resident_id("440507") for _ in range(500)]
    raws = [_messy(rng, c) for c in codes] + ["", "  \u200b ", "ａｂｃ", "x\u2028y", "ß"]
    f = get_catalog().item("admin_penalty").field("CF_XDR_SHXYM")
    frame = pl.DataFrame({"raw": raws}).with_columns(
        clean._normalized_code(pl.col("raw")).alias("v")
    )
    fixes = frame.select(clean._code_fix(f, pl.col("raw"), pl.col("v"))[0].expr())
    prefix = f"{clean.label(f)}："
    for raw, value, fix in zip(raws, frame["v"], fixes.to_series(), strict=True):
        expected = normalize_code(raw)
        assert (value or "") == expected.value, repr(raw)
        if value:  # an empty code is missing (its own error), not fixed
            assert (fix or prefix).removeprefix(prefix) == "，".join(expected.fixes), repr(raw)
    assert sum(bool(normalize_code(r).fixes) for r in raws) > 500
