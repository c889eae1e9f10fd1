"""Synthetic but valid identities: USCCs, resident IDs, names, addresses."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from xinyong.demo import vocabulary as v
from xinyong.identifiers.resident_id import resident_id_check_char
from xinyong.identifiers.uscc import ALPHABET, org_code_check_char, uscc_check_char

_ORG_BODY_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@dataclass
class IdentityMaker:
    rng: random.Random
    used_codes: set[str] = field(default_factory=set)
    used_names: set[str] = field(default_factory=set)

    def uscc(self, category: str, region: str) -> str:
        while True:
            body = "".join(self.rng.choice(_ORG_BODY_CHARS) for _ in range(8))
            org_check = org_code_check_char(body)
            if org_check is None or org_check not in ALPHABET:
                continue
            first17 = category + region + body + org_check
            code = first17 + uscc_check_char(first17)
            if code not in self.used_codes:
                self.used_codes.add(code)
                return code

    def resident_id(self, region: str, born: date | None = None) -> str:
        while True:
            birth = born or date(1950, 1, 1) + timedelta(days=self.rng.randrange(0, 365 * 54))
            first17 = f"{region}{birth:%Y%m%d}{self.rng.randrange(0, 1000):03d}"
            code = first17 + resident_id_check_char(first17)
            if code not in self.used_codes:
                self.used_codes.add(code)
                return code

    def person_name(self) -> str:
        given = "".join(self.rng.choice(v.GIVEN_CHARS) for _ in range(self.rng.choice((1, 2, 2))))
        return self.rng.choice(v.SURNAMES) + given

    def district(self) -> tuple[str, str]:
        return self.rng.choice(v.DISTRICTS)

    def address(self, city: str, district_name: str) -> str:
        street = self.rng.choice(v.STREETS)
        return f"{city}{district_name}{street}{self.rng.randrange(1, 300)}号"

    def unique_name(self, make: Callable[[], str]) -> str:
        for _ in range(20):
            name = make()
            if name not in self.used_names:
                self.used_names.add(name)
                return name
        name = f"{make()}（{len(self.used_names)}）"
        self.used_names.add(name)
        return name

    def enterprise_name(self, city: str, district_name: str) -> str:
        def make() -> str:
            place = self.rng.choice((city, city, city, district_name))
            return (
                place
                + self.rng.choice(v.TRADE_NAMES)
                + self.rng.choice(v.INDUSTRIES)
                + self.rng.choice(v.COMPANY_FORMS)
            )

        return self.unique_name(make)

    def shop_name(self, district_name: str) -> str:
        def make() -> str:
            owner = self.rng.choice(v.SURNAMES) + "记"
            trade = self.rng.choice((owner, self.rng.choice(v.TRADE_NAMES)))
            return district_name + trade + self.rng.choice(v.SHOP_TYPES)

        return self.unique_name(make)

    def cooperative_name(self, city: str, district_name: str) -> str:
        return self.unique_name(
            lambda: (
                f"{city}{district_name}{self.rng.choice(v.TRADE_NAMES)}"
                f"{self.rng.choice(v.COOPERATIVE_TYPES)}"
            )
        )

    def institution_name(self, city: str, district_name: str) -> str:
        return self.unique_name(
            lambda: (
                f"{city}{self.rng.choice((district_name, ''))}"
                f"{self.rng.choice(v.PUBLIC_INSTITUTIONS)}"
            )
        )

    def social_org_name(self, city: str, suffix: str) -> str:
        return self.unique_name(
            lambda: (
                f"{city}{self.rng.choice(v.INDUSTRIES)}{suffix}"
                if suffix in ("商会", "协会")
                else f"{city}{self.rng.choice(v.TRADE_NAMES)}{suffix}"
            )
        )

    def collective_name(self, district_name: str) -> str:
        return self.unique_name(
            lambda: (
                f"{district_name}{self.rng.choice(v.TRADE_NAMES)}镇"
                f"{self.rng.choice(v.VILLAGES)}股份经济合作社"
            )
        )
