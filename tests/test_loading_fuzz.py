"""Property tests: whatever YAML it is given, ``loads`` returns a Scenario or raises ScenarioError.

Three sources of input: random YAML-able documents (nested dicts, lists and scalars, with the
scenario's own field names mixed into the keys), mutations of a valid scenario (a key
deleted or renamed, a value replaced, at any depth), and raw text. When a ScenarioError is
raised, every problem must say something and point inside the document.

The runs are derandomized so that CI sees the same examples every time.

Integers in the generated documents stay within 64 bits: larger ones crash ``parse_number``
with an OverflowError, and so does a lognormal whose sd is ~1e154 times its mean. Both are
pinned by the strict xfails at the end of this file; widen the integers once they are fixed.
"""

from __future__ import annotations

import copy
import textwrap

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decision_kit.errors import ScenarioError
from decision_kit.loading import loads
from decision_kit.schema import Scenario

FUZZ = settings(derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

FILE = "<fuzz>"
SCENARIO_FIELDS = sorted(Scenario.model_fields)

BASE = textwrap.dedent("""\
    name: fuzz base
    currency: EUR
    horizon_years: 4
    discount_rate: 8%
    drivers:
      seats: {unit: users, start: {dist: triangular, low: 40, mode: 50, high: 70}, growth: 5%}
    options:
      build:
        kind: build
        launch_months: {dist: lognormal, median: 9, sigma: 0.5}
        cost_overrun: {dist: prior, name: it_cost_overrun}
        realisation: {dist: discrete, values: [0.5, 1], probs: [0.3, 0.7]}
        costs:
          dev: {category: implementation, timing: one_off, amount: {dist: pert, low: 150k, mode: 200k, high: 400k}, overrun: true}
          maint: {category: support, timing: percent_of, of: dev, amount: 18%}
          hosting: {category: infrastructure, timing: recurring, start: launch, amount: {dist: uniform, low: 10k, high: 20k}, escalation: 3%}
        benefits:
          uplift: {category: revenue, amount: {dist: quantiles, p10: 50k, p50: 100k, p90: 180k}, ramp_months: 6}
        scores: {fit: 4}
      buy:
        kind: buy
        launch_months: {dist: normal, mean: 3, sd: 0.5}
        costs:
          licence: {category: license, timing: per_unit, driver: seats, amount: 1.2k, escalation: {dist: prior, name: saas_price_escalator}}
          exit: {category: exit, timing: one_off, year: 4, amount: {dist: pareto, xm: 10k, alpha: 3, cap: 100k}}
        benefits:
          uplift: {category: savings, amount: {dist: lognormal, median: 90k, p90: 150k}}
        scores: {fit: 3}
    owners:
      it: {launch_factor: 1.4, governance_overhead: 5%}
      shared:
    risks:
      acquired:
        type: vendor
        effect: price_rise
        probability: {dist: pert, low: 2%, mode: 5%, high: 10%}
        impact: {dist: mixture, components: [{weight: 0.7, dist: 0}, {weight: 0.3, dist: 0.2}]}
        options: [buy]
        lines: [licence]
      breach:
        type: security
        effect: one_off
        probability: {dist: prior, name: breach_probability}
        impact: {dist: prior, name: breach_cost}
    correlations:
      - between: [options.build.launch_months, options.build.cost_overrun]
        rank: 0.6
    criteria:
      fit: {better: more}
    stakeholders:
      cmo: {weights: {expected_npv: 2, fit: 1}}
      cio: {ahp: {criteria: [expected_npv, fit], matrix: [[1, 3], [0.3333333, 1]]}}
    risk_tolerance: 500k
    """)
BASE_DOC = yaml.safe_load(BASE)

_FAST_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
"""libyaml's dumper when present, only to write the generated documents quickly."""

# Field names that occur in the format, so random documents reach deeper validation.
NAMES = sorted({*SCENARIO_FIELDS, "kind", "costs", "benefits", "category", "timing", "amount", "dist",
                "low", "mode", "high", "mean", "sd", "median", "p90", "sigma", "values", "probs",
                "p10", "p50", "components", "weight", "unit", "start", "growth", "type", "effect",
                "probability", "impact", "between", "rank", "weights", "ahp", "matrix", "of", "driver"})
WORDS = ["fixed", "uniform", "triangular", "pert", "normal", "lognormal", "discrete", "quantiles",
         "pareto", "mixture", "prior", "it_cost_overrun", "build", "buy", "license", "one_off",
         "percent_of", "per_unit", "recurring", "150k", "8%", "1.2M", "-100%", "1e999", "nan",
         "yes", "", "~", "USD", "options.build.launch_months"]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(),
    st.text(max_size=12),
    st.sampled_from(WORDS),
)
keys = st.one_of(st.sampled_from(NAMES), st.text(min_size=1, max_size=10))
documents = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=5)),
    max_leaves=30,
)
scenario_shaped = st.fixed_dictionaries(
    {"name": scalars, "horizon_years": scalars, "discount_rate": scalars, "options": documents},
    optional={k: documents for k in SCENARIO_FIELDS
              if k not in ("name", "horizon_years", "discount_rate", "options")},
)


def _starts_with_one_of(path: str, heads: set[str]) -> bool:
    """Whether the dotted ``path``'s first segment is one of ``heads``; a head containing a dot
    is written quoted in brackets (``['a.b']``)."""
    return any(path == h or path.startswith(h + ".") or path.startswith(h + "[")
               or ("." in h and path.startswith(f"[{h!r}]")) for h in heads)


def check_loads(text: str) -> None:
    """The property: a Scenario, or a ScenarioError whose problems all say something sensible.

    A field path must start at a field of the format or at a top-level key of the document
    as the safe loader the package parses with reads it (libyaml's where PyYAML has it; not
    always the document that was dumped: PyYAML writes a bare U+0085 that it then reads as a
    line break, and libyaml and PyYAML's own parser differ on a few odd texts such as "0:\t").
    """
    try:
        result = loads(text, file=FILE)
    except ScenarioError as err:
        assert isinstance(err, ValueError)
        assert err.problems
        n_lines = text.count("\n") + 2
        for problem in err.problems:
            assert problem.message.strip(), problem
            assert problem.file == FILE
            assert problem.line is None or 1 <= problem.line <= n_lines, problem
            if problem.path and not _starts_with_one_of(problem.path, set(SCENARIO_FIELDS)):
                assert _starts_with_one_of(problem.path, _top_level_keys(text)), problem
        assert str(err).startswith(FILE)
    else:
        assert isinstance(result, Scenario)


def _top_level_keys(text: str) -> set[str]:
    try:
        document = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return set()
    return {str(k) for k in document} if isinstance(document, dict) else set()


def dump(document) -> str:
    return yaml.dump(document, Dumper=_FAST_DUMPER, sort_keys=False, allow_unicode=True)


def test_the_base_document_is_valid():
    assert isinstance(loads(BASE), Scenario)


# --- (a) random documents ----------------------------------------------------------------

@settings(FUZZ, max_examples=200)
@given(documents)
def test_random_documents(document):
    check_loads(dump(document))


@settings(FUZZ, max_examples=150)
@given(scenario_shaped)
def test_random_scenario_shaped_documents(document):
    check_loads(dump(document))


@settings(FUZZ, max_examples=300)
@given(st.text(alphabet=st.sampled_from(list("abc: -{}[]\n\t#&*!|>'\"%@`,?0123.k")), max_size=60))
def test_random_text(text):
    check_loads(text)


# --- (b) mutations of a valid scenario ---------------------------------------------------

def _paths(node, prefix=()):
    """Every (parent path, key or index) in the document."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield prefix, k
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield prefix, i
            yield from _paths(v, prefix + (i,))


def _get(node, path):
    for step in path:
        node = node[step]
    return node


def _typo(word: str, i: int) -> str:
    word = str(word)
    if len(word) < 2:
        return word + "x"
    i %= len(word) - 1
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]  # swap two letters: horizon_yaers


@st.composite
def mutated(draw):
    doc = copy.deepcopy(BASE_DOC)
    for _ in range(draw(st.integers(1, 3))):
        places = list(_paths(doc))
        if not places:
            break
        parent_path, key = draw(st.sampled_from(places))
        parent = _get(doc, parent_path)
        op = draw(st.sampled_from(["delete", "rename", "typo", "replace", "replace_scalar"]))
        if op == "delete":
            del parent[key]
        elif op in ("rename", "typo") and isinstance(parent, dict):
            new = draw(keys) if op == "rename" else _typo(key, draw(st.integers(0, 20)))
            parent[new] = parent.pop(key)
        elif op == "replace_scalar":
            parent[key] = draw(scalars)
        else:
            parent[key] = draw(documents)
    return doc


@settings(FUZZ, max_examples=300)
@given(mutated())
def test_mutations_of_a_valid_scenario(document):
    check_loads(dump(document))


# --- crashes found by fuzzing (strict xfails until fixed) ---------------------------------

_MIN = "name: x\nhorizon_years: 5\ndiscount_rate: 0.08\noptions:\n  buy:\n    kind: buy\n"
_COST = _MIN + "    costs:\n      a: {category: license, timing: one_off, amount: AMOUNT}\n"


@pytest.mark.parametrize("text", [
    _COST.replace("AMOUNT", "1" + "0" * 400),
    _COST.replace("AMOUNT", "{dist: uniform, low: 0, high: 1" + "0" * 400 + "}"),
    _MIN.replace("discount_rate: 0.08", "discount_rate: 1" + "0" * 400),
], ids=["fixed", "uniform_high", "discount_rate"])
def test_huge_integer_is_a_scenario_error(text):
    check_loads(text)


def test_lognormal_with_huge_sd_to_mean_ratio_does_not_crash():
    check_loads(_COST.replace("AMOUNT", "{dist: lognormal, mean: 1, sd: 1e200}"))
