"""Benchmark: budget allocation on a generated 30-initiative portfolio with uncertain curves.

A script, not a test (tests never assert timings). Run from the repository root::

    .venv/bin/python benchmarks/bench_allocation.py [--initiatives 30] [--trials 2000] [--repeats 3]

The portfolio (fixed seed): initiatives owned by marketing, IT and shared in turn, curve forms
exp_saturation, hill (shape 0.6-1) and log in turn, lognormal max_value (P90 = 1.6 x median)
and PERT scale, minimum spends on a third of them, maximum spends on most, per-owner budgets,
and three initiatives with prerequisites (8 on/off cases), over three plan years with 25 %
carry-over. Each call draws its own curve parameters (``trials`` draws per parameter) and is
timed end to end; the median of ``--repeats`` runs is printed.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from decision_kit import allocation
from decision_kit.schema import Portfolio


def generated_portfolio(n: int = 30, seed: int = 7) -> Portfolio:
    rng = np.random.default_rng(seed)
    owners = ("marketing", "it", "shared")
    forms = ("exp_saturation", "hill", "log")
    initiatives = {}
    for i in range(n):
        median = float(rng.uniform(150e3, 2e6))
        scale = float(rng.uniform(50e3, 500e3))
        curve = {
            "form": forms[i % 3],
            "max_value": {"dist": "lognormal", "median": median, "p90": 1.6 * median},
            "scale": {"dist": "pert", "low": 0.7 * scale, "mode": scale, "high": 1.5 * scale},
        }
        if curve["form"] == "hill":
            curve["shape"] = float(rng.uniform(0.6, 1.0))
        if curve["form"] == "log":
            curve["max_value"] = {"dist": "lognormal", "median": median / 3, "p90": 1.6 * median / 3}
        ini = {"owner": owners[i % 3], "curve": curve}
        if i % 3 == 0:
            ini["min_spend"] = float(rng.uniform(10e3, 60e3))
        if i % 5 != 4:
            ini["max_spend"] = float(rng.uniform(2, 5) * scale)
        initiatives[f"initiative_{i:02d}"] = ini
    for dep, pre in ((4, 1), (11, 7), (20, 13)):
        if dep < n:  # a smaller portfolio keeps the prerequisites that fit
            initiatives[f"initiative_{dep:02d}"]["requires"] = {
                "initiative": f"initiative_{pre:02d}",
                "min_spend": 80e3,
            }
    budget = [8e6, 9e6, 10e6]
    return Portfolio.model_validate(
        {
            "name": f"generated {n}",
            "budget": budget,
            "carry_over": 0.25,
            "owner_budgets": {
                "marketing": [3.2e6, 3.6e6, 4.0e6],
                "it": [2.8e6, 3.1e6, 3.4e6],
                "shared": [2.4e6, 2.7e6, 3.0e6],
            },
            "initiatives": initiatives,
        }
    )


def timed(fn, repeats):
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--initiatives", type=int, default=30)
    parser.add_argument("--trials", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    p = generated_portfolio(args.initiatives)
    kw = {"trials": args.trials, "seed": 1}
    n_requires = sum(i.requires is not None for i in p.initiatives.values())
    print(
        f"{args.initiatives} initiatives, {args.trials} trials, {n_requires} prerequisites, owner budgets; "
        f"median of {args.repeats} runs"
    )
    cases = [
        ("optimize mean (water-filling, with marginal check)", lambda: allocation.optimize(p, **kw)),
        ("optimize mean, no owner budgets", lambda: allocation.optimize(p, owner_budgets={}, **kw)),
        ("optimize mean_minus_std k=1 (SLSQP)", lambda: allocation.optimize(p, objective="mean_minus_std", **kw)),
        ("optimize cvar 10% (SLSQP)", lambda: allocation.optimize(p, objective="cvar", **kw)),
        ("frontier, 10 budgets", lambda: allocation.frontier(p, np.linspace(4e6, 14e6, 10), **kw)),
        ("control_split, 11 shares", lambda: allocation.control_split(p, **kw)),
        ("phase, 3 years, 25% carry-over", lambda: allocation.phase(p, **kw)),
    ]
    for name, fn in cases:
        t, out = timed(fn, args.repeats)
        extra = ""
        if isinstance(out, allocation.Allocation):
            extra = (
                f"value {out.value_mean:,.0f}, lambda {out.marginal_value:.4f} "
                f"(finite difference {out.marginal_value_check:.4f}), {out.method}"
            )
        print(f"  {name:<52s} {t:7.3f} s  {extra}")


if __name__ == "__main__":
    main()
