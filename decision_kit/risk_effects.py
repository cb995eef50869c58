"""Risk-event effects for the engine (:mod:`decision_kit.engine`): when each risk's events
happen in a chunk's trials and what they do to costs, prices and benefits, time-major over
years 1..H.

Risk events happen in years 1..horizon; lasting effects (price rise, benefit loss) apply from
the year after the first event. A risk's cap bounds the loss of each event after the owner's
severity (``min(impact x severity, cap)``; see :mod:`decision_kit.schema.caps`). The first
event year is drawn as a geometric waiting time (exact for a constant probability per year);
one-off events are drawn year by year. Only security events depend on the owner: their
probability scales by the owner's incident frequency and their impact by its severity, each a
number or an (n,) array per trial (:func:`decision_kit.ownership.rework_and_security`).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import numpy as np

from .plan import Plan
from .workspace import Workspace

__all__ = ["RiskEffects", "first_event_year"]


def _vec(x) -> np.ndarray:
    return np.asarray(x, dtype=float)


def first_event_year(u, p, horizon: int):
    """First year (1-based) with an event, from one uniform per trial: geometric waiting time.

    Returns ``horizon + 1`` when no event happens within the horizon.
    """
    p = np.clip(np.asarray(p, dtype=float), 0.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # a tiny p waits past the horizon
        k = np.floor(np.log1p(-u) / np.log1p(-p)) + 1  # P(k) = (1-p)^(k-1) p
    k = np.where(p >= 1, 1, np.where(p <= 0, horizon + 1, k))
    return np.minimum(k, horizon + 1)


class RiskEffects:
    """Risk-event effects, time-major ((H, n) arrays over years 1..H), computed once and shared
    (``risks``: the chunk's :class:`~decision_kit.sampling.RiskDraws`).

    Only ``security`` events depend on the owner (incident frequency and severity), so the
    effects are cached by (risk, the owner's incident key): every owner with the same factors,
    and every option, reuses them.
    """

    def __init__(self, plan: Plan, values: dict, risks: Any, n: int, ws: Workspace):
        self.plan, self.values, self.risks, self.n, self.ws = plan, values, risks, n, ws
        self.H = plan.horizon
        self.years = np.arange(1, self.H + 1, dtype=float).reshape(-1, 1)
        self._cache: dict = {}
        self._yearly: dict = {}  # one-off risks: (uniforms, impacts) transposed to (H, n), per risk

    def effect(self, risk, freq, sev, incident_key: Hashable) -> dict:
        """The effect of ``risk`` (a :class:`~decision_kit.plan.RiskPlan`) under an owner's
        incident frequency and severity (numbers or (n,) arrays; ``incident_key`` names the
        pair for the cache): some of ``cost``, ``mult``, ``keep`` ((H, n)) and ``events``
        ((n,) count)."""
        key = (risk.name, incident_key) if risk.is_security else (risk.name,)
        if key not in self._cache:
            self._cache[key] = self._compute(key, risk, freq, sev)
        return self._cache[key]

    def _transposed(self, rname: str):
        if rname not in self._yearly:
            H, n = self.H, self.n
            u = self.ws(("yearly", rname), (H, n))
            u[...] = self.risks.yearly[rname].T
            impact = _vec(self.risks.impact[rname])
            if impact.ndim == 2:
                impact = self.ws(("impact", rname), (H, n))
                impact[...] = self.risks.impact[rname].T
            self._yearly[rname] = (u, impact)
        return self._yearly[rname]

    def _compute(self, key, risk, freq, sev):
        H, n = self.H, self.n
        p = _vec(self.values[risk.probability])
        if risk.is_security:
            p = p * freq
        else:
            sev = 1.0
        if risk.effect == "one_off":
            u, impact = self._transposed(risk.name)
            hit = u < p  # (H, n)
            cost = np.multiply(impact, sev, out=self.ws(("effect", key), (H, n)))
            if risk.cap is not None:
                np.minimum(cost, risk.cap, out=cost)
            cost *= hit
            return {"cost": cost, "events": hit.sum(axis=0)}
        k = first_event_year(self.risks.first[risk.name], p, H)  # (n,)
        impact = _vec(self.risks.impact[risk.name]) * sev
        if risk.cap is not None:
            impact = np.minimum(impact, risk.cap)
        out = {"events": (k <= H).astype(float)}
        after = self.years > k
        buf = self.ws(("effect", key), (H, n))
        if risk.effect == "price_rise":
            out["mult"] = np.add(1.0, np.multiply(after, impact, out=buf), out=buf)
            if risk.roadmap_loss is not None:  # the benefits fall by that share (per trial) after the event
                loss = np.multiply(after, _vec(self.values[risk.roadmap_loss]), out=self.ws(("roadmap", key), (H, n)))
                out["keep"] = np.subtract(1.0, loss, out=loss)
        elif risk.effect == "benefit_loss":
            out["keep"] = np.subtract(1.0, np.multiply(after, impact, out=buf), out=buf)
        else:  # forced_migration: a one-off cost in the year of the first event
            out["cost"] = np.multiply(self.years == k, impact, out=buf)
        return out
