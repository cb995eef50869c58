"""Figures from results: pure functions, an optional ``ax`` in, the Axes out.

matplotlib is imported here only; nothing in the model imports this module. Colours are
fixed per option kind and per owner so every chart reads the same way.
"""

from __future__ import annotations

import re

import numpy as np

from .formatting import amount, percent, tick_money

OPTION_COLOURS = {
    "build": "#1f77b4",
    "buy": "#ff7f0e",
    "hybrid": "#2ca02c",
    "outsource": "#9467bd",
    "do_nothing": "#7f7f7f",
}
OWNER_COLOURS = {
    "marketing": "#d62728",
    "it": "#1f77b4",
    "shared": "#2ca02c",
    "embedded": "#9467bd",
    "shadow": "#7f7f7f",
}
SPARE_COLOURS = ("#8c564b", "#e377c2", "#bcbd22", "#17becf", "#ff7f0e")
"""Colours, in order, of owners a scenario names beyond :data:`OWNER_COLOURS`."""


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(8, 4.5))
    return ax


def money_formatter(currency: str = "USD"):
    """A tick formatter writing 1,260,000 as '1.3M' (:func:`decision_kit.formatting.tick_money`)."""
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda x, _pos: tick_money(x))


def cumulative_cost_curves(result, owner: str | None = None, percentiles=(10, 90)):
    """What :func:`cumulative_cost` draws: ``(owner, years, mean, low, high)``, the owner
    (default: the best cell's), the calendar years of the periods (the first is the decision
    date), the mean cumulative cost and the two percentiles of the cumulative cost, each
    (periods, options) in currency, undiscounted."""
    owner = owner or result.best_cell[1]
    lay = result.layout
    wi = lay.owners.index(owner)
    # the owner's columns of Result.cashflows, without building the table of every cell
    bands = np.percentile(result.band_cost[..., wi], percentiles, axis=0)  # (2, P, O)
    years = result.scenario.start_year - 1 + np.arange(lay.periods)
    mean = np.stack([np.cumsum(result.means["cost"][:, oi, wi]) for oi in range(len(lay.options))], axis=1)
    return owner, years, mean, bands[0], bands[1]


def cumulative_cost_title(owner: str, percentiles=(10, 90)) -> str:
    """The title of :func:`cumulative_cost` for ``owner``."""
    return f"Cumulative cost, owner: {owner} (line: mean; band: P{percentiles[0]}-P{percentiles[1]})"


def cumulative_cost(result, owner: str | None = None, ax=None, percentiles=(10, 90)):
    """Cumulative cost over time per option under one owner, mean line with a P10-P90 band.

    ``owner`` defaults to the owner of the best cell by expected NPV.
    """
    ax = _axes(ax)
    owner, years, mean, low, high = cumulative_cost_curves(result, owner, percentiles)
    for oi, o in enumerate(result.layout.options):
        colour = OPTION_COLOURS.get(result.scenario.options[o].kind)
        ax.plot(years, mean[:, oi], label=o, color=colour, lw=2)
        ax.fill_between(years, low[:, oi], high[:, oi], color=colour, alpha=0.15)
    ax.yaxis.set_major_formatter(money_formatter(result.scenario.currency))
    ax.set_xlabel("year (first point: decision date)")
    ax.set_ylabel(f"cumulative cost ({result.scenario.currency})")
    ax.set_title(cumulative_cost_title(owner, percentiles))
    ax.legend(frameon=False)
    ax.grid(alpha=0.3)
    return ax


def npv_distributions(result, ax=None, owner: str | None = None):
    """Histogram of NPV per option under one owner (default: the best cell's owner)."""
    ax = _axes(ax)
    owner = owner or result.best_cell[1]
    wi = result.layout.owners.index(owner)
    npv = result.metrics["npv"]
    lo, hi = np.percentile(npv[:, :, wi], [0.5, 99.5])
    bins = np.linspace(lo, hi, 60)
    for oi, o in enumerate(result.layout.options):
        ax.hist(
            npv[:, oi, wi],
            bins=bins,
            histtype="step",
            lw=2,
            label=o,
            color=OPTION_COLOURS.get(result.scenario.options[o].kind),
        )
    ax.axvline(0, color="black", lw=1)
    ax.xaxis.set_major_formatter(money_formatter(result.scenario.currency))
    ax.set_xlabel(f"NPV ({result.scenario.currency})")
    ax.set_ylabel("trials")
    ax.set_title(f"Distribution of NPV, owner: {owner}")
    ax.legend(frameon=False)
    return ax


def probability_best(result, ax=None):
    """Heat map of the probability that each option x owner cell has the highest NPV."""
    ax = _axes(ax)
    p = result.summary()["p_best"].unstack("owner").loc[list(result.layout.options), list(result.layout.owners)]
    im = ax.imshow(p.to_numpy(), cmap="Blues", vmin=0, vmax=max(0.5, float(p.to_numpy().max())))
    ax.set_xticks(range(p.shape[1]), p.columns)
    ax.set_yticks(range(p.shape[0]), p.index)
    for i in range(p.shape[0]):
        for j in range(p.shape[1]):
            v = p.iat[i, j]
            ax.text(j, i, percent(v), ha="center", va="center", color="white" if v > 0.3 else "black")
    ax.set_title("Probability each cell is best (highest NPV)")
    ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    return ax


def tornado(t, ax=None, top: int = 12):
    """Tornado chart of a :class:`~decision_kit.sensitivity.Tornado`: the ``top`` inputs by swing,
    bars from the metric at the input's low percentile to its high percentile, around the base."""
    ax = _axes(ax)
    df = t.to_frame().head(top).iloc[::-1]
    if df.empty:  # every input of the cell is fixed: nothing to swing
        ax.text(0.5, 0.5, "No uncertain input moves this cell", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return ax
    base = float(df["base"].iloc[0])
    y = np.arange(len(df))
    lo = df["metric_at_low"].to_numpy() - base
    hi = df["metric_at_high"].to_numpy() - base
    ax.barh(y, lo, left=base, color="#d62728", alpha=0.8, label="input at low percentile")
    ax.barh(y, hi, left=base, color="#1f77b4", alpha=0.8, label="input at high percentile")
    ax.axvline(base, color="black", lw=1)
    ax.set_yticks(y, [s.replace("options.", "").replace("drivers.", "") for s in df["input"]])
    ax.xaxis.set_major_formatter(money_formatter())
    ax.set_xlabel(f"{t.metric} of {t.option}/{t.owner}" if hasattr(t, "option") else "metric")
    ax.set_title("One-way sensitivity (others at their medians)")
    ax.legend(frameon=False, loc="lower right")
    return ax


def sobol_bars(si, ax=None, top: int = 12):
    """First-order and total Sobol indices with their confidence intervals, largest total first."""
    ax = _axes(ax)
    df = si.to_frame().head(top).iloc[::-1]
    y = np.arange(len(df))
    ax.barh(
        y - 0.2,
        df["first"],
        height=0.4,
        color="#1f77b4",
        label="first order",
        xerr=[df["first"] - df["first_low"], df["first_high"] - df["first"]],
    )
    ax.barh(
        y + 0.2,
        df["total"],
        height=0.4,
        color="#ff7f0e",
        label="total",
        xerr=[df["total"] - df["total_low"], df["total_high"] - df["total"]],
    )
    ax.set_yticks(y, [s.replace("options.", "").replace("drivers.", "") for s in df["input"]])
    ax.set_xlabel("share of variance")
    ax.set_title("Global sensitivity (Sobol indices)")
    ax.legend(frameon=False, loc="lower right")
    return ax


def stakeholder_weights(sw, ax=None):
    """Grouped bars: each stakeholder's weight per criterion, and the group's."""
    ax = _axes(ax)
    df = sw.to_frame()
    k = len(df.index)
    x = np.arange(len(df.columns))
    width = 0.8 / k
    for i, who in enumerate(df.index):
        ax.bar(x + (i - (k - 1) / 2) * width, df.loc[who], width=width, label=who)
    ax.set_xticks(x, [c.replace("_", " ") for c in df.columns], rotation=30, ha="right")
    ax.set_ylabel("weight")
    ax.set_title("What each stakeholder weighs")
    ax.legend(frameon=False)
    return ax


def crossover(result, cell_a, cell_b, ax=None):
    """Mean cumulative cost of two (option, owner) cells over time, marking the first year the
    first overtakes the second (see :func:`decision_kit.sensitivity.crossover_year`)."""
    from .sensitivity import crossover_year

    ax = _axes(ax)
    cf = result.cashflows(percentiles=(50,))
    for (o, w), style in ((cell_a, "-"), (cell_b, "--")):
        d = cf[(cf.option == o) & (cf.owner == w)]
        ax.plot(
            d.year,
            d.cost_mean.cumsum(),
            style,
            lw=2,
            label=f"{o} / {w}",
            color=OPTION_COLOURS.get(result.scenario.options[o].kind),
        )
    year = crossover_year(result, cell_a, cell_b)
    if year is not None:
        ax.axvline(year, color="black", lw=1, ls=":")
        ax.annotate(
            f"{cell_a[0]} overtakes {cell_b[0]} in {year}",
            (year, ax.get_ylim()[1]),
            xytext=(4, -14),
            textcoords="offset points",
        )
    ax.yaxis.set_major_formatter(money_formatter(result.scenario.currency))
    ax.set_xlabel("year (first point: decision date)")
    ax.set_ylabel(f"cumulative cost ({result.scenario.currency})")
    ax.set_title("Cumulative cost crossover" + ("" if year is not None else " (no crossover within the horizon)"))
    ax.legend(frameon=False)
    ax.grid(alpha=0.3)
    return ax


def allocation_bars(alloc, ax=None):
    """Spend per initiative of an :class:`~decision_kit.allocation.Allocation`, coloured by owner,
    with the marginal value of the last unit spent written at each bar."""
    ax = _axes(ax)
    df = alloc.to_frame().iloc[::-1]
    y = np.arange(len(df))
    ax.barh(y, df["spend"], color=[OWNER_COLOURS.get(o, "#7f7f7f") for o in df["owner"]])
    for i, (spend, m) in enumerate(zip(df["spend"], df["marginal_value"])):
        ax.text(spend, i, f"  {m:.2f}", va="center", fontsize=9)
    ax.set_yticks(y, df.index)
    ax.xaxis.set_major_formatter(money_formatter())
    ax.set_xlabel("spend per year (number: value of the next unit spent)")
    ax.set_title(f"Optimal allocation of {amount(alloc.budget)}, plan year {alloc.year}")
    handles = [matplotlib_patch(c, o) for o, c in OWNER_COLOURS.items() if o in set(df["owner"])]
    ax.legend(handles=handles, frameon=False, loc="lower right")
    return ax


def matplotlib_patch(colour, label):
    from matplotlib.patches import Patch

    return Patch(color=colour, label=label)


def frontier(fr, ax=None):
    """Expected value (and mean minus one sd) against total budget along an efficient frontier."""
    ax = _axes(ax)
    df = fr.to_frame().reset_index()
    ax.plot(df["budget"], df["value_mean"], lw=2, label="expected value")
    ax.plot(df["budget"], df["value_p10"], lw=1, ls="--", label="P10 of value")
    ax.xaxis.set_major_formatter(money_formatter())
    ax.yaxis.set_major_formatter(money_formatter())
    ax.set_xlabel("total budget per year")
    ax.set_ylabel("portfolio value per year")
    ax.set_title("Efficient frontier: value against budget")
    ax.legend(frameon=False)
    ax.grid(alpha=0.3)
    return ax


def owner_colours(owners) -> dict[str, str]:
    """One fixed colour per owner: :data:`OWNER_COLOURS`, then :data:`SPARE_COLOURS` in order."""
    spare = iter(SPARE_COLOURS * (1 + len(owners) // len(SPARE_COLOURS)))
    return {w: OWNER_COLOURS[w] if w in OWNER_COLOURS else next(spare) for w in owners}


_UNITS = (("_per_month", " per month"), ("_weeks", " (weeks)"), ("_months", " (months)"), ("_days", " (days)"))


def input_words(path: str) -> str:
    """An input path in words: 'organisation.it_lead_time_weeks' -> 'IT lead time (weeks)'."""
    name = path.rsplit(".", 1)[-1]
    for suffix, text in _UNITS:
        if name.endswith(suffix):
            name = name[: -len(suffix)] + text
            break
    text = re.sub(r"\b(it|fte)\b", lambda w: w.group(1).upper(), name.replace("_", " "))
    return text.replace("co ownership", "co-ownership")


def _edges(centres: np.ndarray) -> np.ndarray:
    """Cell edges around grid points: the midpoints, and half a step beyond each end."""
    c = np.asarray(centres, dtype=float)
    mid = (c[1:] + c[:-1]) / 2
    return np.concatenate([[c[0] - (mid[0] - c[0])], mid, [c[-1] + (c[-1] - mid[-1])]])


def owner_map(m, ax=None):
    """The best owner at each grid point of an :class:`~decision_kit.owner_tradeoffs.OwnerMap`
    as coloured cells, with this organisation's P10-P90 of both inputs as a box and its P50
    as a marker: where the organisation sits on the map, and how uncertain that is."""
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.lines import Line2D
    from matplotlib.patches import Rectangle

    ax = _axes(ax)
    colours = owner_colours(m.owners)
    index = m.npv.argmax(axis=0)  # (y, x): position of the best owner in m.owners
    cmap = ListedColormap([colours[w] for w in m.owners])
    norm = BoundaryNorm(np.arange(len(m.owners) + 1) - 0.5, len(m.owners))
    ax.pcolormesh(_edges(m.x), _edges(m.y), index, cmap=cmap, norm=norm, shading="flat")
    (x10, x50, x90), (y10, y50, y90) = m.x_band, m.y_band
    box = Rectangle((x10, y10), x90 - x10, y90 - y10, fill=False, edgecolor="black", lw=2,
                    label="this organisation: P10-P90")  # fmt: skip
    ax.add_patch(box)
    ax.plot([x50], [y50], marker="o", ms=8, color="black", ls="none")
    shown = [w for w in m.owners if w in m.winners()]
    handles = [matplotlib_patch(colours[w], w) for w in shown]
    handles += [box, Line2D([], [], marker="o", ms=8, color="black", ls="none", label="this organisation: P50")]
    ax.legend(handles=handles, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_xlabel(input_words(m.x_input))
    ax.set_ylabel(input_words(m.y_input))
    ax.set_title(f"Best owner of {m.option}")
    return ax


def mechanism_contributions(table, option: str, ax=None, currency: str = "USD"):
    """Horizontal grouped bars: the mean contribution to NPV of each ownership mechanism, per
    owner of one option (the table of :func:`decision_kit.owner_tradeoffs.mechanism_contributions`,
    rows (option, owner, mechanism)). A bar right of zero: the mechanism adds to that owner's NPV
    against every mechanism neutral; left: it takes away."""
    from .ownership import MECHANISM_LABELS

    ax = _axes(ax)
    rows = table.xs(option, level="option")
    owners = list(dict.fromkeys(rows.index.get_level_values("owner")))
    means = rows["mean"].unstack("owner")  # mechanism x owner
    mechanisms = [k for k in MECHANISM_LABELS if k in means.index]
    means = means.loc[mechanisms, owners]
    colours = owner_colours(owners)
    y = np.arange(len(mechanisms))[::-1]  # the first mechanism on top
    height = 0.8 / len(owners)
    for i, w in enumerate(owners):
        ax.barh(y + (len(owners) - 1) / 2 * height - i * height, means[w], height=height, color=colours[w], label=w)
    ax.axvline(0, color="black", lw=1)
    ax.set_yticks(y, [MECHANISM_LABELS[k] for k in mechanisms])
    ax.xaxis.set_major_formatter(money_formatter(currency))
    ax.set_xlabel(f"mean contribution to NPV ({currency}): NPV less NPV with the mechanism neutral")
    ax.set_title(f"What each ownership mechanism contributes to the NPV of {option}")
    ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.grid(axis="x", alpha=0.3)
    return ax


def stop_boundary(staged, option: str, owner: str, ax=None):
    """The yearly stop rule of one cell of an :class:`~decision_kit.staged_decisions.Abandonment`
    over time: per review, the measured benefit below which a live option with no failure seen
    is stopped (line; absent where the rule never or always stops), and the share of trials
    stopped at that review (bars, right axis)."""
    ax = _axes(ax)
    rv = staged.cell_reviews(option, owner)
    rv = rv[~rv["rule"].str.startswith("no review")]  # reviews that cannot change anything are not offered
    years = rv.index.to_numpy()
    ax.plot(years, rv["stop_below"].to_numpy(dtype=float), marker="o", color="#1f4e79",
            label="stop if the year's measured benefit is below")  # fmt: skip
    ax.yaxis.set_major_formatter(money_formatter(staged.currency))
    if not np.isfinite(rv["stop_below"].to_numpy(dtype=float)).any():
        ax.set_yticks([])
        ax.text(0.5, 0.5, "no benefit threshold at any review\n(the rule in words says when it stops)",
                transform=ax.transAxes, ha="center", va="center")  # fmt: skip
    ax.set_xlabel("review at the end of year")
    ax.set_ylabel(f"measured benefit in the year ({staged.currency})")
    ax.set_xticks(years)
    right = ax.twinx()
    right.bar(years, rv["p_stop"].to_numpy(dtype=float), width=0.5, alpha=0.25, color="#c0504d",
              label="share of trials stopped there")  # fmt: skip
    right.set_ylabel("share of trials stopped")
    right.set_ylim(0, max(0.05, float(rv["p_stop"].max()) * 1.3))
    lines = ax.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    ax.legend(lines, [h.get_label() for h in lines], frameon=False, loc="upper left")
    ax.set_title(f"Stop rule of {option} under {owner} (a live option with no failure seen)")
    return ax


def pilot_design(design, currency: str, ax=None):
    """The pilot-design curve of one cell (:func:`decision_kit.staged_pilot.pilot_design`): the
    pilot's value net of its cost and its delay against its length in months, one line per
    scale (share of contacts or seats), with two standard errors as a band."""
    ax = _axes(ax)
    for scale, rows in design.groupby(level="scale"):
        months = rows.index.get_level_values("months").to_numpy(dtype=float)
        value, se = rows["value"].to_numpy(dtype=float), rows["value_se"].to_numpy(dtype=float)
        (line,) = ax.plot(months, value, marker="o", label=f"on {scale:.0%}")
        ax.fill_between(months, value - 2 * se, value + 2 * se, color=line.get_color(), alpha=0.12)
    ax.axhline(0, color="#888", lw=0.8)
    ax.yaxis.set_major_formatter(money_formatter(currency))
    ax.set_xlabel("pilot length (months)")
    ax.set_ylabel(f"value of the pilot ({currency}), net of its cost and delay")
    ax.legend(frameon=False, title="pilot scale")
    ax.set_title("Pilot design: value against length and scale (bands: two standard errors)")
    return ax
