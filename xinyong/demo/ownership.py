"""Who owns and runs the demo city's enterprises: shareholders, officers, changes, annual reports.

Most enterprises belong to one to three natural persons. Groups give the relationship graph
something to show: a person controls a holding company that holds subsidiaries; one group's
chain is ten levels deep; one group has a cross-holding (a subsidiary holds part of its
parent: a cycle); one group invests through a limited partnership whose executive partner is
the holding company with 1%; some subsidiaries are 51/49 joint ventures; group controllers
hold companies of their own and sit on several boards. Some shareholders left on a date (an
exit date, a new shareholder from that date and a 股东变更 change record).
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from xinyong.demo import vocabulary as v
from xinyong.demo.facts import DemoDepartment, DemoSubject, source
from xinyong.demo.identities import IdentityMaker
from xinyong.records.store import IDENTITY, SUBJECT_ID

PARTNERSHIP = "（有限合伙）"
OWNERSHIP_ITEMS = ("shareholder", "key_personnel", "registration_change", "annual_report")
CHAIN_LEVELS = 10


@dataclass(frozen=True)
class Firm:
    subject: DemoSubject
    subject_id: int
    identity: str


@dataclass(frozen=True)
class Person:
    name: str
    resident_id: str


@dataclass
class _Stake:
    holder: Firm | Person | str  # a string: a foreign investor without a code
    percent: int
    extra: dict[str, Any] = field(default_factory=dict)


def is_partnership(subject: DemoSubject) -> bool:
    return subject.name.endswith(PARTNERSHIP)


class OwnershipBuilder:
    def __init__(self, seed: int, ids: IdentityMaker, city: str, today: date) -> None:
        self.rng = random.Random(seed)
        self.ids = IdentityMaker(self.rng, ids.used_codes, ids.used_names)
        self.city = city
        self.today = today
        self.stakes: dict[str, list[_Stake]] = defaultdict(list)  # by company USCC
        self.board: dict[str, list[tuple[Person, str]]] = defaultdict(list)
        self.changes: dict[str, list[tuple[str, str, str, date]]] = defaultdict(list)

    # -- subjects -------------------------------------------------------------------------------
    def person(self) -> Person:
        region, _ = self.ids.district()
        return Person(self.ids.person_name(), self.ids.resident_id(region))

    def with_partnerships(self, subjects: list[DemoSubject], count: int) -> list[DemoSubject]:
        """The city's subjects with the last ``count`` enterprises made limited partnerships."""
        shown = list(subjects)
        chosen = [n for n, s in enumerate(shown) if s.kind == "enterprise"][-count:]
        for n in chosen:
            name = self.ids.unique_name(
                lambda: f"{self.city}{self.rng.choice(v.TRADE_NAMES)}投资合伙企业{PARTNERSHIP}"
            )
            shown[n] = replace(shown[n], name=name, registration_number=None)
        return shown

    # -- holdings ---------------------------------------------------------------------------------
    def _hold(self, company: Firm, *stakes: _Stake) -> None:
        self.stakes[str(company.subject.uscc)].extend(stakes)

    def _rest(self, percent: int) -> list[_Stake]:
        """Natural persons holding ``percent`` between them."""
        if percent <= 0:
            return []
        if percent < 20 or self.rng.random() < 0.5:
            return [_Stake(self.person(), percent)]
        first = self.rng.randrange(1, percent)
        return [_Stake(self.person(), first), _Stake(self.person(), percent - first)]

    def _group(
        self, controller: Person, members: list[Firm], shape: str, outside: list[Firm]
    ) -> None:
        head = members[0]
        share = self.rng.choice((60, 70, 80, 90, 100))
        self._hold(head, _Stake(controller, share), *self._rest(100 - share))
        self.board[str(head.subject.uscc)].append((controller, "董事长"))
        for n, member in enumerate(members[1:], start=1):
            parent = members[n - 1] if shape == "chain" else self.rng.choice(members[:n])
            share = self.rng.choice((51, 60, 67, 80, 100))
            stakes = [_Stake(parent, share)]
            if share == 51 and outside:
                stakes.append(_Stake(self.rng.choice(outside), 49))  # a 51/49 joint venture
            else:
                stakes += self._rest(100 - share)
            self._hold(member, *stakes)
            self.board[str(member.subject.uscc)].append((controller, "董事"))
        if shape == "cycle" and len(members) >= 3:
            # The second member's subsidiary holds 10% of it: a cross-holding.
            child = next((m for m in members[2:] if self._parent(m) is members[1]), None)
            if child is not None:
                self._take_from_persons(members[1], child, 10)
        self._own_companies(controller, outside)

    def _parent(self, firm: Firm) -> Firm | None:
        for stake in self.stakes[str(firm.subject.uscc)]:
            if isinstance(stake.holder, Firm):
                return stake.holder
        return None

    def _take_from_persons(self, company: Firm, holder: Firm, percent: int) -> None:
        stakes = self.stakes[str(company.subject.uscc)]
        for stake in stakes:
            if isinstance(stake.holder, Person) and stake.percent > percent:
                stake.percent -= percent
                stakes.append(_Stake(holder, percent))
                return
        parent = stakes[0]
        if parent.percent > percent + 50:
            parent.percent -= percent
            stakes.append(_Stake(holder, percent))

    def _own_companies(self, controller: Person, outside: list[Firm]) -> None:
        """A group controller also holds one or two companies outside the group."""
        for firm in self.rng.sample(outside, min(len(outside), self.rng.randrange(1, 3))):
            if not self.stakes[str(firm.subject.uscc)]:
                share = self.rng.choice((55, 70, 100))
                self._hold(firm, _Stake(controller, share), *self._rest(100 - share))

    def _partnership(self, fund: Firm, gp: Firm, target: Firm | None) -> None:
        limited = 99 - (lp := self.rng.randrange(50, 70))
        gp_role = {"GD_HHRLX": "执行事务合伙人"}
        self._hold(
            fund,
            _Stake(gp, 1, gp_role),
            _Stake(self.person(), lp, {"GD_HHRLX": "有限合伙人"}),
            _Stake(self.person(), limited, {"GD_HHRLX": "有限合伙人"}),
        )
        if target is not None and not self.stakes[str(target.subject.uscc)]:
            self._hold(target, _Stake(fund, 60), *self._rest(40))

    def plan(self, firms: list[Firm], persons: list[Person]) -> None:
        funds = [f for f in firms if is_partnership(f.subject)]
        companies = [f for f in firms if not is_partnership(f.subject)]
        self.rng.shuffle(companies)
        groups = max(3, len(companies) // 40)
        sizes = [CHAIN_LEVELS, 5, 4] + [self.rng.randrange(3, 8) for _ in range(groups - 3)]
        start = 0
        heads = []
        outside = companies[sum(sizes) :]
        for n, size in enumerate(sizes):
            members = companies[start : start + size]
            start += size
            if len(members) < 2:
                break
            controller = persons[n] if n < len(persons) else self.person()
            shape = "chain" if n == 0 else "cycle" if n == 1 else "tree"
            self._group(controller, members, shape, outside)
            heads.append(members)
        for n, fund in enumerate(funds):
            group = heads[(n + 2) % len(heads)] if heads else []
            if group:
                target = next((f for f in outside if not self.stakes[str(f.subject.uscc)]), None)
                self._partnership(fund, group[0], target)
        for firm in companies:
            if not self.stakes[str(firm.subject.uscc)]:
                self._founders(firm)

    def _founders(self, firm: Firm) -> None:
        s = firm.subject
        owner = Person(str(s.legal_rep), str(s.legal_rep_id))
        share = self.rng.choice((51, 60, 70, 80, 100, 100))
        self._hold(firm, _Stake(owner, share), *self._rest(100 - share))
        if self.rng.random() < 0.12:
            self._transfer(firm)

    def _transfer(self, firm: Firm) -> None:
        """The last person shareholder sold to someone else on a date: an exit and an entry."""
        stakes = self.stakes[str(firm.subject.uscc)]
        seller = stakes[-1]
        if not isinstance(seller.holder, Person):
            return
        day = self.today - timedelta(days=self.rng.randrange(30, 3 * 365))
        buyer = self.person()
        seller.extra = {"GD_TCRQ": day.isoformat()}
        stakes.append(_Stake(buyer, seller.percent, {"GD_QSRQ": day.isoformat()}))
        self.changes[str(firm.subject.uscc)].append(
            ("股东变更", seller.holder.name, buyer.name, day)
        )

    # -- records -------------------------------------------------------------------------------
    def _holding_row(self, firm: Firm, stake: _Stake) -> dict[str, Any]:
        holder = stake.holder
        row: dict[str, Any] = {
            "GD_MC": firm.subject.name,
            "GD_SHXYM": firm.subject.uscc,
            "GD_RJCZE": str(stake.percent * 10),
            "GD_RJCZFS": ["货币"],
            "GD_RJCZRQ": None,
            "GD_SJCZE": str(stake.percent * 10) if self.rng.random() < 0.6 else None,
            "GD_CZBL": str(stake.percent),
        } | stake.extra
        if isinstance(holder, Person):
            row |= {
                "GD_GDMC": holder.name,
                "GD_GDLX": "自然人股东",
                "GD_ZJLX": "身份证",
                "GD_ZJHM": holder.resident_id,
            }
        elif isinstance(holder, Firm):
            kind = "合伙企业" if is_partnership(holder.subject) else "企业法人"
            row |= {
                "GD_GDMC": holder.subject.name,
                "GD_GDLX": kind,
                "GD_GDSHXYM": holder.subject.uscc,
            }
        else:
            row |= {"GD_GDMC": holder, "GD_GDLX": "外国投资者"}
        return row

    def _officer_rows(self, firm: Firm) -> list[dict[str, Any]]:
        s = firm.subject
        lead = (
            "执行事务合伙人委派代表"
            if is_partnership(s)
            else self.rng.choice(("执行董事", "董事长"))
        )
        people: list[tuple[Person, str, dict[str, Any]]] = [
            (Person(str(s.legal_rep), str(s.legal_rep_id)), lead, {"RY_FDDBR": "是"})
        ]
        if self.rng.random() < 0.1 and not is_partnership(s):
            day = self.today - timedelta(days=self.rng.randrange(60, 4 * 365))
            former = self.person()
            people[0][2]["RY_RZRQ"] = day.isoformat()
            people.append((former, "经理", {"RY_FDDBR": "是", "RY_LZRQ": day.isoformat()}))
            self.changes[str(s.uscc)].append(("法定代表人变更", former.name, str(s.legal_rep), day))
        people += [(p, role, {}) for p, role in self.board.get(str(s.uscc), [])]
        people.append((self.person(), "监事", {}))
        if self.rng.random() < 0.4:
            people.append((self.person(), "经理", {}))
        rows, seen = [], set()
        for person, role, extra in people:
            if (person.name, role) in seen:
                continue
            seen.add((person.name, role))
            rows.append(
                {
                    "RY_MC": s.name,
                    "RY_SHXYM": s.uscc,
                    "RY_XM": person.name,
                    "RY_ZJLX": "身份证",
                    "RY_ZJHM": person.resident_id,
                    "RY_ZW": role,
                    "RY_FDDBR": "否",
                }
                | extra
            )
        return rows

    def _change_rows(self, firm: Firm) -> list[dict[str, Any]]:
        s = firm.subject
        changes = list(self.changes.get(str(s.uscc), []))
        if self.rng.random() < 0.3:
            day = self.today - timedelta(days=self.rng.randrange(30, 5 * 365))
            street = self.rng.choice(v.STREETS)
            changes.append(
                ("住所变更", "原住所", f"{self.city}{street}{self.rng.randrange(1, 300)}号", day)
            )
        if self.rng.random() < 0.15:
            day = self.today - timedelta(days=self.rng.randrange(30, 5 * 365))
            changes.append(
                ("注册资本变更", "100万元", f"{self.rng.choice((200, 500, 1000))}万元", day)
            )
        return [
            {
                "BG_MC": s.name,
                "BG_SHXYM": s.uscc,
                "BG_BGSX": what,
                "BG_BGQ": before,
                "BG_BGH": after,
                "BG_BGRQ": day.isoformat(),
            }
            for what, before, after, day in changes
        ]

    def _report_rows(self, firm: Firm) -> list[dict[str, Any]]:
        rows = []
        for year in range(self.today.year - 3, self.today.year):
            due = date(year + 1, 6, 30)
            late = self.rng.random() < 0.08
            filed = (
                due + timedelta(days=self.rng.randrange(1, 150))
                if late
                else (due - timedelta(days=self.rng.randrange(0, 170)))
            )
            if filed > self.today or self.rng.random() < 0.04:
                continue  # not filed (yet)
            band = self.rng.choice(("10人以下", "10人以下", "10-49人", "50-99人", "100-299人"))
            rows.append(
                {
                    "NB_MC": firm.subject.name,
                    "NB_SHXYM": firm.subject.uscc,
                    "NB_ND": str(year),
                    "NB_JYZT": "开业",
                    "NB_BSRQ": filed.isoformat(),
                    "NB_AS": "否" if late else "是",
                    "NB_CYRS": band if self.rng.random() < 0.7 else None,
                }
            )
        return rows

    def rows(
        self, firms: list[Firm], department: DemoDepartment, department_id: int
    ) -> dict[str, list[dict[str, Any]]]:
        """Record values of the four items for every firm (after ``plan``), with the subject
        and source department columns ``records.store.prepare_records`` reads."""
        out: dict[str, list[dict[str, Any]]] = defaultdict(list)
        prefixes = dict(zip(OWNERSHIP_ITEMS, ("GD", "RY", "BG", "NB"), strict=True))
        for firm in firms:
            made = {
                "shareholder": [
                    self._holding_row(firm, s) for s in self.stakes[str(firm.subject.uscc)]
                ],
                "key_personnel": self._officer_rows(firm),
                "registration_change": self._change_rows(firm),
                "annual_report": self._report_rows(firm),
            }
            extra = {
                SUBJECT_ID: firm.subject_id,
                IDENTITY: firm.identity,
                "_department_id": department_id,
                "_published_at": None,
            }
            for item, rows in made.items():
                out[item] += [r | source(prefixes[item], department) | extra for r in rows]
        return out
