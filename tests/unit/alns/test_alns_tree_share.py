"""The LNS's share of the wall time inside HiGHS's tree follows what each side earned lately."""

from __future__ import annotations

import pytest

from optmodel.solvers.alns.tree_share import (
    FAIR_TRIAL,
    FRUITLESS_SHARE,
    LNS,
    MAX_SHARE,
    MIN_SHARE,
    TREE,
    ShareOfTime,
)


def test_the_configured_share_holds_until_both_sides_have_a_record() -> None:
    share = ShareOfTime(0.3)
    assert share.share(5.0) == 0.3  # no incumbent yet
    share.improved(0.5, TREE, None, 100.0)
    assert share.share(5.0) == 0.3  # the LNS has not run
    share.stepped(1.0, 2.0)
    assert share.share(5.0) == 0.3  # nobody improved in the window


def test_an_lns_that_earns_while_the_tree_stalls_gets_the_most_the_tree_can_spare() -> None:
    share = ShareOfTime(0.3)
    share.improved(0.1, TREE, None, 100.0)
    share.stepped(4.0, 5.0)
    share.improved(5.0, LNS, 100.0, 90.0)
    assert share.share(6.0) == MAX_SHARE


def test_a_tree_that_earns_while_the_lns_fails_keeps_almost_all_the_time() -> None:
    share = ShareOfTime(0.3)
    share.improved(0.1, TREE, None, 100.0)
    share.stepped(4.0, 5.0)
    share.improved(5.5, TREE, 100.0, 90.0)
    assert share.share(6.0) == MIN_SHARE


def test_the_share_is_the_lns_share_of_the_earning_rate() -> None:
    share = ShareOfTime(0.3)
    share.improved(0.0, TREE, None, 100.0)
    share.stepped(2.0, 3.0)  # the LNS ran 1 s of the 3 s window [0, 3] and earned 0.01
    share.improved(3.0, LNS, 100.0, 99.0)
    share.improved(1.5, TREE, 99.0, 96.03)  # the tree earned 0.03 in its 2 s
    lns_rate, tree_rate = 0.01 / 1.0, 0.03 / 2.0
    assert share.share(3.0) == pytest.approx(lns_rate / (lns_rate + tree_rate), rel=1e-6)  # 0.4


def test_old_improvements_leave_the_window() -> None:
    share = ShareOfTime(0.3)
    share.improved(0.0, TREE, None, 100.0)
    share.stepped(1.0, 2.0)
    share.improved(2.0, LNS, 100.0, 50.0)
    assert share.share(3.0) == MAX_SHARE
    assert share.share(60.0) == 0.3  # window [40, 60]: nothing earned there


def test_an_lns_that_improved_nothing_in_a_fair_trial_gets_little_until_it_does() -> None:
    share = ShareOfTime(0.3)
    share.improved(0.1, TREE, None, 100.0)
    for step in range(FAIR_TRIAL):
        share.stepped(1.0 + step, 1.5 + step)
    assert share.share(30.0) == FRUITLESS_SHARE  # nobody improved in the window: not the 0.3
    share.stepped(30.0, 31.0)
    share.improved(31.0, LNS, 100.0, 90.0)
    assert share.share(32.0) == MAX_SHARE
