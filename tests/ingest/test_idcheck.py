"""The vectorised identifier checks agree with the full checks, value by value."""

from __future__ import annotations

import random
from datetime import date

import polars as pl

from xinyong.demo.identities import IdentityMaker
from xinyong.identifiers.resident_id import check_resident_id
from xinyong.identifiers.uscc import ALPHABET, check_uscc
from xinyong.ingest.idcheck import resident_id_valid, uscc_valid

TODAY = date(2026, 11, 22)


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
