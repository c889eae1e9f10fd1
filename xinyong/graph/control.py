"""Control analysis of one organisation: shareholding penetration, control, actual controller.

Works on plain stakes (holder, company, ratio), so it is tested without a database.

* **Penetration** (股权穿透): a holder's share of the target is the sum, over every chain of
  holdings from the holder to the target, of the product of the ratios along it. Cross-holdings
  and cycles are handled by solving y(n) = Σ a(n, c) · y(c) with y(target) = 1 (the target
  absorbs: a walk ends there), iterated to convergence: a chain through a cycle adds the
  geometric series of the loop, so the ultimate owners' shares add up to what the target's
  identified holders hold (with simple paths only, a cross-holding would lose share).
  Each holder is explained by its simple paths (no node twice), with the records behind each
  step; what cycles add beyond them is reported as ``via_cycles``.
* **Control** (控制): X controls Y when X's votes in Y plus the votes of the companies X
  controls exceed 50% (iterated to a fixpoint, the "company control" rule); an executive
  partner (执行事务合伙人) controls its partnership whatever its share.
* **Actual controller** (实际控制人): the controller of the target that nobody controls, or,
  when nobody controls it, the ultimate owner with the largest penetrated share (none on a tie).
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal, Protocol

MAX_PATH_DEPTH = 15
PRUNE = 1e-6  # paths whose product is below this are not listed
MAX_PATHS = 5000
MAX_PASSES = 20000
TOLERANCE = 1e-15
MAJORITY = 0.5
EPSILON = 1e-12
BENEFICIAL_THRESHOLD = 0.25

Basis = Literal["control", "general_partner", "largest"]


class HoldingEdge(Protocol):
    @property
    def source(self) -> str: ...
    @property
    def target(self) -> str: ...
    @property
    def record_id(self) -> int: ...
    @property
    def ratio(self) -> float | None: ...
    @property
    def subscribed_wan(self) -> Decimal | None: ...
    @property
    def controls(self) -> bool: ...


@dataclass(frozen=True)
class Stake:
    """Everything one holder holds in one company (several contributions added)."""

    holder: str
    target: str
    ratio: float
    controls: bool = False
    records: tuple[int, ...] = ()
    derived: bool = False  # the ratio was computed from subscribed amounts


def stakes_of(edges: Iterable[HoldingEdge], totals: Mapping[str, Decimal]) -> list[Stake]:
    """Stakes from holding edges: a stated ratio as it is; without one, the subscribed amount
    over the company's total subscribed amount in force (``totals``)."""
    ratio: dict[tuple[str, str], float] = defaultdict(float)
    controls: dict[tuple[str, str], bool] = defaultdict(bool)
    records: dict[tuple[str, str], list[int]] = defaultdict(list)
    derived: dict[tuple[str, str], bool] = defaultdict(bool)
    for edge in edges:
        pair = (edge.source, edge.target)
        total = totals.get(edge.target)
        if edge.ratio is not None:
            ratio[pair] += edge.ratio
        elif edge.subscribed_wan is not None and total:
            ratio[pair] += float(edge.subscribed_wan / total)
            derived[pair] = True
        else:
            ratio[pair] += 0.0
        controls[pair] = controls[pair] or edge.controls
        records[pair].append(edge.record_id)
    return [
        Stake(
            h, t, ratio[(h, t)], controls[(h, t)], tuple(sorted(records[(h, t)])), derived[(h, t)]
        )
        for h, t in ratio
    ]


@dataclass(frozen=True)
class Path:
    nodes: tuple[str, ...]  # the holder first, the target last
    share: float
    records: tuple[int, ...]  # the records behind each step, in order


@dataclass
class Holder:
    key: str
    share: float  # penetrated share
    direct: float  # share held directly
    ultimate: bool  # nobody holds it: an ultimate owner
    paths: list[Path] = field(default_factory=list)
    via_cycles: float = 0.0  # what cycles add beyond the simple paths


@dataclass
class Controller:
    key: str
    share: float  # penetrated share
    votes: float  # votes it commands in the target: its own and its controlled companies'
    basis: Basis
    paths: list[Path]


@dataclass
class ControlResult:
    target: str
    holders: list[Holder]
    controller: Controller | None
    reason: str
    converged: bool
    cycles: bool
    truncated: bool = False


def index(stakes: Iterable[Stake]) -> dict[str, dict[str, Stake]]:
    """Stakes by company and holder (a company holding itself left out)."""
    holders_of: dict[str, dict[str, Stake]] = defaultdict(dict)
    for stake in stakes:
        if stake.holder != stake.target:
            holders_of[stake.target][stake.holder] = stake
    return dict(holders_of)


class Ownership:
    """The holdings above one target organisation."""

    def __init__(self, target: str, holders_of: Mapping[str, Mapping[str, Stake]]) -> None:
        """``holders_of``: company -> holder -> stake (it may hold far more than what lies
        above ``target``: ``index`` once, then one Ownership per company)."""
        self.target = target
        # Only what lies above the target, in the order it is reached.
        self.order: list[str] = [target]
        seen = {target}
        queue = deque([target])
        while queue:
            company = queue.popleft()
            for holder in holders_of.get(company, {}):
                if holder not in seen:
                    seen.add(holder)
                    self.order.append(holder)
                    queue.append(holder)
        self.holders_of = {c: dict(holders_of[c]) for c in self.order if c in holders_of}
        self.out: dict[str, dict[str, Stake]] = defaultdict(dict)
        for company, holders in self.holders_of.items():
            for holder, stake in holders.items():
                self.out[holder][company] = stake

    # -- penetration ----------------------------------------------------------------------
    def penetration(self) -> tuple[dict[str, float], bool]:
        """Each holder's penetrated share of the target, and whether the iteration converged."""
        share = {node: 0.0 for node in self.order}
        share[self.target] = 1.0
        for _ in range(MAX_PASSES):
            change = 0.0
            for node in self.order[1:]:
                value = sum(s.ratio * share[c] for c, s in self.out[node].items() if c in share)
                change = max(change, abs(value - share[node]))
                share[node] = value
            if change <= TOLERANCE:
                del share[self.target]
                return share, True
        del share[self.target]
        return share, False

    def simple_paths(self) -> tuple[dict[str, list[Path]], bool]:
        """Every chain of holdings from a holder to the target that visits no node twice
        (products below PRUNE and chains longer than MAX_PATH_DEPTH left out)."""
        found: dict[str, list[Path]] = defaultdict(list)
        count = 0
        truncated = False
        stack: list[tuple[str, tuple[str, ...], float, tuple[int, ...]]] = [
            (self.target, (self.target,), 1.0, ())
        ]
        while stack:
            node, nodes, share, records = stack.pop()
            if len(nodes) > MAX_PATH_DEPTH:
                continue
            for holder, stake in self.holders_of.get(node, {}).items():
                product = share * stake.ratio
                if holder in nodes or product < PRUNE:
                    continue
                if count >= MAX_PATHS:
                    truncated = True
                    break
                chain = (holder, *nodes)
                steps = (*stake.records, *records)
                found[holder].append(Path(chain, product, steps))
                count += 1
                stack.append((holder, chain, product, steps))
        for paths in found.values():
            paths.sort(key=lambda p: (-p.share, p.nodes))
        return found, truncated

    # -- control ----------------------------------------------------------------------------
    def control(self) -> dict[str, set[str]]:
        """Whom each node controls (transitively), by the company control rule."""
        candidates = [n for n in self.order if n != self.target]
        ctrl: dict[str, set[str]] = {n: set() for n in candidates}
        # A partnership with an executive partner is controlled through that partner only:
        # limited partners do not execute its affairs, whatever their shares.
        by_partner: set[str] = set()
        for holder in candidates:
            for company, stake in self.out[holder].items():
                if stake.controls:
                    ctrl[holder].add(company)
                    by_partner.add(company)
        changed = True
        while changed:
            changed = False
            for x in candidates:
                votes: dict[str, float] = defaultdict(float)
                for member in (x, *ctrl[x]):
                    for company, stake in self.out.get(member, {}).items():
                        votes[company] += stake.ratio
                gained = {
                    c
                    for c, v in votes.items()
                    if v > MAJORITY + EPSILON and c != x and c not in by_partner
                }
                for y in list(ctrl[x]):
                    gained |= ctrl.get(y, set())
                gained.discard(x)
                if not gained <= ctrl[x]:
                    ctrl[x] |= gained
                    changed = True
        return ctrl

    def votes(self, controller: str, ctrl: Mapping[str, set[str]], company: str) -> float:
        members = {controller, *ctrl.get(controller, set())}
        return sum(s.ratio for h, s in self.holders_of.get(company, {}).items() if h in members)


def _largest(holders: list[Holder]) -> Holder | None:
    ultimate = sorted((h for h in holders if h.ultimate), key=lambda h: -h.share)
    if not ultimate or ultimate[0].share <= EPSILON:
        return None
    if len(ultimate) > 1 and ultimate[1].share >= ultimate[0].share - EPSILON:
        return None
    return ultimate[0]


def analyse(target: str, stakes: Iterable[Stake]) -> ControlResult:
    """Penetration, control and the actual controller of ``target``."""
    return analyse_indexed(target, index(stakes))


def analyse_indexed(target: str, holders_of: Mapping[str, Mapping[str, Stake]]) -> ControlResult:
    """``analyse`` on stakes already indexed by ``index``."""
    ownership = Ownership(target, holders_of)
    shares, converged = ownership.penetration()
    paths, truncated = ownership.simple_paths()
    direct = ownership.holders_of.get(target, {})
    holders = []
    for key in ownership.order[1:]:
        listed = sum(p.share for p in paths.get(key, []))
        holders.append(
            Holder(
                key,
                shares[key],
                direct[key].ratio if key in direct else 0.0,
                key not in ownership.holders_of,
                paths.get(key, []),
                max(0.0, shares[key] - listed) if shares[key] - listed > 1e-9 else 0.0,
            )
        )
    holders.sort(key=lambda h: (-h.share, h.key))
    cycles = any(h.via_cycles > 0 for h in holders) or any(
        target in ownership.out.get(c, {}) for c in ownership.out.get(target, {})
    )
    controller, reason = _controller(ownership, holders, shares)
    return ControlResult(target, holders, controller, reason, converged, cycles, truncated)


def _controller(
    ownership: Ownership, holders: list[Holder], shares: Mapping[str, float]
) -> tuple[Controller | None, str]:
    target = ownership.target
    if not ownership.holders_of.get(target):
        return None, "没有在册的股东（出资人）信息，无法确定实际控制人"
    ctrl = ownership.control()
    controllers = [x for x, controlled in ctrl.items() if target in controlled]
    controlled = {y for x, ys in ctrl.items() for y in ys if y != x}
    tops = [x for x in controllers if x not in controlled] or controllers
    by_key = {h.key: h for h in holders}
    if tops:
        top = max(tops, key=lambda x: (ownership.votes(x, ctrl, target), shares.get(x, 0), x))
        votes = ownership.votes(top, ctrl, target)
        members = {top, *ctrl[top]}
        chain = [p for p in by_key[top].paths if set(p.nodes[1:-1]) <= members]
        if votes > MAJORITY + EPSILON:
            reason = (
                f"直接或通过其控制的企业合计持有{votes * 100:.2f}%的表决权（超过50%），"
                "且不受他人控制"
            )
            return Controller(top, shares.get(top, 0.0), votes, "control", chain), reason
        reason = "为执行事务合伙人（或控制执行事务合伙人），执行合伙事务，依法控制该合伙企业"
        return Controller(top, shares.get(top, 0.0), votes, "general_partner", chain), reason
    largest = _largest(holders)
    if largest is None:
        return None, "无人直接或间接控制超过50%的表决权，且最终股东中没有唯一的最大者"
    reason = (
        f"无人直接或间接控制超过50%的表决权，取穿透持股比例最大的最终股东"
        f"（{largest.share * 100:.2f}%）"
    )
    return (
        Controller(
            largest.key,
            largest.share,
            ownership.votes(largest.key, ctrl, target),
            "largest",
            largest.paths,
        ),
        reason,
    )
