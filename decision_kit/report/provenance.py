"""What a memo is stamped with and rests on, shared by the HTML page and the workbook.

What is here: :func:`stamp` (package version, scenario hash, seed, trials, UTC date);
:func:`input_records`, :func:`assumptions` and :func:`ownership` (every input with what is
known about it, and the ownership shifts used, with their sources); :func:`tidy_text`
(whitespace collapsed); :data:`SHARE_FIELDS` (ownership shifts that are shares, shown as
percentages); :func:`refuse_existing` (a memo never replaces a file unless asked to).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..loading import content_hash
from ..schema import input_paths

SHARE_FIELDS = ("governance_overhead", "consolidation", "marketing_share")
"""Ownership shifts that are shares (shown and formatted as percentages)."""


def stamp(result, generated: datetime | None = None) -> dict:
    """What a memo is stamped with: package version, scenario hash, seed, trials, UTC date."""
    from .. import __version__

    when = (generated or datetime.now(UTC)).astimezone(UTC)
    return {
        "version": __version__,
        "scenario_hash": content_hash(result.scenario),
        "seed": result.seed,
        "trials": result.trials,
        "generated": when.strftime("%Y-%m-%d %H:%M UTC"),
        "scenario": result.scenario.name,
    }


def _parent(scenario, path: str):
    """The object holding the input at a dotted ``path`` (a cost line, driver, option, risk)."""
    obj: Any = scenario
    try:
        for part in path.split(".")[:-1]:
            obj = obj[part] if isinstance(obj, dict) else getattr(obj, part)
    except (KeyError, AttributeError):
        return None
    return obj


def _round_floats(data):
    """12 significant digits: '2.2%' is stored as 0.022000000000000002 and shown as 0.022."""
    if isinstance(data, float):
        return float(f"{data:.12g}")
    if isinstance(data, dict):
        return {k: _round_floats(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_round_floats(v) for v in data]
    return data


def _as_written(dist) -> str:
    """The distribution in the scenario file's YAML flow style, without its ``source`` note."""
    import yaml

    data = _round_floats(dist.model_dump(mode="json"))
    if isinstance(data, dict):
        data = {k: v for k, v in data.items() if k != "source"}
        return yaml.safe_dump(data, default_flow_style=True, sort_keys=False, width=10**6).strip()
    return str(data)


def input_records(scenario) -> list[dict]:
    """Every input with what is known about it: where it sits, as written, quantiles, sources."""
    from ..priors import PRIORS

    out = []
    for path, dist in input_paths(scenario).items():
        group, _, name = path.rpartition(".")
        q = dist.quantiles([0.1, 0.5, 0.9])
        rec = {
            "path": path,
            "group": group,
            "name": name,
            "distribution": _as_written(dist),
            "fixed": dist.is_fixed(),
            "mean": float(dist.mean()),
            "p10": float(q[0]),
            "p50": float(q[1]),
            "p90": float(q[2]),
            "own_source": tidy_text(dist.source),
            "group_source": tidy_text(getattr(_parent(scenario, path), "source", None)),
            "grade": "",
        }
        if getattr(dist, "dist", None) == "prior":
            prior = PRIORS.distributions[dist.name]
            rec["grade"] = prior.grade
            rec["own_source"] = f"Prior '{dist.name}' ({prior.description}): {tidy_text(prior.source)}" + (
                f" Scenario note: {rec['own_source']}" if rec["own_source"] else ""
            )
        out.append(rec)
    return out


def tidy_text(text: str | None) -> str:
    return " ".join(text.split()) if text else ""


def assumptions(scenario):
    """Every input of ``scenario`` (:func:`~decision_kit.schema.input_paths`) as a DataFrame.

    Columns: ``path`` (as in the file), ``distribution`` (as written), ``fixed``, ``mean``,
    ``p10``, ``p50``, ``p90``, ``source`` and ``grade``. The source is the input's own
    ``source``, else that of the cost or benefit line, driver, option or risk that holds it;
    for a ``{dist: prior}`` input it is the shipped prior's citation and ``grade`` its
    confidence grade (A-D, J for judgement). An input with no source has an empty ``source``.
    """
    import pandas as pd

    rows = [
        {
            "path": r["path"],
            "distribution": r["distribution"],
            "fixed": r["fixed"],
            "mean": r["mean"],
            "p10": r["p10"],
            "p50": r["p50"],
            "p90": r["p90"],
            "source": r["own_source"] or r["group_source"],
            "grade": r["grade"],
        }
        for r in input_records(scenario)
    ]
    return pd.DataFrame(rows, columns=["path", "distribution", "fixed", "mean", "p10", "p50", "p90", "source", "grade"])


def ownership(scenario):
    """The ownership shifts used for each owner (shipped defaults with the scenario's overrides).

    One row per owner: every shift of :class:`~decision_kit.priors.OwnerShifts`, ``overridden``
    (the fields the scenario changes) and ``source`` (the scenario's note, then the default's).
    """
    import pandas as pd

    from ..priors import PRIORS, OwnerShifts

    fields = [f for f in OwnerShifts.model_fields if f != "source"]
    rows = []
    for owner, override in scenario.owners.items():
        shifts = scenario.owner_shifts(owner)
        changed = [f for f in fields if getattr(override, f) is not None]
        notes = [
            f"Scenario: {tidy_text(override.source)}" if override.source else "",
            f"Default: {tidy_text(PRIORS.ownership[owner].source)}" if PRIORS.ownership[owner].source else "",
        ]
        rows.append(
            {
                "owner": owner,
                **{f: getattr(shifts, f) for f in fields},
                "overridden": ", ".join(changed),
                "source": " ".join(n for n in notes if n),
            }
        )
    return pd.DataFrame(rows, columns=["owner", *fields, "overridden", "source"])


def refuse_existing(path: Path, overwrite: bool) -> None:
    """Raise ``FileExistsError`` if ``path`` exists and ``overwrite`` is false."""
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} already exists; pass overwrite=True (--force) to replace it")
