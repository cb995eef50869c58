"""Root search behind :func:`~decision_kit.finance.irr`: the zeros of the NPV polynomial nearest rate zero.

What this module holds, in the order a solve uses it:

- :func:`nearest_roots`, each row's IRRs nearest rate zero from above and from below (no
  argument checks; :func:`~decision_kit.finance.irr` calls it chunk by chunk on series
  discounted at its guess), and :func:`closest_to_zero`, which picks between the two;
- the set-up of each half: ``_sign_changes`` (Descartes' count), ``_drop_low_zeros`` and
  ``_roots_in_unit_interval_bound`` (Descartes' bound for (0, 1));
- root bracketing on a grid: ``_single_root_cells`` for halves with exactly one root,
  ``_top_root_cells`` with ``_classify``, ``_slacks``, ``_scan`` and ``_refine`` for the
  others, on the helpers ``_matmul`` and ``_powers``;
- polishing: ``_horner`` and ``_solve_brackets`` (safeguarded Newton inside a bracket);
- :func:`real_roots`, all real roots by companion-matrix eigenvalues: the fallback for
  near-double roots, and the kernel of :func:`~decision_kit.finance.all_irrs`.

The method is described in the comment below. Plain numpy, like the rest of
:mod:`decision_kit.finance`.
"""

import numpy as np

# --------------------------------------------------------------------------------------
# IRR
#
# NPV as a polynomial: with x = 1/(1+r), npv = p(x) = sum v_t x^t, and a rate r > -1 is an
# IRR exactly when x > 0 is a root of p. The roots nearest rate zero are the largest root x
# in (0, 1] (rates >= 0) and the smallest root x in [1, inf) (rates <= 0); irr applies this
# to the series discounted at its guess, whose rate zero is the guess. The search is split
# into two halves, both on z in (0, 1] so that powers never overflow, and in each half we
# want the root nearest z = 1:
#   x-half: p(z) = sum v_t z^t,        z = 1/(1+r), rates r >= 0  (r = 1/z - 1)
#   y-half: q(z) = sum v_t z^(T-1-t),  z = 1+r,     rates r <= 0  (r = z - 1)
# A half known to hold exactly one root (the series changes sign once, or Descartes' bound
# for (0, 1) is 1) only needs the grid cell where the NPV changes sign. Otherwise each grid
# cell (midpoint m, half width h) is classified by Taylor's theorem:
#   FREE     no root:  |p(m)| > |p'(m)| h + |p''(m)| h^2/2 + M3 h^3/6
#   ONE      exactly one root: the end values differ in sign and p' cannot vanish,
#            |p'(m)| > |p''(m)| h + M3 h^2/2
#   UNKNOWN  anything else: the cell is split and its parts classified (depth-limited)
# where M3 = sum k(k-1)(k-2)|c_k| b^(k-3) bounds |p'''| on the cell (b: its right end), with
# a margin for rounding. The root nearest z = 1 lies in the first non-FREE cell scanning
# down from z = 1 and is polished by safeguarded Newton inside that cell. Series whose cells
# cannot be certified (near-double roots) fall back to companion-matrix eigenvalues, as
# np.roots computes them. Grid evaluations are matrix products done by einsum, not BLAS,
# whose threads would compete with a caller's worker threads.
# --------------------------------------------------------------------------------------

_GRID_SINGLE = 16  # grid cells per half known to hold exactly one root
_GRID = 32  # grid cells per half otherwise
_SPLIT = 8  # subcells per refinement
_MAX_DEPTH = 6  # refinements before falling back to eigenvalues: cells of 1/32/8**6 ~ 1e-7
_FREE, _ONE, _UNKNOWN, _FAIL = 0, 1, 2, 3
_EPS = np.finfo(float).eps
_IMAG_TOL = 1e-6  # eigenvalue fallback: |imag| <= tol * |root| counts as real (double roots)


def nearest_roots(V, tol, maxiter):
    """Each row's IRRs nearest rate zero from above and from below: ``(above, below)``.

    ``above[i]`` is the smallest rate ``>= 0`` and ``below[i]`` the largest rate ``<= 0`` at
    which the NPV of row ``i`` of the 2-D array ``V`` is zero; NaN where there is none (or
    the safeguarded Newton polish did not converge within ``maxiter`` steps). A row whose
    flows sum to zero has both at 0. Rows with non-finite flows get NaN. No argument checks:
    :func:`~decision_kit.finance.irr` validates and calls this chunk by chunk.

    >>> nearest_roots(np.array([[-100.0, 230, -132], [100, 10, 5]]), 1e-12, 100)
    (array([0.1, nan]), array([nan, nan]))
    """
    finite = np.isfinite(V).all(axis=1)
    V = np.where(finite[:, None], V, 0.0)  # non-finite rows: no sign change, so NaN
    above, below = np.full(V.shape[0], np.nan), np.full(V.shape[0], np.nan)
    changes, first = _sign_changes(V)
    total = V.sum(axis=1)
    above[(changes >= 1) & (total == 0)] = below[(changes >= 1) & (total == 0)] = 0.0
    rows = np.flatnonzero((changes >= 1) & (total != 0))  # no sign change: no root (Descartes)
    if rows.size == 0:
        return above, below
    W = V[rows] / np.abs(V[rows]).max(axis=1, keepdims=True)
    p1 = W.sum(axis=1)  # NPV at rate 0, the top end of both halves
    single = changes[rows] == 1
    # One sign change: exactly one positive root. Its rate is positive (x-half) when the
    # NPV at rate 0 and the first flow (the NPV as the rate grows without bound) differ in sign.
    root_in_x = np.sign(p1) != first[rows]
    m = rows.size
    C = np.concatenate([_drop_low_zeros(W), _drop_low_zeros(W[:, ::-1])])  # x-half, y-half
    p1 = np.concatenate([p1, p1])
    multi = np.flatnonzero(np.concatenate([~single, ~single]))
    bound, exact = _roots_in_unit_interval_bound(C[multi])
    one = np.concatenate(
        [np.flatnonzero(np.concatenate([single & root_in_x, single & ~root_in_x])), multi[exact & (bound == 1)]]
    )
    lo, hi, plo, phi = _single_root_cells(C[one], p1[one])
    hard = multi[~exact | (bound >= 2)]
    status, *cells = _top_root_cells(C[hard], p1[hard])
    found = status == _ONE
    sel = np.concatenate([one, hard[found]])
    lo, hi, plo, phi = (np.concatenate([u, c[found]]) for u, c in zip((lo, hi, plo, phi), cells))
    z = np.full(2 * m, np.nan)
    z[sel] = _solve_brackets(C[sel], lo, hi, plo, phi, tol, maxiter)
    with np.errstate(divide="ignore"):
        above[rows], below[rows] = 1.0 / z[:m] - 1.0, z[m:] - 1.0  # x: z = 1/(1+r); y: z = 1+r
    fail = np.zeros(2 * m, dtype=bool)
    fail[hard[status == _FAIL]] = True
    fail = rows[fail[:m] | fail[m:]]
    if fail.size:  # grid could not separate the roots: take them from the eigenvalues
        rates = real_roots(V[fail])
        with np.errstate(invalid="ignore"):
            above[fail] = np.nanmin(np.where(rates >= 0, rates, np.inf), axis=1, initial=np.inf)
            below[fail] = np.nanmax(np.where(rates <= 0, rates, -np.inf), axis=1, initial=-np.inf)
        above[np.isinf(above)] = below[np.isinf(below)] = np.nan
    return above, below


def closest_to_zero(a, b):
    """Elementwise the one of a, b with the smaller magnitude (NaN = absent; ties -> a).

    >>> closest_to_zero(np.array([0.1, np.nan, 0.3]), np.array([-0.2, -0.1, -0.3]))
    array([ 0.1, -0.1,  0.3])
    """
    take_a = ~np.isnan(a) & (np.isnan(b) | (np.abs(a) <= np.abs(b)))
    return np.where(take_a, a, b)


def _sign_changes(V):
    """Sign changes along each row, zeros skipped (Descartes' count), and first sign."""
    n, T = V.shape
    last = np.zeros(n)
    first = np.zeros(n)
    count = np.zeros(n, dtype=np.intp)
    for t in range(T):
        s = np.sign(V[:, t])
        count += (s * last) < 0
        first = np.where(first == 0, s, first)
        last = np.where(s != 0, s, last)
    return count, first


def _drop_low_zeros(W):
    """Shift each row left past its leading zeros (divide the polynomial by z**k)."""
    if (W[:, 0] != 0).all():
        return np.ascontiguousarray(W)
    T = W.shape[1]
    first = np.argmax(W != 0, axis=1)
    idx = np.arange(T) + first[:, None]
    C = np.take_along_axis(W, np.minimum(idx, T - 1), axis=1)
    C[idx >= T] = 0.0
    return C


def _roots_in_unit_interval_bound(C):
    """Descartes' bound on the number of roots in (0, 1) of each row's polynomial.

    The roots of p in (0, 1) are those of ``(1 + w)**n p(1 / (1 + w))`` in (0, inf), whose
    coefficients come from reversing p's and shifting by one (Taylor shift). Also returns
    whether the bound is proof against rounding: ``False`` where a shifted coefficient is
    so small that rounding could have changed its sign.
    """
    n = C.shape[1] - 1
    a = np.ascontiguousarray(C[:, ::-1].T)  # (T, k)
    # Rounding in a shifted coefficient is below (n + 1) eps times the same shift of |c|,
    # which is at most 2**n sum|c|; that cruder bound is used for short series (it saves
    # half the work), the shift of |c| itself for long ones.
    size = np.abs(a) if n > 15 else None
    for i in range(n):
        for j in range(n - 1, i - 1, -1):
            a[j] += a[j + 1]
            if size is not None:
                size[j] += size[j + 1]
    if size is None:
        size = 2.0**n * np.abs(C).sum(axis=1)
    exact = (np.abs(a) > 4 * (n + 1) * _EPS * size).all(axis=0)
    neg = a < 0  # where the bound is exact, no coefficient is zero
    return np.count_nonzero(neg[1:] != neg[:-1], axis=0), exact


def _matmul(a, b):
    """Matrix product without BLAS: its threads would compete with the caller's."""
    return np.einsum("ij,jk->ik", a, b)


def _powers(z, T):
    """Matrix of ``z[j]**k`` for k = 0..T-1 (rows) and the points z (columns)."""
    return z ** np.arange(T)[:, None]


def _single_root_cells(C, p1):
    """Grid cell where the NPV changes sign, for halves holding exactly one root.

    The ends of the half, z = 0 (value ``C[:, 0]``, nonzero) and z = 1 (``p1``), differ
    in sign, so such a cell exists; the top one is taken.
    """
    k, T = C.shape
    G = _GRID_SINGLE
    edges = np.empty((k, G + 1))
    edges[:, 0], edges[:, G] = C[:, 0], p1
    edges[:, 1:G] = _matmul(C, _powers(np.arange(1, G) / G, T))
    neg = edges < 0
    change = neg[:, :-1] != neg[:, 1:]
    j = G - 1 - np.argmax(change[:, ::-1], axis=1)
    r = np.arange(k)
    return j / G, (j + 1) / G, edges[r, j], edges[r, j + 1]


def _classify(edges, p, d1, d2, M3, h, slack_p, slack_d):
    """Class of each cell from its end values and a Taylor bound about its midpoint.

    ``p``, ``d1``, ``d2`` are the NPV polynomial and its first two derivatives at the
    midpoints, ``M3`` bounds the third derivative on the cell and ``h`` is the half width.
    """
    sgn = np.sign(edges)
    change = sgn[:, :-1] != sgn[:, 1:]
    d1, d2 = np.abs(d1), np.abs(d2)
    free = np.abs(p) > h * (d1 + h * (d2 / 2 + h * M3 / 6)) + slack_p
    mono = d1 > h * (d2 + h * M3 / 2) + slack_d
    cls = np.where(change & mono, _ONE, _UNKNOWN)
    cls[free] = _FREE
    return cls


def _top_root_cells(C, p1):
    """For each half, the grid cell holding its root nearest z = 1, with certified bounds.

    Returns status (FREE: no root, ONE: bracket found, FAIL: could not certify), the
    bracket ``[lo, hi]`` and the NPV at its ends.
    """
    k, T = C.shape
    G = _GRID
    e = np.arange(G + 1) / G
    mid = (e[:-1] + e[1:]) / 2
    kk = np.arange(T)[:, None]
    falling = [np.ones_like(kk), kk, kk * (kk - 1), kk * (kk - 1) * (kk - 2)]  # k!/(k-n)!

    def derivative(n, z):  # matrix taking coefficients to the n-th derivative at z
        return falling[n] * z ** np.maximum(kk - n, 0)

    P = [derivative(0, e[1:-1]), derivative(0, mid), derivative(1, mid), derivative(2, mid)]
    vals = _matmul(C, np.concatenate(P, axis=1))
    M3 = _matmul(np.abs(C), derivative(3, e[1:]))
    edges = np.concatenate([C[:, :1], vals[:, : G - 1], p1[:, None]], axis=1)
    p, d1, d2 = (vals[:, G - 1 + i * G : G - 1 + (i + 1) * G] for i in range(3))
    slack_p, slack_d = _slacks(C)
    cls = _classify(edges, p, d1, d2, M3, 0.5 / G, slack_p, slack_d)
    return _scan(C, slack_p, slack_d, np.zeros(k), np.full(k, 1.0 / G), edges, cls, 0)


def _slacks(C):
    """Generous bounds on rounding in the Taylor terms of p and p' on [0, 1]."""
    T = C.shape[1]
    k1 = np.arange(1, T + 1)
    A = 4 * T * _EPS * np.abs(C)
    return (A * k1**2).sum(axis=1, keepdims=True), (A * k1**3).sum(axis=1, keepdims=True)


def _scan(C, slack_p, slack_d, a, w, edges, cls, depth):
    """Scan cells from the top; return status, bracket and end values per row.

    Row i covers ``[a[i], a[i] + S * w[i]]`` split into S cells of width ``w[i]``, whose
    classes are ``cls[i]``; UNKNOWN cells are refined.
    """
    k, S = cls.shape
    status = np.full(k, -1)
    lo, hi, plo, phi = np.zeros(k), np.zeros(k), np.zeros(k), np.zeros(k)
    ptr = np.full(k, S - 1)
    cells = np.arange(S)
    pending = np.arange(k)
    while pending.size:
        live = (cls[pending] != _FREE) & (cells <= ptr[pending, None])
        has = live.any(axis=1)
        status[pending[~has]] = _FREE
        pending = pending[has]
        j = S - 1 - np.argmax(live[has, ::-1], axis=1)
        kind = cls[pending, j]
        one = kind == _ONE
        r1, j1 = pending[one], j[one]
        status[r1] = _ONE
        lo[r1], hi[r1] = a[r1] + j1 * w[r1], a[r1] + (j1 + 1) * w[r1]
        plo[r1], phi[r1] = edges[r1, j1], edges[r1, j1 + 1]
        pending, j = pending[~one], j[~one]
        if depth >= _MAX_DEPTH:
            status[pending] = _FAIL
            break
        if pending.size == 0:
            break
        sub = _refine(
            C[pending],
            slack_p[pending],
            slack_d[pending],
            a[pending] + j * w[pending],
            w[pending] / _SPLIT,
            edges[pending, j],
            edges[pending, j + 1],
            depth + 1,
        )
        s_status, s_lo, s_hi, s_plo, s_phi = sub
        found = s_status == _ONE
        rf = pending[found]
        status[rf] = _ONE
        lo[rf], hi[rf], plo[rf], phi[rf] = s_lo[found], s_hi[found], s_plo[found], s_phi[found]
        failed = s_status == _FAIL
        status[pending[failed]] = _FAIL
        free = s_status == _FREE
        ptr[pending[free]] = j[free] - 1
        pending = pending[free]
    return status, lo, hi, plo, phi


def _refine(C, slack_p, slack_d, a, w, p_bottom, p_top, depth):
    """Split cells ``[a, a + S*w]`` into S subcells and scan them (elementwise Horner)."""
    S = _SPLIT
    k, T = C.shape
    steps = np.arange(S + 1)
    ze = a[:, None] + w[:, None] * steps  # edges
    zm = a[:, None] + w[:, None] * (steps[:-1] + 0.5)  # midpoints
    zb = ze[:, 1:]  # right ends: the |coefficient| polynomial there bounds the cell
    CT = C.T[:, :, None]
    A = np.abs(CT)
    pe = np.broadcast_to(CT[T - 1], ze.shape).copy()
    p = np.broadcast_to(CT[T - 1], zm.shape).copy()
    d1, d2 = np.zeros_like(zm), np.zeros_like(zm)  # p' and p''/2 at zm
    q = np.broadcast_to(A[T - 1], zb.shape).copy()
    q1, q2, q3 = np.zeros_like(zb), np.zeros_like(zb), np.zeros_like(zb)  # q3: third derivative / 6
    for t in range(T - 2, -1, -1):
        pe = pe * ze + CT[t]
        d2 = d2 * zm + d1
        d1 = d1 * zm + p
        p = p * zm + CT[t]
        q3 = q3 * zb + q2
        q2 = q2 * zb + q1
        q1 = q1 * zb + q
        q = q * zb + A[t]
    pe[:, 0], pe[:, -1] = p_bottom, p_top  # keep the parent's end values (consistent signs)
    cls = _classify(pe, p, d1, 2 * d2, 6 * q3, (w / 2)[:, None], slack_p, slack_d)
    return _scan(C, slack_p, slack_d, a, w, pe, cls, depth)


def _horner(CT, z):
    """p(z) and p'(z) for coefficient columns CT (T, k), ascending powers."""
    T = CT.shape[0]
    p = CT[T - 1].copy()
    dp = np.zeros_like(z)
    for t in range(T - 2, -1, -1):
        dp = dp * z + p
        p = p * z + CT[t]
    return p, dp


def _solve_brackets(C, lo, hi, plo, phi, tol, maxiter):
    """Root of each row's polynomial inside ``[lo, hi]`` by safeguarded Newton.

    The end values ``plo``, ``phi`` differ in sign (or one is zero) and the bracket holds
    a single root. Each step is Newton's when it stays inside the bracket and shrinks the
    error fast enough; otherwise a secant step on the bracket ends (when Newton overshoots
    an end that is already close to the root) or a bisection. Rows that have not converged
    after ``maxiter`` steps get NaN.
    """
    k = lo.size
    root = np.full(k, np.nan)
    root[plo == 0] = lo[plo == 0]
    root[phi == 0] = hi[phi == 0]
    act = np.flatnonzero((plo != 0) & (phi != 0))
    CT = np.ascontiguousarray(C[act].T)
    lo, hi, plo, phi = lo[act], hi[act], plo[act], phi[act]
    z = lo - plo * (hi - lo) / (phi - plo)  # regula falsi start
    z = np.where((z > lo) & (z < hi), z, 0.5 * (lo + hi))
    step_old = hi - lo
    with np.errstate(divide="ignore", invalid="ignore"):
        for _ in range(maxiter):
            if act.size == 0:
                break
            p, dp = _horner(CT, z)
            up = (p > 0) == (phi > 0)  # z is above the root
            hi, phi = np.where(up, z, hi), np.where(up, p, phi)
            lo, plo = np.where(up, lo, z), np.where(up, plo, p)
            newton = z - p / dp
            secant = lo - plo * (hi - lo) / (phi - plo)
            inside_n = (newton > lo) & (newton < hi)
            slow = np.abs(2 * p) > np.abs(step_old * dp)
            z_new = np.where(
                inside_n & ~slow,
                newton,
                np.where(~inside_n & ~slow & (secant > lo) & (secant < hi), secant, 0.5 * (lo + hi)),
            )
            step_old = np.abs(z_new - z)
            close = np.abs(newton - z) <= tol * z  # the Newton step itself is within tol
            done = close | (hi - lo <= tol * z) | (p == 0)
            root[act[done]] = np.where(p == 0, z, np.where(close, newton, z_new))[done]
            keep = ~done
            act, CT, z, lo, hi, plo, phi, step_old = (
                act[keep],
                CT[:, keep],
                z_new[keep],
                lo[keep],
                hi[keep],
                plo[keep],
                phi[keep],
                step_old[keep],
            )
    return root


def real_roots(V):
    """All real IRRs of each row of ``V`` by companion-matrix eigenvalues (as ``np.roots``).

    Returns an array of shape ``(n, T - 1)``: each row's rates above -1 (unsorted, with
    repeats for multiple roots), NaN-padded. Roots count as real when
    ``|imag| <= _IMAG_TOL * |root|`` (tangent roots come out as near-real pairs); each is
    polished by Newton steps. Rows with non-finite flows get only NaN.

    >>> np.sort(real_roots(np.array([[-100.0, 230, -132]])), axis=1).round(12)
    array([[0.1, 0.2]])
    """
    n, T = V.shape
    out = np.full((n, max(T - 1, 0)), np.nan)
    if T < 2:
        return out
    nz = (V != 0) & np.isfinite(V).all(axis=1, keepdims=True)
    first = np.argmax(nz, axis=1)
    last = T - 1 - np.argmax(nz[:, ::-1], axis=1)
    for f, l in set(zip(first.tolist(), last.tolist())):
        deg = l - f
        if deg < 1:
            continue
        sel = np.flatnonzero((first == f) & (last == l) & nz.any(axis=1))
        if sel.size == 0:
            continue
        c = V[sel, f : l + 1]  # ascending powers of x = 1/(1+r), x**f factored out
        comp = np.zeros((sel.size, deg, deg))
        comp[:, 1:, :-1] = np.eye(deg - 1)
        comp[:, 0, :] = -c[:, -2::-1] / c[:, -1:]
        lam = np.linalg.eigvals(comp)
        real = (lam.real > 0) & (np.abs(lam.imag) <= _IMAG_TOL * np.abs(lam))
        x = np.where(real, lam.real, np.nan)
        CT = np.ascontiguousarray(c.T)[:, :, None]
        with np.errstate(all="ignore"):
            for _ in range(3):
                p, dp = _horner(CT, x)
                step = p / dp
                small = np.isfinite(step) & (np.abs(step) <= 1e-6 * x)
                x = np.where(small, x - step, x)
            out[sel, :deg] = 1.0 / x - 1.0
    return out
