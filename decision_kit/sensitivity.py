"""Sensitivity of a decision to its inputs: one-way swings, Sobol indices, break-even values.

What is here (each public function validates its arguments, calls a kernel and returns a named
result with ``to_frame``):

- :func:`tornado` and :func:`spider`: one-way sensitivity of one option x owner cell's metric
  to each uncertain input, the others held at base, in one vectorised engine call;
- :func:`sobol`: first-order and total Sobol indices, with bootstrap confidence intervals, of
  any vectorised function of independent inputs; :func:`saltelli_jansen` is its kernel;
- :func:`sobol_scenario`: the same for a metric of one cell of a scenario;
- :func:`break_even`: the value of one input at which two cells have equal expected NPV;
- :func:`crossover_year`: the first year one cell's mean cumulative cost overtakes another's.

Conventions (those of :mod:`decision_kit.results`): metrics are ``npv`` (benefits minus costs,
discounted at the scenario's nominal rate, period 0 undiscounted), ``pv_cost`` (present value
of cost) and ``tco`` (undiscounted total cost), all in the scenario's currency; costs are
positive. Inputs are named by their dotted path in the scenario file
(:func:`decision_kit.loading.input_paths`, e.g. ``options.build.cost_overrun``). Percentile
levels are fractions in (0, 1): 0.10 is P10. Cells are ``(option, owner)`` pairs.

The base case is that of :func:`decision_kit.simulation.base_case`: every input at its median
and no risk event (the median of a yearly event with probability below one half is no event).
One-way analyses hold the other inputs there, so they do not swing risk inputs; their weight
shows in :func:`sobol_scenario` (which samples risk events) and in
:func:`decision_kit.voi.evppi`. Correlations between inputs are ignored by the one-way and
Sobol analyses (Sobol indices assume independent inputs).

Every bad request raises :class:`~decision_kit.errors.ScenarioError` with a plain message.
"""

from __future__ import annotations

import difflib
import math
import numbers
from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np

from . import engine
from .errors import ScenarioError
from .sampling import as_generator, as_seed
from .schema import Scenario
from .simulation import evaluate

__all__ = ["METRICS", "Tornado", "Spider", "SobolIndices", "BreakEven", "tornado", "spider", "sobol",
           "sobol_scenario", "saltelli_jansen", "break_even", "crossover_year"]

METRICS = ("npv", "pv_cost", "tco")
"""Metrics an analysis can follow (see :class:`decision_kit.results.Result`)."""

_EVAL_ROWS = 16_384
"""Rows per engine call in :func:`sobol_scenario` (keeps the engine's arrays in cache)."""


# --- validation helpers ------------------------------------------------------------------

def _suggest(name: str, known) -> str:
    near = difflib.get_close_matches(str(name), list(known), n=5, cutoff=0.6)
    return f"; did you mean {', '.join(repr(n) for n in near)}?" if near else ""


def _check_scenario(scenario) -> None:
    if not isinstance(scenario, Scenario):
        raise ScenarioError(f"expected a Scenario (see decision_kit.load_scenario), got {type(scenario).__name__}")


def _check_metric(metric) -> str:
    if metric not in METRICS:
        raise ScenarioError(f"metric must be one of {', '.join(METRICS)}, got {metric!r}")
    return metric


def _check_member(kind: str, name, known, scenario_name: str) -> None:
    if name not in known:
        raise ScenarioError(f"unknown {kind} {name!r} in '{scenario_name}' ({kind}s: {', '.join(known)})"
                            + _suggest(name, known))


def _check_cell(cell, label: str, lay: engine.Layout, scenario_name: str) -> tuple[str, str]:
    if isinstance(cell, str) or not isinstance(cell, (tuple, list)) or len(cell) != 2:
        raise ScenarioError(f"{label} must be an (option, owner) pair such as ('build', 'it'), got {cell!r}")
    option, owner = cell
    _check_member("option", option, lay.options, scenario_name)
    _check_member("owner", owner, lay.owners, scenario_name)
    return str(option), str(owner)


def _check_int(name: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        what = "a positive integer" if minimum == 1 else f"an integer of at least {minimum}"
        raise ScenarioError(f"{name} must be {what}, got {value!r}")
    return int(value)


def _check_fraction(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 < value < 1:
        raise ScenarioError(f"{name} must be a fraction strictly between 0 and 1 (0.10 is P10), got {value!r}")
    return float(value)


def _check_input(scenario: Scenario, path, inputs: Mapping) -> str:
    if path not in inputs:
        raise ScenarioError(f"'{path}' is not an input of '{scenario.name}'" + _suggest(path, inputs)
                            + " (inputs are named by their dotted path in the file, e.g. drivers.seats.start)")
    return path


def _risk_applies(risk, option: str) -> bool:
    return risk.options is None or option in risk.options


def _affects(scenario: Scenario, path: str, option: str) -> bool:
    """Whether input ``path`` can change the cash flows of ``option`` (under any owner)."""
    parts = path.split(".")
    if parts[0] == "options":
        return path.startswith(f"options.{option}.")
    if parts[0] == "drivers":
        used = {line.driver for line in scenario.options[option].costs.values() if line.timing == "per_unit"}
        return parts[1] in used
    if parts[0] == "risks":
        return _risk_applies(scenario.risks[parts[1]], option)
    return True


def _cell_scenario(scenario: Scenario, options, owners, *, risks: bool) -> Scenario:
    """The scenario cut down to some options and owners (engine cost scales with cells).

    Options do not interact in the engine, so each kept cell's flows are unchanged. Risks that
    cannot touch a kept option are dropped, and all risks when ``risks`` is False (no events).
    """
    options, owners = list(dict.fromkeys(options)), list(dict.fromkeys(owners))
    kept_risks = {r: v for r, v in scenario.risks.items() if risks and any(_risk_applies(v, o) for o in options)}
    return scenario.model_copy(update={
        "options": {o: scenario.options[o] for o in options},
        "owners": {w: scenario.owners[w] for w in owners},
        "risks": kept_risks, "correlations": []})


def _pick_cell(lay: engine.Layout, base_npv: np.ndarray, option, owner) -> tuple[str, str, str]:
    """The given cell, or the best by base-case NPV among those matching what was given."""
    if option is not None and owner is not None:
        return option, owner, "given"
    opts = [option] if option is not None else list(lay.options)
    owns = [owner] if owner is not None else list(lay.owners)
    cells = [(o, w) for o in opts for w in owns]
    best = max(cells, key=lambda c: base_npv[lay.options.index(c[0]), lay.owners.index(c[1])])
    how = "best cell by base-case NPV"
    if option is not None:
        how = f"best owner of {option} by base-case NPV"
    elif owner is not None:
        how = f"best option under {owner} by base-case NPV"
    return best[0], best[1], how


def _text(x: float) -> str:
    """Compact number: 250000 -> '250k', 0.0325 -> '0.0325'."""
    a = abs(x)
    for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if a >= div:
            return f"{x / div:.4g}{suffix}"
    return f"{x:.4g}"


def _money(x: float, currency: str) -> str:
    from .results import format_money as money

    return money(x, currency)


# --- one-way: tornado and spider ----------------------------------------------------------

def _one_way(scenario, metric, option, owner, levels):
    """Kernel of :func:`tornado` and :func:`spider`: one engine call with ``1 + K L`` rows.

    Row 0 is the base case; row ``1 + j L + l`` sets input ``j`` to its quantile ``levels[l]``.
    Returns the cell, how it was chosen, the swung inputs that can affect the cell, their values
    (K, L), the metric (K, L) and the base metric.
    """
    _check_scenario(scenario)
    _check_metric(metric)
    lay = engine.layout(scenario)
    if option is not None:
        _check_member("option", option, lay.options, scenario.name)
    if owner is not None:
        _check_member("owner", owner, lay.owners, scenario.name)
    inputs = engine.uncertain_inputs(scenario)
    paths = [p for p, d in inputs.items() if not d.is_fixed() and not p.startswith("risks.")]
    q = np.asarray(levels, dtype=float)
    L = q.size
    at = np.array([np.asarray(inputs[p].ppf(q), dtype=float).reshape(L) for p in paths]).reshape(len(paths), L)
    rows = 1 + len(paths) * L
    values = {}
    for j, p in enumerate(paths):
        col = np.full(rows, float(inputs[p].median()))
        col[1 + j * L:1 + (j + 1) * L] = at[j]
        values[p] = col
    out = evaluate(scenario, values)
    option, owner, how = _pick_cell(lay, out["npv"][0], option, owner)
    y = out[metric][:, lay.options.index(option), lay.owners.index(owner)]
    keep = [j for j, p in enumerate(paths) if _affects(scenario, p, option)]
    return (option, owner, how, tuple(paths[j] for j in keep), at[keep],
            y[1:].reshape(len(paths), L)[keep], float(y[0]))


def _frozen(a) -> np.ndarray:
    a = np.array(a, dtype=float)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class Tornado:
    """One-way swings of a cell's metric, largest first: the data a tornado chart needs.

    Attributes
    ----------
    scenario, metric, option, owner : what was analysed; ``cell_choice`` says whether the cell
        was given or chosen as the best by base-case NPV.
    low, high : the percentile levels swung between (fractions; 0.10 is P10).
    base : the metric in the base case (currency).
    inputs : input paths, sorted by swing, largest first.
    low_value, high_value : each input's value at ``low`` and ``high`` (the input's own unit).
    metric_at_low, metric_at_high : the metric with that input at that value, the others at
        their medians (currency).
    """

    scenario: str
    currency: str
    metric: str
    option: str
    owner: str
    cell_choice: str
    low: float
    high: float
    base: float
    inputs: tuple[str, ...]
    low_value: np.ndarray
    high_value: np.ndarray
    metric_at_low: np.ndarray
    metric_at_high: np.ndarray

    @property
    def swing(self) -> np.ndarray:
        """``|metric_at_high - metric_at_low|`` per input (currency)."""
        return np.abs(self.metric_at_high - self.metric_at_low)

    def to_frame(self):
        """Columns ``input, low_value, high_value, metric_at_low, metric_at_high, swing, base``."""
        import pandas as pd

        return pd.DataFrame({"input": list(self.inputs), "low_value": self.low_value, "high_value": self.high_value,
                             "metric_at_low": self.metric_at_low, "metric_at_high": self.metric_at_high,
                             "swing": self.swing, "base": self.base})

    def _repr_html_(self):
        head = (f"<p>Tornado of {self.metric} for {self.option}/{self.owner} ({self.cell_choice}) in "
                f"'{self.scenario}': P{self.low * 100:g} to P{self.high * 100:g}, base "
                f"{_money(self.base, self.currency)}</p>")
        return head + self.to_frame().to_html(index=False, float_format=lambda x: f"{x:,.4g}")


def tornado(scenario: Scenario, metric: str = "npv", option: str | None = None, owner: str | None = None,
            low: float = 0.10, high: float = 0.90) -> Tornado:
    """One-way swings of each uncertain input between two percentiles, the others at base.

    Each uncertain input that can affect the cell (its drivers and the option's own inputs) is
    set to its ``low`` and then its ``high`` quantile (the distribution's ``ppf``) with every
    other input at its median; all ``1 + 2K`` rows run in one vectorised engine call.

    Parameters
    ----------
    scenario : a validated scenario.
    metric : ``"npv"``, ``"pv_cost"`` or ``"tco"`` (currency).
    option, owner : the cell. Left out, the best cell (or the best owner of ``option``, or the
        best option under ``owner``) by base-case NPV; :attr:`Tornado.cell_choice` says so.
    low, high : percentile levels as fractions, ``0 < low < high < 1`` (default P10 and P90).

    Returns
    -------
    Tornado
        Sorted by swing, largest first. Risk inputs are not swung: risk events do not occur
        in the base case (see the module notes). Fixed inputs are left out.
    """
    low, high = _check_fraction("low", low), _check_fraction("high", high)
    if not low < high:
        raise ScenarioError(f"low ({low}) must be below high ({high})")
    option, owner, how, paths, at, y, base = _one_way(scenario, metric, option, owner, (low, high))
    order = np.argsort(-np.abs(y[:, 1] - y[:, 0]), kind="stable")
    return Tornado(scenario.name, scenario.currency, metric, option, owner, how, low, high, base,
                   tuple(paths[i] for i in order), _frozen(at[order, 0]), _frozen(at[order, 1]),
                   _frozen(y[order, 0]), _frozen(y[order, 1]))


@dataclass(frozen=True, eq=False)
class Spider:
    """A cell's metric with one input at a time moved through several percentiles.

    ``values[j, l]`` is input ``inputs[j]`` at level ``levels[l]``; ``metric[j, l]`` is the
    metric there, the other inputs at their medians; ``base`` is the base-case metric.
    Inputs are sorted by the range of their metric, widest first.
    """

    scenario: str
    currency: str
    metric: str
    option: str
    owner: str
    cell_choice: str
    levels: tuple[float, ...]
    base: float
    inputs: tuple[str, ...]
    values: np.ndarray
    metric_values: np.ndarray

    def to_frame(self):
        """Long form: one row per input and level (``input, level, value, metric, base``)."""
        import pandas as pd

        K, L = self.values.shape
        return pd.DataFrame({"input": np.repeat(list(self.inputs), L), "level": np.tile(self.levels, K),
                             "value": self.values.ravel(), "metric": self.metric_values.ravel(), "base": self.base})


def spider(scenario: Scenario, metric: str = "npv", option: str | None = None, owner: str | None = None,
           levels=(0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95)) -> Spider:
    """The metric of one cell with each uncertain input at several percentiles, others at base.

    Same inputs, cell choice and conventions as :func:`tornado`; ``levels`` are fractions in
    (0, 1), sorted and de-duplicated. One engine call with ``1 + K len(levels)`` rows.
    """
    try:
        lv = sorted({_check_fraction("each level", v) for v in levels})
    except TypeError:
        raise ScenarioError(f"levels must be a sequence of fractions in (0, 1), got {levels!r}") from None
    if not lv:
        raise ScenarioError("levels must name at least one percentile level")
    option, owner, how, paths, at, y, base = _one_way(scenario, metric, option, owner, lv)
    order = np.argsort(-(y.max(axis=1) - y.min(axis=1)), kind="stable")
    return Spider(scenario.name, scenario.currency, metric, option, owner, how, tuple(lv), base,
                  tuple(paths[i] for i in order), _frozen(at[order]), _frozen(y[order]))


# --- Sobol indices -------------------------------------------------------------------------

def saltelli_jansen(y_a: np.ndarray, y_b: np.ndarray, y_ab: np.ndarray):
    """Kernel: first-order and total Sobol indices from a Saltelli design's outputs.

    ``y_a``, ``y_b`` (N,) are the outputs on the two base matrices A and B, ``y_ab`` (k, N)
    the outputs on ``A_B^(i)`` (A with the columns of factor i taken from B). With outputs
    centred on the mean of ``y_a`` and ``y_b`` (which leaves both estimators' expectations
    unchanged and lowers the first-order one's variance) and ``V`` the variance of ``y_a`` and
    ``y_b`` together:

    - first order, Saltelli et al. (2010) Table 2 (b): ``S_i = mean(y_b (y_ab_i - y_a)) / V``;
    - total, Jansen (1999), Saltelli et al. (2010) Table 2 (f):
      ``ST_i = mean((y_a - y_ab_i)^2) / (2 V)``.

    Returns ``(first (k,), total (k,), mean, V)``.
    """
    mu = 0.5 * (y_a.mean() + y_b.mean())
    a, b, ab = y_a - mu, y_b - mu, y_ab - mu
    var = float(np.mean(np.concatenate([a * a, b * b])) - np.mean(np.concatenate([a, b])) ** 2)
    with np.errstate(divide="ignore", invalid="ignore"):  # a constant output gives NaN indices
        first = np.mean(b * (ab - a), axis=1) / var
        total = 0.5 * np.mean((a - ab) ** 2, axis=1) / var
    return first, total, float(mu), var


def _bootstrap(y_a, y_b, y_ab, n_boot: int, conf_level: float, rng: np.random.Generator):
    """Percentile bootstrap intervals (k, 2) of first and total indices: rows of the design are
    resampled jointly; each resample's sums are one matrix product of counts and row terms."""
    N, k = y_a.size, y_ab.shape[0]
    mu = 0.5 * (y_a.mean() + y_b.mean())
    a, b, ab = y_a - mu, y_b - mu, y_ab - mu
    terms = np.empty((2 * k + 2, N))  # per-row terms whose resampled means give each statistic
    terms[:k] = b * (ab - a)
    terms[k:2 * k] = (a - ab) ** 2
    terms[2 * k] = a + b
    terms[2 * k + 1] = a * a + b * b
    stats = np.empty((n_boot, 2 * k))
    batch = max(1, min(n_boot, 2**21 // N))
    counts = np.empty((batch, N))
    for lo in range(0, n_boot, batch):
        m = min(batch, n_boot - lo)
        for i in range(m):  # row by row: the count vector stays in cache
            counts[i] = np.bincount(rng.integers(0, N, N), minlength=N)
        s = np.einsum("mn,tn->mt", counts[:m], terms) / N  # not BLAS: its threads only contend here
        var = s[:, 2 * k + 1] / 2 - (s[:, 2 * k] / 2) ** 2
        stats[lo:lo + m, :k] = s[:, :k] / var[:, None]
        stats[lo:lo + m, k:] = 0.5 * s[:, k:2 * k] / var[:, None]
    alpha = (1 - conf_level) / 2
    q = np.quantile(stats, [alpha, 1 - alpha], axis=0)  # (2, 2k)
    return q[:, :k].T, q[:, k:].T


def _sobol_points(n: int, d: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` scrambled Sobol' points in (0, 1)^d, kept off 0 and 1 so that quantile functions
    with unbounded support stay finite. scipy warns when ``n`` is not a power of two."""
    from scipy.stats import qmc

    try:
        seq = qmc.Sobol(d, scramble=True, rng=rng)
    except TypeError:  # scipy < 1.15 names the argument ``seed``
        seq = qmc.Sobol(d, scramble=True, seed=rng)
    eps = 2.0**-32
    return np.clip(seq.random(n), eps, 1 - eps)


def _run_design(f_x: Callable, transform: Callable, spans: list[slice], n: int, rng, max_rows: int):
    """Evaluate ``f_x`` on the Saltelli design: A, B and one ``A_B^(g)`` per factor ``g``.

    Design columns are drawn as uniforms and mapped once by ``transform`` (D, N) -> (D, N);
    factor ``g`` owns the columns ``spans[g]``. ``f_x`` takes a (D, rows) matrix and returns
    (rows,) outputs; blocks of N rows are grouped into calls of at most ``max_rows`` rows.
    """
    D = spans[-1].stop if spans else 0
    u = _sobol_points(n, 2 * D, rng)
    xa, xb = transform(u[:, :D].T.copy()), transform(u[:, D:].T.copy())
    k = len(spans)
    y = np.empty((k + 2, n))
    per_call = max(1, max_rows // n)
    for start in range(0, k + 2, per_call):
        ids = list(range(start, min(start + per_call, k + 2)))
        x = np.empty((D, len(ids) * n))
        for j, b in enumerate(ids):
            cols = slice(j * n, (j + 1) * n)
            x[:, cols] = xb if b == 1 else xa
            if b >= 2:
                x[spans[b - 2], cols] = xb[spans[b - 2]]
        y[ids] = f_x(x).reshape(len(ids), n)
    return y[0], y[1], y[2:]


def _checked_output(y, rows: int, what: str) -> np.ndarray:
    y = np.asarray(y, dtype=float)
    if y.shape != (rows,):
        raise ScenarioError(f"{what} must return one value per row: expected shape ({rows},), got {y.shape}")
    if not np.all(np.isfinite(y)):
        raise ScenarioError(f"{what} returned {int((~np.isfinite(y)).sum())} non-finite values")
    return y


@dataclass(frozen=True, eq=False)
class SobolIndices:
    """First-order and total Sobol indices with bootstrap confidence intervals.

    Attributes
    ----------
    label : what was analysed.
    inputs : factor names (input paths for a scenario; ``risks.<name>.events`` is the timing,
        and for one-off events the size, of a risk's events).
    first, total : the indices, in ``inputs`` order. ``first[i]`` is the share of the output's
        variance explained by factor i alone; ``total[i]`` includes its interactions.
    first_ci, total_ci : (k, 2) percentile-bootstrap intervals at ``conf_level``. They treat
        the design's rows as independent, so on a Sobol' design they are conservative.
    n : base samples N; ``evaluations`` = N (k + 2) model runs.
    mean, variance : of the output over the design's A and B rows.
    """

    label: str
    inputs: tuple[str, ...]
    first: np.ndarray
    total: np.ndarray
    first_ci: np.ndarray
    total_ci: np.ndarray
    conf_level: float
    n: int
    n_boot: int
    evaluations: int
    mean: float
    variance: float

    def to_frame(self):
        """One row per factor, by total index (largest first): ``input, first, first_low,
        first_high, total, total_low, total_high``."""
        import pandas as pd

        df = pd.DataFrame({"input": list(self.inputs), "first": self.first, "first_low": self.first_ci[:, 0],
                           "first_high": self.first_ci[:, 1], "total": self.total,
                           "total_low": self.total_ci[:, 0], "total_high": self.total_ci[:, 1]})
        return df.sort_values("total", ascending=False, kind="stable").reset_index(drop=True)

    def _repr_html_(self):
        head = (f"<p>Sobol indices of {self.label} (N = {self.n:,}, {self.evaluations:,} runs, "
                f"{self.conf_level:.0%} intervals)</p>")
        return head + self.to_frame().to_html(index=False, float_format="{:.3f}".format)


def _sobol_kernel(label, names, f_x, transform, spans, n, seed, conf_level, n_boot, max_rows) -> SobolIndices:
    design_rng, boot_rng = as_generator(seed).spawn(2)
    y_a, y_b, y_ab = _run_design(f_x, transform, spans, n, design_rng, max_rows)
    first, total, mean, var = saltelli_jansen(y_a, y_b, y_ab)
    if not var > 1e-24 * max(1.0, mean * mean):
        raise ScenarioError(f"{label} does not vary over the inputs' ranges (variance {var:.3g}); "
                            "Sobol indices are undefined")
    first_ci, total_ci = _bootstrap(y_a, y_b, y_ab, n_boot, conf_level, boot_rng)
    return SobolIndices(label, tuple(names), _frozen(first), _frozen(total), _frozen(first_ci), _frozen(total_ci),
                        conf_level, n, n_boot, n * (len(spans) + 2), mean, var)


def _check_sobol_request(n, seed, conf_level, n_boot):
    n = _check_int("n", n, 2)
    if not isinstance(seed, np.random.Generator):
        seed = as_seed(seed)
    conf_level = _check_fraction("conf_level", conf_level)
    n_boot = _check_int("n_boot", n_boot, 1)
    return n, seed, conf_level, n_boot


def sobol(func: Callable[[dict], np.ndarray], inputs: Mapping, n: int, seed, *, conf_level: float = 0.95,
          n_boot: int = 1000) -> SobolIndices:
    """First-order and total Sobol indices of a vectorised function of independent inputs.

    A scrambled Sobol' design (``scipy.stats.qmc.Sobol``, seeded) of ``2k`` dimensions gives
    the base matrices A and B; uniforms are mapped to each input by its quantile function.
    The function runs on A, B and the k matrices ``A_B^(i)``, N (k + 2) rows in all; the
    indices come from :func:`saltelli_jansen` (Saltelli et al. 2010 first order, Jansen 1999
    total), the intervals from a percentile bootstrap over the design's rows.

    Parameters
    ----------
    func : takes a dict of input name -> array (rows,) and returns an array (rows,). It may be
        called several times on blocks of rows, and row j's output must depend on row j only.
    inputs : input name -> distribution, written as in a scenario file: a distribution object,
        a mapping such as ``{"dist": "uniform", "low": -3.14159, "high": 3.14159}``, or a plain
        number (a fixed input, whose indices are 0).
    n : base samples N (a power of two keeps the Sobol' design balanced; scipy warns otherwise).
    seed : non-negative integer or :class:`numpy.random.Generator`; it seeds the scrambling and
        the bootstrap, so the same seed gives the same indices.
    conf_level : confidence level of the intervals, in (0, 1).
    n_boot : bootstrap resamples.

    Returns
    -------
    SobolIndices

    Examples
    --------
    >>> from decision_kit.test_functions import ISHIGAMI_INPUTS, ishigami
    >>> s = sobol(ishigami, ISHIGAMI_INPUTS, n=2**14, seed=1)
    >>> [round(float(v), 2) for v in s.first]   # analytic 0.31, 0.44, 0.00
    [0.31, 0.44, 0.0]
    """
    from pydantic import TypeAdapter, ValidationError

    from .distributions import Distribution

    n, seed, conf_level, n_boot = _check_sobol_request(n, seed, conf_level, n_boot)
    if not callable(func):
        raise ScenarioError(f"func must be callable (dict of arrays -> array), got {type(func).__name__}")
    if not isinstance(inputs, Mapping) or not inputs:
        raise ScenarioError("inputs must be a non-empty mapping of input name -> distribution")
    adapter = TypeAdapter(Distribution)
    dists = {}
    for name, spec in inputs.items():
        if not isinstance(name, str):
            raise ScenarioError(f"input names must be strings, got {name!r}")
        try:
            dists[name] = adapter.validate_python(spec)
        except ValidationError as exc:
            raise ScenarioError(f"input '{name}': {exc.errors()[0]['msg']}") from None
    names = list(dists)

    def transform(u):
        return np.array([np.broadcast_to(np.asarray(dists[k].ppf(u[j]), dtype=float), u[j].shape)
                         for j, k in enumerate(names)])

    def f_x(x):
        return _checked_output(func({k: x[j] for j, k in enumerate(names)}), x.shape[1], "func")

    spans = [slice(j, j + 1) for j in range(len(names))]
    max_rows = max(n, 2**22 // len(names))
    return _sobol_kernel(getattr(func, "__name__", "func"), names, f_x, transform, spans, n, seed, conf_level,
                         n_boot, max_rows)


def sobol_scenario(scenario: Scenario, metric: str = "npv", option: str | None = None, owner: str | None = None,
                   n: int = 4096, seed=0, *, risk_events: bool = True, conf_level: float = 0.95,
                   n_boot: int = 1000) -> SobolIndices:
    """First-order and total Sobol indices of one cell's metric over the scenario's inputs.

    The factors are the uncertain inputs that can affect the cell (its drivers, the option's
    own inputs and the risks that apply to it), treated as independent (stated correlations are
    ignored). With ``risk_events`` (the default) each applicable risk also contributes a factor
    ``risks.<name>.events``: the uniforms that time its events (one per year for one-off
    events, with that year's impact), mapped exactly as the Monte Carlo engine maps them. With
    ``risk_events=False`` no risk event occurs (the base-case convention) and risk inputs are
    left out. Inputs of other options are left out: their indices are 0 by construction.

    The engine runs on a copy of the scenario cut down to the one cell, in blocks of
    16,384 rows, N (k + 2) rows in all. Parameters as in :func:`tornado` (cell, metric) and
    :func:`sobol` (n, seed, conf_level, n_boot).
    """
    _check_scenario(scenario)
    _check_metric(metric)
    n, seed, conf_level, n_boot = _check_sobol_request(n, seed, conf_level, n_boot)
    lay = engine.layout(scenario)
    if option is not None:
        _check_member("option", option, lay.options, scenario.name)
    if owner is not None:
        _check_member("owner", owner, lay.owners, scenario.name)
    option, owner, how = _pick_cell(lay, evaluate(scenario, {})["npv"][0], option, owner)
    cell = _cell_scenario(scenario, [option], [owner], risks=risk_events)
    inputs = engine.uncertain_inputs(cell)
    one_off = {r for r, risk in cell.risks.items() if risk.effect == "one_off"}
    names, spans, ppfs = [], [], []  # ppfs: per design column, a quantile function or None (a uniform)
    for path, d in inputs.items():
        parts = path.split(".")
        if d.is_fixed() or not _affects(cell, path, option) or (parts[0] == "risks" and parts[1] in one_off
                                                                 and parts[2] == "impact"):
            continue
        names.append(path)
        spans.append(slice(len(ppfs), len(ppfs) + 1))
        ppfs.append(d.ppf)
    H = cell.horizon_years
    events = {}
    for r, risk in cell.risks.items():
        width = 1 if r not in one_off else (H if risk.impact.is_fixed() else 2 * H)
        events[r] = slice(len(ppfs), len(ppfs) + width)
        names.append(f"risks.{r}.events")
        spans.append(events[r])
        ppfs += [None] * min(width, H) + [risk.impact.ppf] * (width - H if r in one_off else 0)
    if not names:
        raise ScenarioError(f"no uncertain input affects {option}/{owner} in '{scenario.name}'")
    column = {p: spans[i].start for i, p in enumerate(names) if not p.endswith(".events")}

    def transform(u):
        return np.array([u[j] if f is None else np.asarray(f(u[j]), dtype=float) for j, f in enumerate(ppfs)])

    def f_x(x):
        rows = x.shape[1]
        values = {p: x[j] for p, j in column.items()}
        risks = None
        if risk_events:
            risks = engine.RiskDraws()
            for r, risk in cell.risks.items():
                sl = events[r]
                if r in one_off:
                    risks.yearly[r] = x[sl.start:sl.start + H].T
                    risks.impact[r] = (float(risk.impact.value) if risk.impact.is_fixed()
                                       else x[sl.start + H:sl.stop].T)
                else:
                    risks.first[r] = x[sl.start]
                    path = f"risks.{r}.impact"
                    risks.impact[r] = values.get(path, float(inputs[path].median()))
        y = evaluate(cell, values, risks)[metric][:, 0, 0]
        return _checked_output(y, rows, "the engine")

    label = f"{metric} of {option}/{owner} ({how}) in '{scenario.name}'"
    if not risk_events:
        label += ", risk events off"
    return _sobol_kernel(label, names, f_x, transform, spans, n, seed, conf_level, n_boot, _EVAL_ROWS)


# --- break-even and crossover ----------------------------------------------------------------

@dataclass(frozen=True)
class BreakEven:
    """Where two cells have equal expected NPV as one input varies.

    Attributes
    ----------
    input : the input's path; ``value`` the break-even value (the input's own unit), the lowest
        if the gap changes sign more than once (all are in ``crossings``).
    cell_a, cell_b : the two (option, owner) cells.
    a_better_above : whether ``cell_a`` has the higher expected NPV just above ``value``.
    bounds : the range searched. ``trials`` 0 means the deterministic base case; otherwise the
        Monte Carlo trials (common random numbers, ``seed``) behind each expected NPV.
    function_calls : evaluations of the NPV gap (grid scan and root finding).
    """

    input: str
    value: float
    cell_a: tuple[str, str]
    cell_b: tuple[str, str]
    a_better_above: bool
    crossings: tuple[float, ...]
    bounds: tuple[float, float]
    trials: int
    seed: int
    function_calls: int

    def __float__(self) -> float:
        return self.value

    def describe(self) -> str:
        """One plain-language line."""
        a, b = "/".join(self.cell_a), "/".join(self.cell_b)
        above, below = (a, b) if self.a_better_above else (b, a)
        how = ("in the base case" if self.trials == 0 else
               f"in expected NPV over {self.trials:,} trials (seed {self.seed})")
        text = (f"{above} beats {below} {how} when {self.input} is above {_text(self.value)}, "
                f"and {below} is ahead below it (searched {_text(self.bounds[0])} to {_text(self.bounds[1])})")
        if len(self.crossings) > 1:
            text += "; the lead changes again at " + ", ".join(_text(x) for x in self.crossings[1:])
        return text + "."

    def to_series(self):
        import pandas as pd

        return pd.Series({"input": self.input, "value": self.value, "cell_a": "/".join(self.cell_a),
                          "cell_b": "/".join(self.cell_b), "a_better_above": self.a_better_above,
                          "crossings": len(self.crossings), "low": self.bounds[0], "high": self.bounds[1],
                          "trials": self.trials, "seed": self.seed})


def break_even(scenario: Scenario, input_path: str, cell_a, cell_b, bounds=None, trials: int = 10_000,
               seed: int = 0, *, grid: int = 9) -> BreakEven:
    """The value of one input at which two cells have equal expected NPV.

    The NPV gap ``g(x) = E[NPV_a | input = x] - E[NPV_b | input = x]`` is scanned on ``grid``
    evenly spaced points of ``bounds``; each sign change is solved with
    :func:`scipy.optimize.brentq` (convergence checked).

    Parameters
    ----------
    scenario : a validated scenario.
    input_path : the input's dotted path, e.g. ``drivers.contacts.start``.
    cell_a, cell_b : two different (option, owner) cells, e.g. ``("build", "it")``.
    bounds : (low, high) to search, in the input's unit. Default: the input's P1 to P99 (a fixed
        input needs explicit bounds).
    trials : 0 for the deterministic base case (other inputs at their medians, no risk event);
        otherwise expected NPV over this many Monte Carlo trials with the input fixed at ``x``
        in every trial. The trials are those :func:`~decision_kit.simulation.simulate` draws for
        ``seed``, reused at every ``x`` (common random numbers), so ``g`` is a smooth
        deterministic function for the root finder. Other inputs keep their draws: a
        correlation with the fixed input is not carried over.
    seed : non-negative integer.
    grid : points of the initial scan (at least 2).

    Returns
    -------
    BreakEven

    Raises
    ------
    ScenarioError
        For an unknown input (with near matches), unknown or equal cells, bad bounds, an input
        that cannot affect either cell, or no crossing in the range, e.g. ``build/it never
        beats buy/it for drivers.contacts.start between 100k and 400k: build/it is worse by at
        least 212k USD``.
    """
    from scipy.optimize import brentq

    _check_scenario(scenario)
    lay = engine.layout(scenario)
    inputs = engine.uncertain_inputs(scenario)
    path = _check_input(scenario, input_path, inputs)
    a = _check_cell(cell_a, "cell_a", lay, scenario.name)
    b = _check_cell(cell_b, "cell_b", lay, scenario.name)
    if a == b:
        raise ScenarioError(f"cell_a and cell_b are the same cell {a[0]}/{a[1]}; compare two different cells")
    trials = _check_int("trials", trials, 0)
    seed = as_seed(seed)
    grid = _check_int("grid", grid, 2)
    name_a, name_b = "/".join(a), "/".join(b)
    if not (_affects(scenario, path, a[0]) or _affects(scenario, path, b[0])):
        raise ScenarioError(f"{path} does not affect {name_a} or {name_b}, so it cannot make them break even")
    if trials == 0 and path.startswith("risks."):
        raise ScenarioError(f"risk events do not occur in the base case (trials=0), so {path} cannot move "
                            "expected NPV; use trials > 0")
    dist = inputs[path]
    if bounds is None:
        lo, hi = (float(v) for v in dist.ppf(np.array([0.01, 0.99])))
        if not lo < hi:
            raise ScenarioError(f"{path} is fixed at {_text(lo)} in '{scenario.name}'; give bounds=(low, high) "
                                "to search for a break-even")
    else:
        try:
            lo, hi = (float(v) for v in bounds)
        except (TypeError, ValueError):
            raise ScenarioError(f"bounds must be a (low, high) pair of numbers, got {bounds!r}") from None
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise ScenarioError(f"bounds must be finite with low below high, got ({lo}, {hi})")

    sub = _cell_scenario(scenario, [a[0], b[0]], [a[1], b[1]], risks=trials > 0)
    sub_lay = engine.layout(sub)
    ia = (sub_lay.options.index(a[0]), sub_lay.owners.index(a[1]))
    ib = (sub_lay.options.index(b[0]), sub_lay.owners.index(b[1]))
    if trials:
        from .simulation import draw_trials

        drawn, risks, _ = draw_trials(scenario, trials, seed)
        known = engine.uncertain_inputs(sub)
        drawn = {k: v for k, v in drawn.items() if k in known}
        parts = path.split(".")
        one_off_impact = parts[0] == "risks" and sub.risks[parts[1]].effect == "one_off" and parts[2] == "impact"
    calls = [0]

    def gap(x: float) -> float:
        calls[0] += 1
        if trials == 0:
            npv = evaluate(sub, {path: float(x)})["npv"]
        elif one_off_impact:
            r = engine.RiskDraws(risks.first, risks.yearly, {**risks.impact, parts[1]: float(x)})
            npv = evaluate(sub, drawn, r)["npv"]
        else:
            npv = evaluate(sub, {**drawn, path: float(x)}, risks)["npv"]
        return float(np.mean(npv[:, ia[0], ia[1]] - npv[:, ib[0], ib[1]]))

    xs = np.linspace(lo, hi, grid)
    gs = np.array([gap(x) for x in xs])
    roots = []
    for i in range(grid - 1):
        if gs[i] == 0:
            roots.append(float(xs[i]))
        elif gs[i] * gs[i + 1] < 0:
            root, info = brentq(gap, xs[i], xs[i + 1], xtol=1e-12 * max(1.0, abs(hi - lo)), full_output=True,
                                disp=False)
            if not info.converged:
                raise RuntimeError(f"break-even search for {path} did not converge between {xs[i]} and {xs[i + 1]}: "
                                   f"{info.flag}")
            roots.append(float(root))
    if gs[-1] == 0:
        roots.append(float(xs[-1]))
    if not roots:
        how = "in the base case" if trials == 0 else f"over {trials:,} trials, seed {seed}"
        i = int(np.argmin(np.abs(gs)))
        worse = gs[0] < 0
        verb, comp = ("never beats", "worse") if worse else ("beats", "better")
        everywhere = "" if worse else " everywhere"
        raise ScenarioError(
            f"{name_a} {verb} {name_b}{everywhere} for {path} between {_text(lo)} and {_text(hi)}: {name_a} is {comp} "
            f"by at least {_money(abs(gs[i]), scenario.currency)} in expected NPV (smallest gap of {grid} points "
            f"checked, at {_text(xs[i])}; {how})")
    first = roots[0]
    above = next((g for x, g in zip(xs, gs) if x > first and g != 0), None)
    a_above = bool(above > 0) if above is not None else bool(gs[0] < 0)
    return BreakEven(path, first, a, b, a_above, tuple(roots), (lo, hi), trials, seed, calls[0])


def crossover_year(result, cell_a, cell_b) -> int | None:
    """The first year in which the mean cumulative cost of ``cell_a`` overtakes that of ``cell_b``.

    Cumulative cost runs from the decision date (period 0, counted as year ``start_year - 1``,
    as in :meth:`Result.cashflows`) and is undiscounted and nominal. "Overtakes" means ``a``'s
    cumulative cost is above ``b``'s in that year and was not in the year before, so a cell that
    is costlier from the decision date on never overtakes. Returns the calendar year, or None if
    ``a`` never overtakes ``b`` within the horizon.

    Example: build costs more up front, buy's subscription adds up; ``crossover_year(result,
    ("buy", "it"), ("build", "it"))`` is the year buy has cost more in total.
    """
    means = getattr(result, "means", None)
    if not isinstance(means, dict) or "cost" not in means:
        raise ScenarioError(f"expected a simulation Result, got {type(result).__name__}")
    lay = result.layout
    a = _check_cell(cell_a, "cell_a", lay, result.scenario.name)
    b = _check_cell(cell_b, "cell_b", lay, result.scenario.name)
    cum = np.cumsum(means["cost"], axis=0)
    ca = cum[:, lay.options.index(a[0]), lay.owners.index(a[1])]
    cb = cum[:, lay.options.index(b[0]), lay.owners.index(b[1])]
    above = ca - cb > 1e-9 * np.maximum(1.0, np.maximum(np.abs(ca), np.abs(cb)))
    for t in range(1, len(above)):
        if above[t] and not above[t - 1]:
            return result.scenario.start_year - 1 + t
    return None
