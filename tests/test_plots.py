"""Plots are pure functions: a result in, the Axes out, drawn without error on the Agg backend."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgba

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


# The ownership figures (owner_tradeoffs): what is drawn is the analysis's numbers.


@pytest.fixture(scope="module")
def omap(result):
    from decision_kit import owner_tradeoffs

    return owner_tradeoffs.owner_map(result.scenario, "buy", grid=4, trials=300, seed=1)


def test_owner_map_colours_each_cell_by_its_best_owner(omap):
    ax = plots.owner_map(omap)
    ax.figure.canvas.draw()
    (mesh,) = ax.collections
    drawn = mesh.get_facecolors()  # one RGBA per cell, rows y then columns x
    best = omap.best  # (y, x) owner names, from the map's expected NPVs
    assert drawn.shape == (best.size, 4)
    expected = np.array([to_rgba(plots.OWNER_COLOURS[w]) for w in best.ravel()])
    np.testing.assert_allclose(drawn, expected)
    # the cells are centred on the grid points: edges at midpoints, half a step beyond the ends
    xs = mesh.get_coordinates()[0, :, 0]
    np.testing.assert_allclose((xs[1:] + xs[:-1]) / 2, omap.x)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert [w for w in legend if w in omap.owners] == [w for w in omap.owners if w in omap.winners()]
    assert ax.get_title() == "Best owner of buy"
    assert ax.get_xlabel() == "IT lead time (weeks)" and ax.get_ylabel() == "change rate per month"
    plt.close(ax.figure)


def test_owner_map_cells_follow_a_constructed_winner_pattern(omap):
    # an npv array whose best owner is known cell by cell: owner k wins where k = (i + j) mod W
    from dataclasses import replace

    W, ny, nx = omap.npv.shape
    k = (np.arange(ny)[:, None] + np.arange(nx)[None, :]) % W
    npv = np.zeros((W, ny, nx))
    np.put_along_axis(npv, k[None], 1.0, axis=0)
    m = replace(omap, npv=npv)
    ax = plots.owner_map(m)
    ax.figure.canvas.draw()
    expected = [to_rgba(plots.OWNER_COLOURS[m.owners[c]]) for c in k.ravel()]
    np.testing.assert_allclose(ax.collections[0].get_facecolors(), expected)
    plt.close(ax.figure)


def test_owner_map_box_is_the_profiles_p10_p90_and_the_marker_its_p50(omap):
    from matplotlib.patches import Rectangle

    ax = plots.owner_map(omap)
    (box,) = [p for p in ax.patches if isinstance(p, Rectangle)]
    (x10, x50, x90), (y10, y50, y90) = omap.x_band, omap.y_band
    assert box.get_fill() is False
    assert (box.get_x(), box.get_x() + box.get_width()) == pytest.approx((x10, x90))
    assert (box.get_y(), box.get_y() + box.get_height()) == pytest.approx((y10, y90))
    (marker,) = ax.lines
    assert (marker.get_xdata()[0], marker.get_ydata()[0]) == pytest.approx((x50, y50))
    _check(ax)


def test_mechanism_bars_are_the_tables_means(result):
    from decision_kit import owner_tradeoffs

    table = owner_tradeoffs.mechanism_contributions(result.scenario, trials=500, seed=1)
    ax = plots.mechanism_contributions(table, "build")
    owners = list(result.layout.owners)
    bars = {c.get_label(): c for c in ax.containers}
    assert list(bars) == owners
    for w in owners:
        widths = [p.get_width() for p in bars[w].patches]
        expected = [table.loc[("build", w, m), "mean"] for m in owner_tradeoffs.MECHANISMS]
        np.testing.assert_allclose(widths, expected)
        assert all(p.get_facecolor() == pytest.approx(to_rgba(plots.OWNER_COLOURS[w])) for p in bars[w].patches)
    # each mechanism's bars sit on its labelled row, the first mechanism on top
    labels = {t.get_text(): y for t, y in zip(ax.get_yticklabels(), ax.get_yticks())}
    assert list(labels) == [owner_tradeoffs.MECHANISM_LABELS[m] for m in owner_tradeoffs.MECHANISMS]
    for mi, m in enumerate(owner_tradeoffs.MECHANISMS):
        row = labels[owner_tradeoffs.MECHANISM_LABELS[m]]
        centres = [bars[w].patches[mi].get_y() + bars[w].patches[mi].get_height() / 2 for w in owners]
        assert np.mean(centres) == pytest.approx(row)
    assert max(labels.values()) == labels[owner_tradeoffs.MECHANISM_LABELS["launch"]]
    _check(ax)


def test_input_words_names_the_units():
    assert plots.input_words("organisation.it_lead_time_weeks") == "IT lead time (weeks)"
    assert plots.input_words("organisation.change_rate_per_month") == "change rate per month"
    assert plots.input_words("mechanisms.co_ownership_uplift") == "co-ownership uplift"
    assert plots.input_words("mechanisms.embedded_fte") == "embedded FTE"
