"""Cells and the inputs that reach them, shared by the sensitivity analyses.

Which inputs can change an option's cash flows, the scenario cut down to the cells an analysis
needs (engine cost scales with cells), and the cell an analysis follows when the caller leaves
the option or owner out (the best by base-case NPV).
"""

from __future__ import annotations

import numpy as np

from .. import engine, ownership
from ..plan import compile_plan
from ..schema import STATUS_QUO, Scenario, derived_inputs, lineage, risk_touches


def affects(scenario: Scenario, path: str, option: str) -> bool:
    """Whether input ``path`` can change the cash flows of ``option`` (under any owner): an
    input of the option or of one it extends (the status quo's included), a driver it uses, a
    risk that touches it, or a shared quantity one of its fields reads."""
    parts = path.split(".")
    if parts[0] == "options":
        return any(path.startswith(f"options.{o}.") for o in lineage(scenario.options, option))
    if parts[0] == "shared":
        readers = {k for k, (src, _) in derived_inputs(scenario).items() if src == path}
        return any(affects(scenario, k, option) for k in readers)
    if parts[0] == "drivers":
        used = {line.driver for line in scenario.options[option].costs.values() if line.timing == "per_unit"}
        return parts[1] in used
    if parts[0] == "risks":
        return risk_touches(scenario, scenario.risks[parts[1]], option)
    if parts[0] == STATUS_QUO:  # the status quo's own lines: only an option that extends it
        return STATUS_QUO in lineage(scenario.options, option)
    return parts[0] != "terminal_value"  # reported apart, never in the cash flows


def affects_cell(scenario: Scenario, path: str, option: str, owner: str) -> bool:
    """Whether input ``path`` can change the cash flows of the cell ``option``/``owner``:
    :func:`affects`, and for the organisation profile and the mechanisms' coefficients, whether
    the owner's mechanisms read it (:func:`decision_kit.ownership.reads`)."""
    if not affects(scenario, path, option):
        return False
    if path.startswith(("organisation.", "mechanisms.")):
        return ownership.reads(compile_plan(scenario), path, (owner,))
    return True


def cell_scenario(scenario: Scenario, options, owners, *, risks: bool) -> Scenario:
    """The scenario cut down to some options and owners (engine cost scales with cells).

    Options do not interact in the engine, so each kept cell's flows are unchanged. The options
    a kept variant extends are kept too (after the asked-for ones), for the variant reads their
    draws. Risks that cannot touch a kept option are dropped, and all risks when ``risks`` is
    False (no events).
    """
    options = list(dict.fromkeys([o for name in options for o in lineage(scenario.options, name) if o != STATUS_QUO]))
    owners = list(dict.fromkeys(owners))
    kept_risks = {
        r: v for r, v in scenario.risks.items() if risks and any(risk_touches(scenario, v, o) for o in options)
    }
    return scenario.model_copy(
        update={
            "options": {o: scenario.options[o] for o in options},
            "owners": {w: scenario.owners[w] for w in owners},
            "risks": kept_risks,
            "correlations": [],
        }
    )


def pick_cell(lay: engine.Layout, base_npv: np.ndarray, option, owner) -> tuple[str, str, str]:
    """The given cell, or the best by base-case NPV (currency) among those matching what was given.

    Returns ``(option, owner, how)``, ``how`` saying in words how the cell was chosen.
    """
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
