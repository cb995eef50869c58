"""Which IRR to report when a series has several: the one a spreadsheet finds from its guess.

What this module holds, shared by :func:`~decision_kit.finance.irr` (periodic flows) and
:func:`~decision_kit.finance.xirr` (dated flows):

- :func:`newton_from_guess`, the plain Newton iteration a spreadsheet's IRR runs from the
  guess, on many series at once;
- :func:`choose_root`, the rule: Newton's root where it converges, otherwise the nearest
  root on the side Newton's first step heads for.

Both work on series already **discounted at the guess** ``g``: ``W[..., i] = v_i / (1 + g)**t_i``,
whose rates ``s`` relate to the series' own rates by ``1 + r = (1 + g)(1 + s)``, so the
guess is ``s = 0``. Newton's iteration is unchanged by this substitution (it is affine in
the rate), and the rate nearest the guess on either side is the ``s`` nearest zero there.
Plain numpy, like the rest of :mod:`decision_kit.finance`.
"""

import numpy as np


def newton_from_guess(W, t, tol, maxiter):
    """Newton's iteration for ``sum(W[:, i] * (1 + s)**-t[i]) = 0`` from ``s = 0``, row by row.

    Each step is ``s -= f(s) / f'(s)``, undamped, as spreadsheets' IRR and XIRR take it.
    A row converges once a step changes ``s`` by at most ``tol * (1 + |s|)`` and the NPV
    there is below ``1e-9`` of the sum of the discounted flows' magnitudes. It fails (NaN)
    if an iterate reaches -1 or below or is not finite, the slope vanishes, or ``maxiter``
    steps pass.

    Parameters
    ----------
    W : ndarray of shape (n, T)
        Flows discounted at the guess, one series per row.
    t : ndarray of shape (T,) or (n, T)
        Times of the flows in periods (``arange(T)`` for periodic flows), at least 0.
    tol : float
        Relative step size at which the iteration stops.
    maxiter : int
        Newton steps allowed.

    Returns
    -------
    ndarray of shape (n,)
        The converged ``s`` per row, NaN where Newton fails.

    Examples
    --------
    Invest 100, receive 60 and 60 (IRR 13.07 %), guess 0 (the flows undiscounted):

    >>> newton_from_guess(np.array([[-100.0, 60, 60]]), np.arange(3.0), 1e-12, 50).round(6)
    array([0.130662])
    """
    n = W.shape[0]
    t = np.broadcast_to(t, W.shape)
    out = np.full(n, np.nan)
    act = np.arange(n)
    s = np.zeros(n)
    with np.errstate(all="ignore"):
        for _ in range(maxiter):
            if act.size == 0:
                break
            terms = W[act] * (1.0 + s[:, None]) ** -t[act]
            f = terms.sum(axis=1)
            slope = -(t[act] * terms).sum(axis=1) / (1.0 + s)
            step = f / slope
            s_new = s - step
            ok = np.isfinite(s_new) & (s_new > -1.0)
            done = ok & (np.abs(step) <= tol * (1.0 + np.abs(s_new)))
            small = np.abs(f) <= 1e-9 * np.abs(terms).sum(axis=1)
            out[act[done & small]] = s_new[done & small]
            keep = ok & ~done
            act, s = act[keep], s_new[keep]
    return out


def choose_root(newton, above, below, W, t):
    """The IRR reported for each row (rates relative to the guess, as ``s``).

    The rule:

    1. where Newton's iteration from the guess converges (``newton`` finite), its root;
    2. otherwise the nearest root on the side Newton's first step heads for: above the
       guess when the NPV and its slope in the rate differ in sign there, below when they
       agree; if there is no root on that side, the nearest one on the other side; where
       the slope at the guess is zero, the root nearest the guess;
    3. NaN where the series has no root at all (``above`` and ``below`` both NaN).

    Parameters
    ----------
    newton : ndarray of shape (n,)
        :func:`newton_from_guess` result.
    above, below : ndarray of shape (n,)
        The root nearest the guess at or above it, and at or below it (NaN: none).
    W, t : ndarray
        The discounted flows and their times, as for :func:`newton_from_guess`.

    Returns
    -------
    ndarray of shape (n,)

    Examples
    --------
    Where Newton failed, a series with NPV 1 and slope 28 at the guess (same sign: the
    first step heads down) gets the root below, even though the one above is nearer:

    >>> W = np.array([[-100.0, 230, -129]])  # NPV -100 + 230 - 129 = 1, slope -(230 - 2 * 129)
    >>> choose_root(np.array([np.nan]), np.array([0.05]), np.array([-0.98]), W, np.arange(3.0))
    array([-0.98])
    >>> choose_root(np.array([0.3]), np.array([0.05]), np.array([-0.98]), W, np.arange(3.0))
    array([0.3])
    """
    f = W.sum(axis=1)
    slope = -(np.broadcast_to(t, W.shape) * W).sum(axis=1)
    up = f * slope < 0
    first = np.where(up, above, below)
    second = np.where(up, below, above)
    directed = np.where(np.isnan(first), second, first)
    nearest = np.where(np.isnan(below) | (np.abs(above) <= np.abs(below)), above, below)
    fallback = np.where(slope == 0, nearest, directed)
    return np.where(np.isnan(newton), fallback, newton)
