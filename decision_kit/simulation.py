"""Monte Carlo simulation and the deterministic base case.

:func:`simulate` draws every uncertain input for ``trials`` trials (in fixed random-number
blocks, see :mod:`decision_kit.sampling`), runs the cash-flow engine chunk by chunk so memory
stays bounded, and keeps per-trial metrics per option x owner cell plus running sums for mean
cash flows. :func:`base_case` runs the same engine once with every input at its median.
"""

from __future__ import annotations

import numbers

import numpy as np

from . import engine, finance
from .errors import ScenarioError
from .sampling import BLOCK, as_seed, block_generator, check_correlation, draw_inputs
from .schema import Scenario

DEFAULT_MAX_MEMORY = 2 * 1024**3
"""Default memory cap for one simulation (bytes): 2 GiB."""

BAND_TRIALS = 100_000
"""Cash-flow bands (percentiles over time) use at most this many trials (the first ones)."""

_STORED = {"npv": np.float64, "pv_cost": np.float32, "tco": np.float32, "payback": np.float32,
           "launch_months": np.float32, "security_events": np.float32}


def _bytes_per_trial(lay: engine.Layout) -> tuple[int, int]:
    """(kept bytes per trial, working bytes per trial of a chunk), both estimates."""
    cells = len(lay.options) * len(lay.owners)
    kept = cells * sum(np.dtype(t).itemsize for t in _STORED.values())
    working = cells * lay.periods * 8 * 12 + 2 * cells * lay.periods * 4
    return kept, working


def memory_estimate(scenario: Scenario, trials: int, chunk_blocks: int = 2) -> int:
    """Estimated peak bytes of :func:`simulate` for ``trials`` trials."""
    lay = engine.layout(scenario)
    kept, working = _bytes_per_trial(lay)
    cells = len(lay.options) * len(lay.owners)
    bands = min(trials, BAND_TRIALS) * cells * lay.periods * 4 * 2
    kept_inputs = min(trials, BAND_TRIALS) * 8 * len(_drawn_inputs(scenario))
    return kept * trials + working * min(trials, chunk_blocks * BLOCK) + bands + kept_inputs


def _check_request(trials, seed, max_memory):
    if isinstance(trials, bool) or not isinstance(trials, numbers.Integral) or trials < 1:
        raise ScenarioError(f"trials must be a positive integer, got {trials!r}")
    seed = as_seed(seed)
    if max_memory is not None and (not isinstance(max_memory, numbers.Real) or max_memory <= 0):
        raise ScenarioError(f"max_memory must be a positive number of bytes, got {max_memory!r}")
    return int(trials), seed


def _correlation_plan(s: Scenario, inputs: dict):
    if not s.correlations:
        return None, None
    names = sorted({n for c in s.correlations for n in c.between}, key=list(inputs).index)
    fixed = [n for n in names if inputs[n].is_fixed()]
    if fixed:
        raise ScenarioError(f"correlated input {fixed[0]} is a fixed number; only uncertain inputs can be correlated")
    m = np.eye(len(names))
    for c in s.correlations:
        i, j = names.index(c.between[0]), names.index(c.between[1])
        m[i, j] = m[j, i] = c.rank
    return names, check_correlation(m, names)


def _drawn_inputs(s: Scenario) -> dict:
    """Inputs drawn per trial (impacts of one-off risk events are drawn per year instead)."""
    inputs = engine.uncertain_inputs(s)
    for name, risk in s.risks.items():
        if risk.effect == "one_off":
            inputs.pop(f"risks.{name}.impact", None)
    return inputs


def simulate(scenario: Scenario, trials: int = 10_000, seed: int = 0, *,
             max_memory: float | None = DEFAULT_MAX_MEMORY, chunk_blocks: int | None = None):
    """Monte Carlo simulation of every option under every ownership model.

    Parameters
    ----------
    scenario : a validated :class:`~decision_kit.schema.Scenario`.
    trials : number of trials (a positive integer).
    seed : non-negative integer; the same seed and trial count give identical results,
        whatever the chunking.
    max_memory : cap in bytes on the estimated peak memory (default 2 GiB). A request whose
        estimate exceeds it is refused before any work starts; the chunk size is also
        reduced to fit. ``None`` means no cap.
    chunk_blocks : trials per chunk in units of :data:`~decision_kit.sampling.BLOCK`
        (default: 2, fewer if the cap requires).

    Returns
    -------
    :class:`~decision_kit.results.Result`
    """
    from .results import Result

    trials, seed = _check_request(trials, seed, max_memory)
    lay = engine.layout(scenario)
    kept, working = _bytes_per_trial(lay)
    blocks = chunk_blocks or 2
    if max_memory is not None:
        while blocks > 1 and memory_estimate(scenario, trials, blocks) > max_memory:
            blocks -= 1
        need = memory_estimate(scenario, trials, blocks)
        if need > max_memory:
            raise ScenarioError(
                f"{trials:,} trials of '{scenario.name}' need about {need / 2**20:,.0f} MiB, over the "
                f"cap of {max_memory / 2**20:,.0f} MiB; use fewer trials or raise max_memory")
    inputs = _drawn_inputs(scenario)
    corr_names, corr = _correlation_plan(scenario, inputs)
    O, W, P = len(lay.options), len(lay.owners), lay.periods
    store = {k: np.empty((trials, O, W), dtype=t) for k, t in _STORED.items()}
    n_band = min(trials, BAND_TRIALS)
    band_net = np.empty((n_band, P, O, W), dtype=np.float32)
    band_cost = np.empty((n_band, P, O, W), dtype=np.float32)
    kept_inputs = {k: np.empty(n_band) for k in inputs}
    sums = {"cost": np.zeros((P, O, W)), "benefit": np.zeros((P, O, W)), "marketing_cost": np.zeros((P, O, W)),
            "rows": np.zeros((len(lay.rows), P, O, W))}
    df = finance.discount_factors(scenario.discount_rate, P)
    n_blocks = -(-trials // BLOCK)
    for first in range(0, n_blocks, blocks):
        values, risks, n = _draw_blocks(scenario, inputs, corr_names, corr, seed, trials,
                                        range(first, min(first + blocks, n_blocks)))
        flows = engine.project(scenario, lay, values, risks, n)
        lo = first * BLOCK
        _store_chunk(store, flows, df, lo, n)
        sums["cost"] += flows.cost.sum(axis=0)
        sums["benefit"] += flows.benefit.sum(axis=0)
        sums["marketing_cost"] += flows.marketing_cost.sum(axis=0)
        sums["rows"] += flows.rows_sum
        if lo < n_band:
            m = min(n, n_band - lo)
            _running_sum(flows.benefit[:m] - flows.cost[:m], band_net[lo:lo + m])
            _running_sum(flows.cost[:m], band_cost[lo:lo + m])
            for k, v in values.items():
                kept_inputs[k][lo:lo + m] = v[:m] if isinstance(v, np.ndarray) else v
    means = {k: v / trials for k, v in sums.items()}
    return Result(scenario=scenario, layout=lay, trials=trials, seed=seed, metrics=store,
                  means=means, band_net=band_net, band_cost=band_cost, inputs=kept_inputs)


def evaluate(scenario: Scenario, values: dict, risks: "engine.RiskDraws | None" = None) -> dict:
    """Run the engine on given input rows and return per-row metrics per cell.

    ``values`` maps every uncertain input path (:func:`decision_kit.engine.uncertain_inputs`)
    to an array of ``n`` rows (or a float used for all rows); inputs left out are set to
    their medians. Without ``risks``, no risk event occurs (the base-case convention).
    Returns ``npv``, ``pv_cost``, ``tco`` (n, options, owners) and ``cost``, ``benefit``
    (n, periods, options, owners). Used by sensitivity analyses to evaluate many one-way
    changes in a single vectorised call.
    """
    lay = engine.layout(scenario)
    inputs = engine.uncertain_inputs(scenario)
    unknown = set(values) - set(inputs)
    if unknown:
        raise ScenarioError(f"not an uncertain input of '{scenario.name}': {', '.join(sorted(unknown))}")
    n = max((np.size(v) for v in values.values() if not np.isscalar(v)), default=1)
    full = {k: (np.broadcast_to(np.asarray(values[k], dtype=float), (n,)) if k in values
                else np.full(n, float(d.median()))) for k, d in inputs.items()}
    if risks is None:
        risks = _no_events(scenario, full, n)
    flows = engine.project(scenario, lay, full, risks, n)
    df = finance.discount_factors(scenario.discount_rate, lay.periods)
    net = flows.benefit - flows.cost
    return {"npv": np.einsum("ntow,t->now", net, df), "pv_cost": np.einsum("ntow,t->now", flows.cost, df),
            "tco": flows.cost.sum(axis=1), "cost": flows.cost, "benefit": flows.benefit}


def _no_events(scenario: Scenario, values: dict, n: int) -> "engine.RiskDraws":
    """Risk draws under which no event happens (uniforms of 1), impacts at their medians."""
    risks = engine.RiskDraws()
    for name, risk in scenario.risks.items():
        if risk.effect == "one_off":
            risks.yearly[name] = np.ones((n, scenario.horizon_years))
            risks.impact[name] = float(risk.impact.median())
        else:
            risks.first[name] = np.ones(n)
            risks.impact[name] = values[f"risks.{name}.impact"]
    return risks


def _draw_blocks(scenario, inputs, corr_names, corr, seed, trials, blocks):
    """Inputs and risk draws of the given random-number blocks, concatenated."""
    parts = []
    for b in blocks:
        n = min(BLOCK, trials - b * BLOCK)
        rng = block_generator(seed, b)
        values = draw_inputs(inputs, n, rng, corr_names, corr)
        parts.append((values, engine.draw_risks(scenario, values, n, rng), n))
    return _concat(parts)


def draw_trials(scenario: Scenario, trials: int, seed: int):
    """The sampled inputs and risk draws :func:`simulate` uses for this seed and trial count.

    Returns ``(values, risks, n)``: ``values`` maps input paths to arrays of ``trials`` draws
    (or floats for fixed inputs), ``risks`` is an :class:`~decision_kit.engine.RiskDraws`.
    Analyses that re-run the engine with one input changed (break-even) use it to share
    simulate's random numbers exactly.
    """
    trials, seed = _check_request(trials, seed, None)
    inputs = _drawn_inputs(scenario)
    corr_names, corr = _correlation_plan(scenario, inputs)
    return _draw_blocks(scenario, inputs, corr_names, corr, seed, trials, range(-(-trials // BLOCK)))


def _running_sum(x, out):
    """Cumulative sum over the period axis (1) by per-period vector adds (faster than cumsum here)."""
    acc = x[:, 0].copy()
    out[:, 0] = acc
    for t in range(1, x.shape[1]):
        acc += x[:, t]
        out[:, t] = acc


def _concat(parts):
    if len(parts) == 1:
        return parts[0]
    values = {}
    for key in parts[0][0]:
        vs = [p[0][key] for p in parts]
        values[key] = vs[0] if isinstance(vs[0], float) else np.concatenate(vs)
    risks = engine.RiskDraws()
    for attr in ("first", "yearly", "impact"):
        for key in getattr(parts[0][1], attr):
            vs = [getattr(p[1], attr)[key] for p in parts]
            getattr(risks, attr)[key] = vs[0] if isinstance(vs[0], float) else np.concatenate(vs)
    return values, risks, sum(p[2] for p in parts)


def _store_chunk(store, flows, df, lo, n):
    net = flows.benefit - flows.cost
    npv = np.zeros(net.shape[:1] + net.shape[2:])
    pv_cost = np.zeros_like(npv)
    for t in range(net.shape[1]):  # explicit multiply-adds over the short time axis
        npv += net[:, t] * df[t]
        pv_cost += flows.cost[:, t] * df[t]
    sl = slice(lo, lo + n)
    store["npv"][sl] = npv
    store["pv_cost"][sl] = pv_cost
    store["tco"][sl] = flows.cost.sum(axis=1)
    store["payback"][sl] = finance.payback(np.moveaxis(net, 1, -1))
    store["launch_months"][sl] = flows.launch
    store["security_events"][sl] = flows.security_events


def base_case(scenario: Scenario, option: str | None = None, owner: str | None = None):
    """Deterministic cash flows with every input at its median (risk events do not occur:
    the median of a yearly event with probability below one half is no event).

    Returns a DataFrame indexed by (option, owner, flow) with one column per period (the
    scenario's years, period 0 being the decision date), costs and benefits as positive
    amounts, plus rows ``total cost``, ``total benefit`` and ``net``. With ``option`` and/or
    ``owner`` given, only those cells (and the index levels that still vary).
    """
    import pandas as pd

    lay = engine.layout(scenario)
    inputs = engine.uncertain_inputs(scenario)
    values = {k: np.array([float(d.median())]) for k, d in inputs.items()}
    risks = _no_events(scenario, values, 1)
    flows = engine.project(scenario, lay, values, risks, 1)
    cols = ["t0 (decision)"] + [str(scenario.start_year + t - 1) for t in range(1, lay.periods)]
    frames = []
    for oi, o in enumerate(lay.options):
        for wi, w in enumerate(lay.owners):
            if (option is not None and o != option) or (owner is not None and w != owner):
                continue
            rows = pd.DataFrame(flows.rows_sum[:, :, oi, wi], index=list(lay.rows), columns=cols)
            rows = rows.loc[(rows != 0).any(axis=1) | rows.index.isin(["governance"])]
            rows.loc["total cost"] = flows.cost[0, :, oi, wi]
            rows.loc["total benefit"] = flows.benefit[0, :, oi, wi]
            rows.loc["net"] = flows.benefit[0, :, oi, wi] - flows.cost[0, :, oi, wi]
            rows.index = pd.MultiIndex.from_product([[o], [w], rows.index], names=["option", "owner", "flow"])
            frames.append(rows)
    if not frames:
        raise ScenarioError(f"no cell {option or '*'} x {owner or '*'} in '{scenario.name}' "
                            f"(options: {', '.join(lay.options)}; owners: {', '.join(lay.owners)})")
    table = pd.concat(frames)
    drop = [name for name, given in (("option", option), ("owner", owner)) if given is not None]
    return table.droplevel(drop) if drop else table
