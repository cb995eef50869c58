"""The owners of a portfolio's initiatives by mechanism: the same organisation profile and
coefficients as a scenario's (:mod:`decision_kit.ownership`), turned into what each owner does
to an initiative's spend-response curve in every trial.

A portfolio that states ``organisation:`` has its owners act by mechanism; one without keeps
round one's constants (``PRIORS.ownership``: a realisation factor and a governance overhead
share, the legacy override, also what the ``shifts`` argument of the optimisers sets).

The three budget owners of a portfolio are cells of the (budget holder, delivery) grid:
``marketing`` is marketing's budget delivered by marketing operations, ``it`` IT's budget
delivered by central IT, ``shared`` a shared pot delivered by central IT (:data:`CELLS`).
For an initiative ``i`` of owner ``o`` in trial ``k``, with curve ``max_value m`` and ``scale
s`` (currency per year)::

    m_eff = m x R_ok                                  (every plan year)
    m_eff = m x R_ok x (1 - min(D_ok, 12) / 12)       (the initiative's first active plan year)
    s_eff = s x (1 + h_i x r_o)

- ``R_ok`` is the owner's realisation factor, the change cycle's steady state against the
  reference delivery (mechanism 3 of :mod:`decision_kit.ownership`, the shared pot's with its
  co-ownership uplift): the curve's promised value is what the reference delivery realises.
- ``D_ok`` is the owner's start delay in months (mechanism 2: IT's queue for central IT, the
  IT-dependent share of it for marketing operations, plus the funding delay for a shared pot).
  An initiative waits that long once, in its first active plan year (as an option waits
  before go-live), so a share ``D / 12`` of that year's value is lost while its spend is
  committed for the whole year; later years run on. The build time itself (the speed
  mechanism) has no counterpart: a curve says what a year's spend buys, not how long it takes.
- ``r_o`` is the owner's integration rework in trial ``k`` (mechanism 4: the integration
  factor less 1, 0 for IT delivery) and ``h_i`` the initiative's ``integration_share`` of spend (default
  :data:`DEFAULT_INTEGRATION_SHARE`): that share of the spend buys ``1 / (1 + r_o)`` of the
  work, so the same value costs more.
- The shared pot's steering time (mechanism 6: meetings x attendees x hours x 12 x rate a
  year) is a fixed cost in any plan year the pot funds anything; it moves no spend between
  initiatives, so it is reported beside the allocation, not optimised.

Security (mechanism 5) has no counterpart: a spend-response curve carries no incident events.
Embedded and shadow delivery are not portfolio owners.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..ownership import MECHANISM_FIELDS, ORGANISATION_FIELDS, owner_arrays
from ..sampling import draw_inputs
from ..schema.organisation import fixed_numbers

CELLS: dict[str, tuple[str, str]] = {
    "marketing": ("marketing", "marketing_ops"),
    "it": ("it", "central_it"),
    "shared": ("shared_pot", "central_it"),
}
"""A portfolio's budget owners as (budget holder, delivery) cells."""

DEFAULT_INTEGRATION_SHARE = 0.3
"""Share of an initiative's yearly spend that is integration and customisation work (J: PRIORS
section 2 puts one-off implementation and integration at about 1.0x the first-year
subscription, so about half of a first year; later years are mostly licences and content)."""


@dataclass(frozen=True)
class OwnerEffects:
    """What each owner does to a curve, per trial (owner -> array or number).

    ``value``: (K,) multiplier of ``max_value`` in every plan year (the realisation factor);
    ``launch``: (K,) the extra multiplier of an initiative's first active plan year, the share
    of it left after the start delay ``delay`` (K,) months. ``rework``: (K,)
    ``r_o``, the extra work per unit of integration work. ``steering``: (K,) fixed yearly cost
    (currency per year), 0 for owners without one.
    """

    value: dict[str, np.ndarray]
    launch: dict[str, np.ndarray]
    delay: dict[str, np.ndarray]
    rework: dict[str, np.ndarray]
    steering: dict[str, np.ndarray]

    def steering_mean(self, owner: str) -> float:
        """Expected yearly steering cost of ``owner``'s budget (currency per year)."""
        return float(np.mean(self.steering[owner]))


def owner_effects(portfolio, trials: int, rng: np.random.Generator) -> OwnerEffects | None:
    """Every owner's per-trial effects for a portfolio with ``organisation:`` (None without),
    the profile's and the coefficients' draws taken from ``rng`` in field order."""
    org, mech = portfolio.organisation, portfolio.mechanisms
    if org is None or mech is None:
        return None
    inputs = {f"organisation.{f}": getattr(org, f) for f in ORGANISATION_FIELDS}
    inputs.update({f"mechanisms.{f}": getattr(mech, f) for f in MECHANISM_FIELDS})
    values = draw_inputs(inputs, trials, rng)
    fx = fixed_numbers(org, mech)
    cells = tuple(CELLS.values())
    arrays = owner_arrays(cells, values, fx, trials, 1)
    out = OwnerEffects({}, {}, {}, {}, {})
    for owner, a in zip(CELLS, arrays, strict=True):
        realisation = np.broadcast_to(np.asarray(a.realisation, dtype=float), (trials,))
        delay = np.broadcast_to(np.asarray(a.delay, dtype=float), (trials,))
        out.value[owner] = realisation
        out.delay[owner] = delay
        out.launch[owner] = 1.0 - np.minimum(delay, 12.0) / 12.0
        out.rework[owner] = np.broadcast_to(np.asarray(a.integration, dtype=float) - 1.0, (trials,))
        steering = np.zeros(trials) if a.steering is None else a.steering[0]
        out.steering[owner] = np.broadcast_to(np.asarray(steering, dtype=float), (trials,))
    return out
