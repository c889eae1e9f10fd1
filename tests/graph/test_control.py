"""Golden cases of the control analysis, exact to 1e-9 (no database)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from xinyong.graph.control import Stake, analyse, stakes_of
from xinyong.graph.query import Edge


def s(holder: str, target: str, ratio: float, controls: bool = False, record: int = 0) -> Stake:
    return Stake(holder, target, ratio, controls, (record,) if record else ())


def holder(result, key):  # type: ignore[no-untyped-def]
    return next(h for h in result.holders if h.key == key)


def test_a_60_percent_by_60_percent_chain_gives_36_percent_and_control() -> None:
    result = analyse("T", [s("P", "A", 0.6, record=1), s("A", "T", 0.6, record=2)])
    assert holder(result, "P").share == pytest.approx(0.36, abs=1e-9)
    assert holder(result, "A").share == pytest.approx(0.6, abs=1e-9)
    assert holder(result, "P").paths[0].nodes == ("P", "A", "T")
    assert holder(result, "P").paths[0].records == (1, 2)
    assert result.controller is not None
    assert (result.controller.key, result.controller.basis) == ("P", "control")
    assert result.controller.votes == pytest.approx(0.6, abs=1e-9)


def test_two_paths_add() -> None:
    stakes = [
        s("P", "A", 0.5),
        s("A", "T", 0.4),
        s("P", "B", 0.2),
        s("B", "T", 0.3),
        s("P", "T", 0.1),
    ]
    result = analyse("T", stakes)
    p = holder(result, "P")
    assert p.share == pytest.approx(0.5 * 0.4 + 0.2 * 0.3 + 0.1, abs=1e-9)
    assert sorted(round(path.share, 9) for path in p.paths) == [0.06, 0.1, 0.2]
    assert p.direct == pytest.approx(0.1)


def test_a_cross_holding_converges_and_ultimate_owners_add_up() -> None:
    # P holds 60% of A, Q 50% of B; A holds 50% of B and B 40% of A; A holds 100% of T.
    stakes = [
        s("P", "A", 0.6),
        s("B", "A", 0.4),
        s("A", "B", 0.5),
        s("Q", "B", 0.5),
        s("A", "T", 1.0),
    ]
    result = analyse("T", stakes)
    assert result.converged and result.cycles
    # y(A) = 1, y(B) = 0.4 + 0.5 * 0 ... solved: y_P = 0.6 / (1 - 0.2) = 0.75, y_Q = 0.25
    assert holder(result, "P").share == pytest.approx(0.75, abs=1e-9)
    assert holder(result, "Q").share == pytest.approx(0.25, abs=1e-9)
    assert holder(result, "P").via_cycles == pytest.approx(0.15, abs=1e-9)
    assert result.controller is not None and result.controller.key == "P"


def test_a_cycle_through_the_target_converges() -> None:
    stakes = [s("T", "A", 0.3), s("A", "T", 0.5), s("P", "A", 0.7), s("Q", "T", 0.5)]
    result = analyse("T", stakes)
    assert result.converged
    assert holder(result, "P").share == pytest.approx(0.35, abs=1e-9)
    assert holder(result, "Q").share == pytest.approx(0.5, abs=1e-9)


def test_a_general_partner_with_1_percent_controls_its_partnership() -> None:
    stakes = [
        s("G", "T", 0.01, controls=True),
        s("L1", "T", 0.6),
        s("L2", "T", 0.39),
        s("P", "G", 0.8),
    ]
    result = analyse("T", stakes)
    assert result.controller is not None
    assert (result.controller.key, result.controller.basis) == ("P", "general_partner")
    assert holder(result, "L1").share == pytest.approx(0.6)


def test_49_51_gives_control_to_the_51() -> None:
    result = analyse("T", [s("X", "T", 0.49), s("Y", "T", 0.51)])
    assert result.controller is not None and result.controller.key == "Y"
    assert result.controller.basis == "control"


def test_50_50_has_no_actual_controller() -> None:
    result = analyse("T", [s("X", "T", 0.5), s("Y", "T", 0.5)])
    assert result.controller is None
    assert "最大" in result.reason


def test_without_a_majority_the_largest_ultimate_owner() -> None:
    result = analyse("T", [s("X", "T", 0.3), s("Y", "T", 0.2), s("Z", "T", 0.5 - 0.01)])
    assert result.controller is not None
    assert (result.controller.key, result.controller.basis) == ("Z", "largest")


def test_control_through_a_controlled_company_adds_votes() -> None:
    # P holds 30% of T directly and controls A (60%), which holds 25% of T: 55% of the votes.
    result = analyse(
        "T", [s("P", "T", 0.3), s("P", "A", 0.6), s("A", "T", 0.25), s("Q", "T", 0.45)]
    )
    assert result.controller is not None and result.controller.key == "P"
    assert result.controller.votes == pytest.approx(0.55, abs=1e-9)
    assert holder(result, "P").share == pytest.approx(0.3 + 0.15, abs=1e-9)


def test_a_10_level_chain() -> None:
    chain = [s(f"L{n + 1}", f"L{n}" if n else "T", 0.9) for n in range(10)]
    result = analyse("T", chain)
    top = holder(result, "L10")
    assert top.share == pytest.approx(0.9**10, abs=1e-9)
    assert len(top.paths[0].nodes) == 11
    assert result.controller is not None and result.controller.key == "L10"


def test_nobody_holds_it() -> None:
    result = analyse("T", [])
    assert result.controller is None and result.holders == []
    assert "股东" in result.reason


def _edge(source: str, ratio: float | None, subscribed: str | None, record: int) -> Edge:
    return Edge(
        record,
        record,
        "shareholder",
        "holding",
        source,
        "enterprise",
        source,
        None,
        None,
        "T",
        1,
        ratio,
        Decimal(subscribed) if subscribed else None,
        None,
        None,
        None,
        False,
        None,
        None,
    )


def test_ratios_from_amounts_and_contributions_added() -> None:
    edges = [_edge("A", None, "300", 1), _edge("A", None, "100", 2), _edge("B", None, "600", 3)]
    stakes = {st.holder: st for st in stakes_of(edges, {"T": Decimal(1000)})}
    assert stakes["A"].ratio == pytest.approx(0.4) and stakes["A"].records == (1, 2)
    assert stakes["A"].derived
    assert stakes["B"].ratio == pytest.approx(0.6)
