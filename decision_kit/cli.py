"""The ``decision-kit`` command line: validate, schema, run, owners, stages, success, base-case, report,
review, batch.

Invalid input prints one message per problem (file:line:column: field: what is wrong) on
standard error, without a traceback, and exits with status 2. The memos draw their figures
on matplotlib Agg canvases of their own, without pyplot, so no command chooses a backend.
"""

from __future__ import annotations

import argparse
import json
import math
import numbers
import sys

from .errors import ScenarioError


def _count(text: str) -> int:
    """A positive whole number on the command line (trials, rows, workers, a plan year)."""
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number such as 20000, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _seed(text: str) -> int:
    """A random seed on the command line: a whole number from 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number from 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def _json_value(value):
    """A summary entry for JSON: NaN (no answer, e.g. a payback that never comes) as null, an
    overflowed figure as the string "inf" or "-inf" (JSON has no infinity; never null)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return value
    x = float(value)
    if math.isnan(x):
        return None
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="decision-kit",
        description="Build, buy or extend marketing technology: Monte Carlo decision models for CMOs and CIOs.",
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = p.add_subparsers(dest="command", required=True)

    v = sub.add_parser("validate", help="check scenario and portfolio files; report every problem")
    v.add_argument("files", nargs="+")

    s = sub.add_parser("schema", help="write the JSON Schema of the file format (for editors)")
    s.add_argument("--kind", choices=["scenario", "portfolio"], default="scenario")
    s.add_argument("-o", "--output", help="file to write (default: standard output)")
    s.add_argument("--force", action="store_true", help="replace the output file if it exists")

    r = sub.add_parser("run", help="simulate a scenario and print the option x owner summary")
    r.add_argument("scenario")
    r.add_argument("--trials", type=_count, default=20_000)
    r.add_argument("--seed", type=_seed, default=0)
    r.add_argument("--format", choices=["table", "csv", "json"], default="table")
    r.add_argument("--memo", help="also write the HTML decision memo to this path")
    r.add_argument("--force", action="store_true", help="replace the memo file if it exists")

    _analysis_parsers(sub)

    bl = sub.add_parser("beliefs", help="whose numbers: the decision under each stakeholder's estimates")
    bl.add_argument("scenario")
    bl.add_argument("--trials", type=_count, default=20_000)
    bl.add_argument("--seed", type=_seed, default=0)

    b = sub.add_parser("base-case", help="print the deterministic base-case cash flows (every input at its median)")
    b.add_argument("scenario")
    b.add_argument("--option")
    b.add_argument("--owner")

    m = sub.add_parser("report", help="simulate a scenario and write its decision memo (HTML and/or Excel)")
    m.add_argument("scenario")
    m.add_argument(
        "-o", "--output", action="append", required=True, help="memo file, .html or .xlsx (repeat the option for both)"
    )
    m.add_argument("--trials", type=_count, default=20_000)
    m.add_argument("--seed", type=_seed, default=0)
    m.add_argument(
        "--no-trials-file",
        action="store_true",
        help="with an .xlsx memo, do not write every trial's metrics to <memo>-trials.csv beside it",
    )
    m.add_argument("--force", action="store_true", help="replace output files that exist")
    m.add_argument("--actuals", help="an actuals file: add its plan-vs-actual review to the memo and the workbook")

    al = sub.add_parser("allocate", help="split a digital budget across a portfolio's initiatives")
    al.add_argument("portfolio")
    al.add_argument("--budget", help="total budget for the year (default: the portfolio's), e.g. 4.2M")
    al.add_argument("--year", type=_count, default=1, help="plan year, 1 = the first (default 1)")
    al.add_argument("--objective", choices=["mean", "mean_minus_std", "cvar"], default="mean")
    al.add_argument("--risk-aversion", type=float)
    al.add_argument("--trials", type=_count, default=2000)
    al.add_argument("--seed", type=_seed, default=0)
    al.add_argument("--format", choices=["table", "csv"], default="table")

    _review_parser(sub)
    a = sub.add_parser("batch", help="run every scenario of files or folders: a memo each and an index.html")
    a.add_argument("paths", nargs="+", help="scenario files, or folders whose *.yaml files are run")
    a.add_argument("-o", "--out-dir", required=True, help="folder for the memos and index.html")
    a.add_argument("--trials", type=_count, default=20_000)
    a.add_argument("--seed", type=_seed, default=0)
    a.add_argument(
        "--format",
        dest="formats",
        action="append",
        choices=["html", "xlsx"],
        help="memo format: html (default) and/or xlsx (repeat the option for both)",
    )
    a.add_argument("--workers", type=_count, help="processes to use (default: every local core; 1: no subprocess)")
    a.add_argument("--force", action="store_true", help="replace outputs that exist")
    a.add_argument("--no-progress", action="store_true", help="no progress bar on standard error")
    a.add_argument("--notebook", help="run this notebook per scenario with papermill instead of writing memos")
    a.add_argument("--timeout", type=float, default=300, help="per-cell execution timeout for --notebook (seconds)")
    return p


def _analysis_parsers(sub) -> None:
    """The analyses beyond the summary: who owns the budget, staged decisions, signed targets."""
    w = sub.add_parser("owners", help="who should own the budget: best owner, mechanisms, what would have to be true")
    w.add_argument("scenario")
    w.add_argument("--option", help="the option to analyse in depth (default: the recommended one)")
    w.add_argument("--trials", type=_count, default=10_000)
    w.add_argument("--break-even-trials", type=_count, default=2_000, help="trials per break-even (default 2,000)")
    w.add_argument("--seed", type=_seed, default=0)
    w.add_argument("--profile", help="replace the scenario's organisation by this shipped profile (a what-if)")

    g = sub.add_parser(
        "stages", help="commit now, review yearly, pilot first, switch vendor or wait: the value of each and its rule"
    )
    g.add_argument("scenario")
    g.add_argument("--option", action="append", help="an option to value (repeat; default: all that state a stage)")
    g.add_argument("--trials", type=_count, default=20_000)
    g.add_argument("--seed", type=_seed, default=0)
    g.add_argument(
        "--tornado", action="store_true", help="also each stage's value over its own inputs (best cell, <= 4k trials)"
    )

    su = sub.add_parser("success", help="chances of hitting the signed KPIs and milestones of the success block")
    su.add_argument("scenario")
    su.add_argument("--trials", type=_count, default=20_000)
    su.add_argument("--seed", type=_seed, default=0)


def _review_parser(sub) -> None:
    rv = sub.add_parser("review", help="plan versus actual: re-forecast the chosen cell from what was observed")
    rv.add_argument("scenario")
    rv.add_argument("actuals", help="the actuals file (see decision_kit/schema/actuals.py)")
    rv.add_argument("--trials", type=_count, default=20_000)
    rv.add_argument("--seed", type=_seed, default=0)


def _version() -> str:
    from . import __version__

    return __version__


def _warn(path, obj) -> None:
    """Print the implausible inputs of a scenario file (warnings: it still runs)."""
    from .plausibility import file_warnings
    from .schema import Scenario

    if isinstance(obj, Scenario):
        for problem in file_warnings(path, obj):
            print(f"warning: {problem}", file=sys.stderr)


def _validate(files) -> int:
    from .loading import load

    bad = 0
    for f in files:
        try:
            obj = load(f)
        except ScenarioError as exc:
            bad += 1
            print(exc, file=sys.stderr)
        else:
            kind = "portfolio" if obj.__class__.__name__ == "Portfolio" else "scenario"
            print(f"{f}: valid {kind} '{obj.name}'")
            _warn(f, obj)
    return 2 if bad else 0


def _schema(args) -> int:
    from .loading import json_schema, write_text_atomic

    text = json.dumps(json_schema(args.kind), indent=2) + "\n"
    if args.output:
        try:
            write_text_atomic(args.output, text, overwrite=args.force)
        except FileExistsError as exc:
            print(f"decision-kit: {exc}", file=sys.stderr)
            return 2
        print(f"wrote {args.output}")
    else:
        sys.stdout.write(text)
    return 0


def _run(args) -> int:
    from pathlib import Path

    from .loading import load_scenario
    from .simulation import simulate

    scenario = load_scenario(args.scenario)
    _warn(args.scenario, scenario)
    if args.memo and Path(args.memo).exists() and not args.force:
        print(f"decision-kit: {args.memo} already exists; pass --force to replace it", file=sys.stderr)
        return 2
    result = simulate(scenario, trials=args.trials, seed=args.seed)
    summary = result.summary()
    if args.format == "csv":
        summary.to_csv(sys.stdout)
    elif args.format == "json":
        out = {
            "scenario": scenario.name,
            "trials": result.trials,
            "seed": result.seed,
            "currency": scenario.currency,
            "recommendation": result.recommendation(),
            "summary": [
                {k: _json_value(v) for k, v in row.items()} for row in summary.reset_index().to_dict(orient="records")
            ],
        }
        print(json.dumps(out, indent=2, allow_nan=False))
    else:
        from .console import recommendation_text, summary_text

        print(summary_text(result))
        print()
        print(recommendation_text(result))
    if args.memo:
        from .report import standard_analyses, write_html

        write_html(result, args.memo, overwrite=args.force, analyses=standard_analyses(result))
        print(f"\ndecision memo written to {args.memo}", file=sys.stderr if args.format != "table" else sys.stdout)
    return 0


def _with_profile(scenario, profile: str):
    """``scenario`` with its organisation replaced by the shipped ``profile`` (its mechanisms
    block kept), said on standard error; an unknown name is a ScenarioError naming the profiles."""
    from .schema.organisation import profile_names

    if profile not in profile_names():
        raise ScenarioError(f"no shipped organisation profile '{profile}' (profiles: {', '.join(profile_names())})")
    note = f"organisation replaced by the shipped profile '{profile}' (a what-if; the file is unchanged)"
    print(note, file=sys.stderr)
    return scenario.replace(organisation={"profile": profile})


def _owners(args) -> int:
    from . import owner_tradeoffs as ot
    from .console import ownership_text
    from .loading import load_scenario

    scenario = load_scenario(args.scenario)
    _warn(args.scenario, scenario)
    if args.profile is not None:
        scenario = _with_profile(scenario, args.profile)
    choice = ot.owner_choice(scenario, args.trials, args.seed)
    best = choice.table.sort_values("npv_mean", ascending=False)
    option = args.option or str(best.index[0])
    if option not in scenario.options:
        raise ScenarioError(f"no option '{option}' in '{scenario.name}' (options: {', '.join(scenario.options)})")
    owner = choice.table.loc[option, "owner"]
    parts = ot.mechanism_contributions(scenario, args.trials, args.seed)
    what_ifs = [
        ot.what_would_have_to_be_true(scenario, option, owner, other, args.break_even_trials, args.seed)
        for other in scenario.owners
        if other != owner
    ]
    joint = [
        ot.joint_flip(scenario, option, owner, other, min(args.break_even_trials, 500), args.seed)
        for other in scenario.owners
        if other != owner
    ]
    worth = ot.ownership_value_of_information(scenario, option, args.trials, args.seed)
    grid = ot.grid_npv(scenario, option, args.trials, args.seed)
    print(ownership_text(scenario, choice, parts, option, what_ifs, worth, joint, grid))
    return 0


def _stages(args) -> int:
    from . import staged_decisions as sd
    from . import staged_defer as sf
    from . import staged_pilot as sp
    from .console import defer_text, pilot_text, staged_text, switch_text
    from .loading import load_scenario

    scenario = load_scenario(args.scenario)
    _warn(args.scenario, scenario)
    kinds = [("abandon", sd.abandonment, staged_text), ("pilot", sp.pilots, pilot_text),
             ("switch_vendor", sd.switches, switch_text), ("defer", sf.deferrals, defer_text)]  # fmt: skip
    stated = {kind: sd.reviewed_options(scenario, kind) for kind, _, _ in kinds}
    for o in args.option or ():
        if not any(o in names for names in stated.values()):
            raise ScenarioError(f"option '{o}' states no review, pilot, vendor switch or deferral (flexibility:)")
    texts = []
    for kind, analyse, text in kinds:
        chosen = [o for o in stated[kind] if not args.option or o in args.option]
        if chosen:
            done = analyse(scenario, trials=args.trials, seed=args.seed, options=chosen)
            texts.append(text(done))
            if args.tornado:
                texts += _stage_tornadoes(scenario, kind, analyse, done, min(args.trials, 4_000), args.seed)
    if not texts:
        raise ScenarioError(
            f"no option of '{scenario.name}' states a review, pilot, vendor switch or deferral (flexibility:)"
        )
    print("\n\n".join(texts))
    return 0


def _stage_tornadoes(scenario, kind: str, analyse, done, trials: int, seed: int) -> list[str]:
    """The stage tornado of each option's best cell (the owner with the highest value)."""
    from .console import stage_tornado_text
    from .staged_flows import STAGE_INPUTS, stage_tornado

    column = STAGE_INPUTS[kind][0]
    out = []
    for o in dict.fromkeys(done.table.index.get_level_values("option")):
        w = str(done.table.loc[o, column].idxmax())
        frame = stage_tornado(analyse, scenario, str(o), w, kind, trials=trials, seed=seed)
        out.append(stage_tornado_text(frame, kind, str(o), w, scenario.currency, trials))
    return out


def _beliefs(args) -> int:
    from .console import beliefs_text
    from .loading import load_scenario
    from .whose_numbers import whose_numbers

    scenario = load_scenario(args.scenario)
    _warn(args.scenario, scenario)
    print(beliefs_text(whose_numbers(scenario, trials=args.trials, seed=args.seed)))
    return 0


def _success(args) -> int:
    from . import success, success_rules
    from .loading import load_scenario
    from .simulation import simulate
    from .success_text import success_text

    scenario = load_scenario(args.scenario)
    _warn(args.scenario, scenario)
    success.block_of(scenario)  # before simulating: a scenario without targets is refused at once
    print(success_text(success_rules.analyse(simulate(scenario, trials=args.trials, seed=args.seed))))
    return 0


def _base_case(args) -> int:
    import pandas as pd

    from .loading import load_scenario
    from .simulation import base_case

    table = base_case(load_scenario(args.scenario), option=args.option, owner=args.owner)
    with pd.option_context("display.width", 200, "display.max_rows", 500, "display.max_columns", 60):
        print(table.round(0).to_string())
    return 0


def _report(args) -> int:
    from pathlib import Path

    from .loading import load_scenario
    from .report import write_html, write_xlsx
    from .report.traced import trials_csv_path
    from .simulation import simulate

    writers = {".html": write_html, ".htm": write_html, ".xlsx": write_xlsx}
    outputs = [Path(o) for o in args.output]
    unknown = [str(o) for o in outputs if o.suffix.lower() not in writers]
    if unknown:
        print(f"decision-kit: cannot tell the format of {', '.join(unknown)}: name it .html or .xlsx", file=sys.stderr)
        return 2
    beside = [trials_csv_path(o) for o in outputs if o.suffix.lower() == ".xlsx" and not args.no_trials_file]
    existing = [str(o) for o in outputs + beside if o.exists()]
    if existing and not args.force:
        print(f"decision-kit: {existing[0]} already exists; pass --force to replace it", file=sys.stderr)
        return 2
    scenario = load_scenario(args.scenario)
    review = _actuals_review(scenario, args)
    result = simulate(scenario, trials=args.trials, seed=args.seed)
    from .report import review_analyses, standard_analyses

    analyses = standard_analyses(result) if any(o.suffix.lower() != ".xlsx" for o in outputs) else None
    if analyses is not None and review is not None:
        analyses |= review_analyses(review)
    for o in outputs:
        xlsx = o.suffix.lower() == ".xlsx"
        extra = {"trials_file": not args.no_trials_file, "review": review} if xlsx else {"analyses": analyses}
        try:
            writers[o.suffix.lower()](result, o, overwrite=args.force, **extra)
        except (FileExistsError, ValueError) as exc:
            print(f"decision-kit: {exc}", file=sys.stderr)
            return 2
        print(f"wrote {o}")
        if xlsx and not args.no_trials_file:
            print(f"wrote {trials_csv_path(o)}")
    print(result.recommendation())
    return 0


def _actuals_review(scenario, args):
    """The plan-vs-actual review of ``--actuals`` (validated against the scenario first), or None."""
    if not args.actuals:
        return None
    from .review_scenario import load_actuals, review_scenario

    return review_scenario(scenario, load_actuals(args.actuals, scenario), trials=args.trials, seed=args.seed)


def _batch(args) -> int:
    from .batch import TerminalProgress, run_batch

    if args.notebook:
        return _notebook_batch(args)
    try:
        out = run_batch(
            args.paths,
            args.out_dir,
            trials=args.trials,
            seed=args.seed,
            formats=tuple(args.formats or ["html"]),
            overwrite=args.force,
            workers=args.workers,
            progress=None if args.no_progress else TerminalProgress(),
        )
    except FileExistsError as exc:
        print(f"decision-kit: {exc}", file=sys.stderr)
        return 2
    for item in out.skipped:
        print(f"{item.source}: skipped, {item.message}", file=sys.stderr)
    for item in out.failed:
        print(f"{item.source}: failed\n{item.message}", file=sys.stderr)
    print(f"{len(out.ok)} memo(s) written, {len(out.failed)} failed, {len(out.skipped)} skipped; index: {out.index}")
    return 2 if out.failed else 0


def _notebook_batch(args) -> int:
    from .batch import TerminalProgress, run_notebook_batch

    try:
        runs = run_notebook_batch(
            args.notebook,
            args.paths,
            args.out_dir,
            trials=args.trials,
            seed=args.seed,
            timeout=args.timeout,
            overwrite=args.force,
            progress=None if args.no_progress else TerminalProgress(),
        )
    except (FileExistsError, FileNotFoundError, ModuleNotFoundError) as exc:
        print(f"decision-kit: {exc}", file=sys.stderr)
        return 2
    for run in runs:
        line = f"{run.source}: {run.status}" + (f" -> {run.notebook}" if run.notebook else "")
        print(line + (f"\n  {run.message}" if run.message else ""))
    return 0 if all(r.status in ("ok", "skipped") for r in runs) else 2


def _allocate(args) -> int:

    from .allocation import optimize
    from .distributions import parse_number
    from .loading import load_portfolio

    portfolio = load_portfolio(args.portfolio)
    budget = None
    if args.budget is not None:
        budget = parse_number(args.budget)
        if not isinstance(budget, float):
            print(
                f"decision-kit: --budget must be a number such as 4200000 or 4.2M, got {args.budget!r}", file=sys.stderr
            )
            return 2
    alloc = optimize(
        portfolio,
        budget,
        year=args.year,
        objective=args.objective,
        risk_aversion=args.risk_aversion,
        trials=args.trials,
        seed=args.seed,
    )
    if args.format == "csv":
        reasons = alloc.reasons_frame()
        table = alloc.to_frame().assign(reason=reasons["code"], reason_text=reasons["text"])
        table.to_csv(sys.stdout)
        return 0
    from .console import allocation_text

    print(allocation_text(alloc, portfolio.start_year))
    return 0


def _review(args) -> int:
    from .console import review_text
    from .review_scenario import review_files

    print(review_text(review_files(args.scenario, args.actuals, trials=args.trials, seed=args.seed)))
    return 0


_ANALYSES = {"owners": _owners, "stages": _stages, "success": _success, "review": _review, "beliefs": _beliefs}
"""The analysis commands, each handled by one function of its parsed arguments."""


def main(argv=None) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse has printed the usage and the error (or --help, --version)
        return exc.code if isinstance(exc.code, int) else 2
    try:
        if args.command == "validate":
            return _validate(args.files)
        if args.command == "schema":
            return _schema(args)
        if args.command == "run":
            return _run(args)
        if args.command in _ANALYSES:
            return _ANALYSES[args.command](args)
        if args.command == "base-case":
            return _base_case(args)
        if args.command == "report":
            return _report(args)
        if args.command == "allocate":
            return _allocate(args)
        if args.command == "batch":
            return _batch(args)
    except ScenarioError as exc:
        for problem in exc.problems:  # a problem with the request rather than a file: say who speaks
            print(problem if problem.file else f"decision-kit: {problem}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except OSError as exc:  # a folder that cannot be written, a path through a file, a full disk
        where = f" {exc.filename}" if exc.filename else ""
        print(f"decision-kit: cannot write{where}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
