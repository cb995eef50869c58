"""The dashboard's summary table leads with the difference from the status quo where the
scenario states one (issue 12 item 5), the absolute expected NPV one column further; the
figures are the per-trial differences of the result's own arrays, summarised with numpy."""

from __future__ import annotations

import re

import numpy as np

import decision_kit as dk
from decision_kit import loading
from decision_kit.formatting import money, percent
from decision_kit.widgets.markup import summary_table

TEXT = """
name: sq dashboard
horizon_years: 5
discount_rate: 8%
status_quo:
  description: today's tool
  costs:
    tool: {category: license, timing: recurring, amount: {dist: triangular, low: 20k, mode: 30k, high: 45k}}
options:
  keep: {kind: do_nothing, extends: status_quo}
  replace:
    kind: buy
    launch_months: 3
    costs:
      map: {category: license, timing: recurring, amount: 60k}
    benefits:
      pipeline: {category: revenue, amount: {dist: lognormal, median: 120k, p90: 300k}, ramp_months: 6}
"""


def _headers(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", h) for h in re.findall(r"<th>(.*?)</th>", html)]


def test_the_table_leads_with_the_difference_from_the_status_quo():
    r = dk.simulate(loading.loads(TEXT), trials=4_000, seed=2)
    owner = r.best_cell[1]
    html = summary_table(r, owner)
    heads = _headers(html)
    assert heads[1:4] == ["NPV vs status quo", "P10 &ndash; P90 of the difference", "chance worse than status quo"]
    assert heads[4] == "expected NPV"
    o, w = r.layout.options.index("replace"), r.layout.owners.index(owner)
    d = r.metrics.npv[:, o, w] - r.status_quo["npv"]
    assert f"<td>{money(d.mean(), '')}</td>" in html
    assert f"<td>{percent((d < 0).mean())}</td>" in html
    assert f"expected NPV {money(r.status_quo['npv'].mean(), '')}" in html


def test_without_a_status_quo_the_table_is_as_before():
    text = TEXT.split("status_quo:\n")[0] + "options:" + TEXT.split("\noptions:")[1]
    text = text.replace("extends: status_quo", "costs: {tool: {category: license, timing: recurring, amount: 30k}}")
    r = dk.simulate(loading.loads(text), trials=2_000, seed=2)
    html = summary_table(r, None)
    assert _headers(html)[1] == "expected NPV" and "status quo" not in html
    assert np.isfinite(r.summary()["npv_mean"]).all()
