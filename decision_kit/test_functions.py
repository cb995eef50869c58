"""Closed-form test functions for global sensitivity analysis, with their analytic Sobol indices.

Shipped so that anyone can check :func:`decision_kit.sensitivity.sobol` (DESIGN.md section 6:
Sobol indices are validated on the Ishigami function against its analytic values). Each
function takes a mapping of input name to array (the calling convention of ``sobol``) and
returns an array; each comes with its inputs (distributions written as in scenario files) and
its exact first-order and total indices.

- :func:`ishigami` — Ishigami & Homma (1990); indices from Sobol' & Levitan (1999).
- :func:`sobol_g` — Sobol's G function, Saltelli & Sobol' (1995); indices as in Saltelli et al. (2010).

References
----------
Ishigami, T. and Homma, T. (1990). An importance quantification technique in uncertainty
analysis for computer models. Proceedings of the First International Symposium on Uncertainty
Modeling and Analysis (ISUMA '90), University of Maryland, 398-403.

Sobol', I. M. and Levitan, Yu. L. (1999). On the use of variance reducing multipliers in Monte
Carlo computations of a global sensitivity index. Computer Physics Communications 117, 52-61.

Saltelli, A. and Sobol', I. M. (1995). About the use of rank transformation in sensitivity
analysis of model output. Reliability Engineering & System Safety 50, 225-239.

Saltelli, A., Annoni, P., Azzini, I., Campolongo, F., Ratto, M. and Tarantola, S. (2010).
Variance based sensitivity analysis of model output. Design and estimator for the total
sensitivity index. Computer Physics Communications 181, 259-270.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from .distributions import Uniform

__all__ = [
    "ISHIGAMI_INPUTS",
    "ishigami",
    "ishigami_indices",
    "SOBOL_G_A",
    "sobol_g_inputs",
    "sobol_g",
    "sobol_g_indices",
]

ISHIGAMI_INPUTS = {name: Uniform(low=-math.pi, high=math.pi) for name in ("x1", "x2", "x3")}
"""The Ishigami function's inputs: three independent uniforms on [-pi, pi]."""


def ishigami(x: Mapping[str, np.ndarray], a: float = 7.0, b: float = 0.1) -> np.ndarray:
    """Ishigami & Homma (1990): ``sin x1 + a sin^2 x2 + b x3^4 sin x1``.

    Parameters
    ----------
    x : mapping with arrays ``x1``, ``x2``, ``x3`` of equal length (radians).
    a, b : the function's constants (the usual choice is a = 7, b = 0.1).

    >>> float(ishigami({"x1": np.array([math.pi / 2]), "x2": np.array([math.pi / 2]), "x3": np.array([1.0])})[0])
    8.1
    """
    x1, x2, x3 = (np.asarray(x[k], dtype=float) for k in ("x1", "x2", "x3"))
    return np.sin(x1) + a * np.sin(x2) ** 2 + b * x3**4 * np.sin(x1)


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> dict[str, dict[str, float]]:
    """Analytic first-order and total Sobol indices of :func:`ishigami`.

    With inputs uniform on [-pi, pi] (Sobol' & Levitan 1999; Saltelli et al. 2010):

    - ``V1 = (1 + b pi^4 / 5)^2 / 2``, ``V2 = a^2 / 8``, ``V3 = 0``;
    - the only interaction is ``V13 = b^2 pi^8 (1/18 - 1/50) = 8 b^2 pi^8 / 225``;
    - ``V = a^2 / 8 + b pi^4 / 5 + b^2 pi^8 / 18 + 1/2``;
    - ``S_i = V_i / V``; ``ST1 = (V1 + V13) / V``, ``ST2 = S2``, ``ST3 = V13 / V``.

    Returns ``{"first": {...}, "total": {...}}`` keyed by input name.

    >>> idx = ishigami_indices()
    >>> [round(idx["first"][k], 4) for k in ("x1", "x2", "x3")]
    [0.3139, 0.4424, 0.0]
    >>> [round(idx["total"][k], 4) for k in ("x1", "x2", "x3")]
    [0.5576, 0.4424, 0.2437]
    """
    pi4 = math.pi**4
    v1 = 0.5 * (1 + b * pi4 / 5) ** 2
    v2 = a * a / 8
    v13 = 8 * b * b * pi4 * pi4 / 225
    v = a * a / 8 + b * pi4 / 5 + b * b * pi4 * pi4 / 18 + 0.5
    return {
        "first": {"x1": v1 / v, "x2": v2 / v, "x3": 0.0},
        "total": {"x1": (v1 + v13) / v, "x2": v2 / v, "x3": v13 / v},
    }


SOBOL_G_A = (0.0, 1.0, 4.5, 9.0, 99.0, 99.0, 99.0, 99.0)
"""The usual eight G-function coefficients (Saltelli et al. 2010): the smaller ``a_i``, the
more input ``i`` matters."""


def sobol_g_inputs(a=SOBOL_G_A) -> dict[str, Uniform]:
    """Inputs of :func:`sobol_g`: ``x1 .. xk`` independent uniform on [0, 1], one per coefficient."""
    return {f"x{i + 1}": Uniform(low=0.0, high=1.0) for i in range(len(a))}


def sobol_g(x: Mapping[str, np.ndarray], a=SOBOL_G_A) -> np.ndarray:
    """Sobol's G function (Saltelli & Sobol' 1995): ``prod_i (|4 x_i - 2| + a_i) / (1 + a_i)``.

    ``x`` maps ``x1 .. xk`` (k = ``len(a)``) to arrays of values in [0, 1]. Its mean is 1.

    >>> float(sobol_g({"x1": np.array([0.5]), "x2": np.array([1.0])}, a=(0.0, 1.0))[0])
    0.0
    """
    out = 1.0
    for i, ai in enumerate(a):
        xi = np.asarray(x[f"x{i + 1}"], dtype=float)
        out = out * (np.abs(4 * xi - 2) + ai) / (1 + ai)
    return np.asarray(out, dtype=float)


def sobol_g_indices(a=SOBOL_G_A) -> dict[str, dict[str, float]]:
    """Analytic first-order and total indices of :func:`sobol_g`.

    ``V_i = 1 / (3 (1 + a_i)^2)``, ``V = prod_i (1 + V_i) - 1``, ``S_i = V_i / V`` and
    ``ST_i = V_i prod_{j != i} (1 + V_j) / V`` (Saltelli et al. 2010, section 4).

    With ``a = (0, 1)``: ``V1 = 1/3``, ``V2 = 1/12``, ``V = (4/3)(13/12) - 1 = 4/9``, so
    ``S1 = 3/4`` and ``ST1 = (1/3)(13/12) / (4/9) = 13/16``:

    >>> idx = sobol_g_indices((0.0, 1.0))
    >>> round(idx["first"]["x1"], 4), round(idx["total"]["x1"], 4)
    (0.75, 0.8125)
    """
    vi = [1 / (3 * (1 + ai) ** 2) for ai in a]
    prod = math.prod(1 + v for v in vi)
    v = prod - 1
    names = [f"x{i + 1}" for i in range(len(a))]
    return {
        "first": {n: vi[i] / v for i, n in enumerate(names)},
        "total": {n: vi[i] * prod / (1 + vi[i]) / v for i, n in enumerate(names)},
    }
