"""Plots are pure functions: a result in, the Axes out, drawn without error on the Agg backend."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

import decision_kit as dk
from decision_kit import mcda, plots, sensitivity


@pytest.fixture(scope="module")
def result():
    return dk.simulate(dk.load_scenario("scenarios/marketing_automation.yaml"), trials=3000, seed=2)


def _check(ax):
    assert ax.get_title()
    ax.figure.canvas.draw()  # renders every artist: catches bad data at draw time
    plt.close(ax.figure)


def test_every_chart_draws_and_returns_its_axes(result):
    s = result.scenario
    _check(plots.cumulative_cost(result))
    _check(plots.npv_distributions(result))
    _check(plots.probability_best(result))
    _check(plots.tornado(sensitivity.tornado(s)))
    _check(plots.sobol_bars(sensitivity.sobol_scenario(s, n=256, seed=0)))
    _check(plots.stakeholder_weights(mcda.stakeholder_weights(s, aggregation="arithmetic")))
    _check(plots.crossover(result, ("build", "shared"), ("buy", "shared")))


def test_charts_draw_into_a_given_axes(result):
    fig, ax = plt.subplots()
    assert plots.cumulative_cost(result, ax=ax) is ax
    plt.close(fig)


def test_probability_best_cells_match_the_summary(result):
    ax = plots.probability_best(result)
    texts = [t.get_text() for t in ax.texts]
    p = result.summary()["p_best"]
    assert len(texts) == len(p)
    assert f"{p.max():.0%}" in texts
    plt.close(ax.figure)
