"""The rule base: every rule fires where it should and only there; loading errors are specific."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from advisor.cli import main
from advisor.costs import price_options
from advisor.decision import RuleBase, decide, load_rulebase
from advisor.errors import RulesError
from advisor.rulebase import Condition, bundled_rule_files, load_rule_files, parse_condition
from advisor.rulebase.facts import build_facts, fact_types
from tests.conftest import TODAY


def _candidates(constraints: list[Condition]) -> list[float]:
    values = sorted({float(c.value) for c in constraints})
    return [v + d for v in values for d in (0.0, 1.0, -1.0, 0.5, -0.5)]


def solve(base: dict, conditions: list[Condition]) -> dict:
    """Facts that satisfy every condition, starting from `base`."""
    facts = dict(base)
    by_fact: dict[str, list[Condition]] = {}
    for cond in conditions:
        by_fact.setdefault(cond.fact, []).append(cond)
    for fact, conds in by_fact.items():
        if isinstance(conds[0].value, bool):
            facts[fact] = conds[0].value if conds[0].op == "==" else not conds[0].value
        elif isinstance(conds[0].value, str):
            choices = fact_types_cache[fact][1]
            wanted = [c for c in choices if all((c == x.value) == (x.op == "==") for x in conds)]
            facts[fact] = wanted[0]
        else:
            facts[fact] = next(v for v in _candidates(conds) if v >= 0 and all(c.holds({fact: v}) for c in conds))
    return facts


def breaking(cond: Condition, facts: dict) -> dict:
    """`facts` with `cond` made false."""
    broken = dict(facts)
    if isinstance(cond.value, bool):
        broken[cond.fact] = not facts[cond.fact]
    elif isinstance(cond.value, str):
        broken[cond.fact] = next(c for c in fact_types_cache[cond.fact][1] if not cond.holds({cond.fact: c}))
    else:
        broken[cond.fact] = next(v for v in _candidates([cond]) if not cond.holds({cond.fact: v}))
    return broken


fact_types_cache: dict = {}


def conditions_for(rule_id: str, by_id: dict) -> list[Condition]:
    """The rule's own comparisons plus those of the rules deriving the facts it joins on."""
    rule = by_id[rule_id].rule
    out: list[Condition] = []
    for text in rule.when.all:
        cond = parse_condition(text)
        if isinstance(cond, Condition):
            out.append(cond)
        else:
            producer = next(r for r in by_id.values() if r.rule.then.fact == cond)
            out += conditions_for(producer.id, by_id)
    if rule.when.any:
        out.append(parse_condition(rule.when.any[0]))  # type: ignore[arg-type]
    return out


BUNDLED = [r.id for r in load_rule_files(bundled_rule_files())]


@pytest.fixture(scope="module")
def base_facts(k):
    from advisor.inputs.scenario import build_scenario

    fact_types_cache.update(fact_types(k))
    s = build_scenario({}, k)
    return build_facts(s, price_options(s, k, TODAY), k, TODAY)


@pytest.mark.parametrize("rule_id", BUNDLED)
def test_rule_fires_when_its_conditions_hold_and_not_otherwise(rule_id, rules, base_facts):
    conditions = conditions_for(rule_id, rules.by_id)
    facts = solve(base_facts, conditions)
    assert rule_id in {f.rule for f in rules.evaluate(facts)}
    own = [c for c in map(parse_condition, rules.by_id[rule_id].rule.when.all) if isinstance(c, Condition)]
    if rules.by_id[rule_id].rule.when.any:
        own = [parse_condition(t) for t in rules.by_id[rule_id].rule.when.any]  # break every alternative
        broken = facts
        for cond in own:
            broken = breaking(cond, broken)
    else:
        broken = breaking(own[0] if own else conditions[0], facts)
    assert rule_id not in {f.rule for f in rules.evaluate(broken)}


def test_every_bundled_rule_is_sourced_and_explained(rules):
    for loaded in rules.rules:
        assert loaded.rule.source and len(loaded.rule.because) > 30, loaded.id


# --- whole scenarios with clear answers --------------------------------------------------------


def test_high_volume_regulated_insurer_fine_tunes_at_the_lowest_cost(decision):
    d = decision(
        use_case="claims triage", daily_requests=400_000, labeled_examples=6_000, examples_to_label=0,
        industry="insurance", requirements_volatility="stable", product_stage="scaling",
        api_accuracy=72, finetuned_accuracy=94, review_rate_api=8, review_rate_finetuned=2,
        cost_per_review=4, proprietary_data_advantage=True, ml_engineers=2, peak_to_average=2,
    )
    costs = {o: c.tco_usd for o, c in d.report.options.items()}
    # The hosted fine-tune is cheapest by more than the 10 % tolerance, so the leanings toward
    # self-host (proprietary data, regulated industry) cannot carry it.
    assert d.option == "vendor-finetune" == d.cheapest
    assert costs["self-host"] > costs["vendor-finetune"] * 1.10
    assert d.scores["self-host"] > d.scores["vendor-finetune"]
    assert d.runner_up == "self-host"
    # The regulated industry is priced: a vendor review and a model validation in the build.
    assert "compliance_review" in d.report.drivers
    assert d.report.options["api"].breakdown["build"] == pytest.approx(10_000)
    assert [p.option for p in d.plan] == ["api", "vendor-finetune"]


def test_exploring_startup_with_200_examples_buys(decision):
    d = decision(
        daily_requests=3_000, labeled_examples=200, examples_to_label=0, product_stage="exploring",
        requirements_volatility="rapid", ml_engineers=0.5,
    )
    assert d.option == "api" == d.cheapest
    assert {"stage.exploring", "change.rapid", "change.rapid.cost", "data.short"} <= {f.rule for f in d.findings}
    # The gap to 1,000 examples is priced into every fine-tuned option instead of a penalty.
    assert d.report.options["self-host"].breakdown["labeling"] > 0


def test_hospital_with_in_house_data_never_gets_a_vendor_option(decision):
    d = decision(
        daily_requests=20_000, labeled_examples=300, examples_to_label=0, industry="healthcare",
        data_must_stay_in_house=True, labeling_task="expert",
    )
    assert d.option == "self-host"
    assert not d.eligible("api") and not d.eligible("vendor-finetune") and not d.eligible("hybrid")
    assert d.excluded_by["api"] == ["privacy.no_vendor_api"]
    # too little data: an open base model in house now, fine-tuned once the floor is reached
    assert [p.option for p in d.plan] == ["self-host", "self-host"]
    assert "base model" in d.plan[0].action and d.plan[0].until.startswith("labeled_examples >= 1,000 and ")
    assert "privacy.base_model_first" in {f.rule for f in d.advice()}
    # no vendor may see the data, so the bridge is the own base model, not an API bill
    assert d.report.options["self-host"].detail["bridge_paid_by"] == "in-house base model"
    # 700 expert labels at $10 with 25 % QA reach the floor
    assert d.report.options["self-host"].breakdown["labeling"] == pytest.approx(700 * 10 * 1.25)


def test_tiny_volume_with_moving_requirements_buys(decision):
    d = decision(daily_requests=500, requirements_volatility="rapid", labeled_examples=2_000)
    assert d.option == "api"
    assert d.report.options["self-host"].breakeven_month is None


def test_api_now_with_a_trigger_to_build_later(decision):
    d = decision(daily_requests=20_000, labeled_examples=300, examples_to_label=2_000, product_stage="exploring")
    assert d.option == "api"
    assert len(d.plan) == 2 and d.plan[1].option in {"self-host", "hybrid", "vendor-finetune"}
    assert d.plan[0].until.startswith("labeled_examples >= 1,000 and daily_requests >= ")


def test_plan_trigger_is_the_daily_requests_flip_point(decision, k, rules):
    from advisor.decision.uncertainty import flip_points

    d = decision(daily_requests=20_000, labeled_examples=3_000)
    assert d.option == "api"
    flips, _ = flip_points(d, k, rules)
    up = next(f for f in flips if f.input == "daily_requests" and f.direction == "above")
    trigger = int(d.plan[0].until.split("daily_requests >= ")[1].replace(",", ""))
    # one search: the plan shows the flip point, rounded up to two significant digits
    assert up.value <= trigger < up.value * 1.1
    assert d.plan[1].option == up.to


def test_vendor_finetune_bridges_on_the_api_while_it_is_built(decision):
    d = decision(daily_requests=100_000, labeled_examples=300, examples_to_label=2_000)
    assert d.option == "vendor-finetune" == d.cheapest
    assert [p.option for p in d.plan] == ["api", "vendor-finetune"]
    assert d.plan[0].until.startswith("vendor-finetune is built and evaluated (about ")
    assert d.report.options["vendor-finetune"].breakdown["bridge"] > 0


def test_no_ml_engineer_prices_contracted_engineering(decision):
    d = decision(daily_requests=300_000, labeled_examples=5_000, ml_engineers=0)
    assert "no_ml_owner" in d.report.drivers
    assert d.option == d.cheapest
    own = d.report.options["self-host"].breakdown
    staffed = decision(daily_requests=300_000, labeled_examples=5_000, ml_engineers=1).report.options["self-host"].breakdown
    assert own["maintenance"] == pytest.approx(1.5 * staffed["maintenance"])
    assert own["build"] > staffed["build"]


def test_leanings_pick_a_dearer_option_only_within_the_tolerance(decision):
    # Proprietary data and a regulated industry lean toward self-host; vendor-finetune is cheaper.
    answers = dict(
        daily_requests=400_000, labeled_examples=6_000, examples_to_label=0, industry="insurance",
        proprietary_data_advantage=True, ml_engineers=2, review_rate_api=8, review_rate_finetuned=2, cost_per_review=4,
    )
    strict = decision(**answers, assumptions={"strategic_tolerance_pct": 0})
    loose = decision(**answers, assumptions={"strategic_tolerance_pct": 50})
    assert strict.option == strict.cheapest == "vendor-finetune"
    assert loose.option == "self-host" and loose.cheapest == "vendor-finetune" and loose.strategic
    gap = loose.report.options["self-host"].tco_usd - loose.report.options["vendor-finetune"].tco_usd
    assert f"vendor-finetune is ${gap:,.0f}" in loose.summary and "cheaper; self-host is preferred" in loose.summary
    assert loose.runner_up == "vendor-finetune"


def test_an_option_built_after_the_horizon_ends_is_not_eligible(decision):
    d = decision(daily_requests=150_000, labeled_examples=5_000, horizon_months=1)
    for option in ("self-host", "hybrid"):
        assert "launch.after_horizon" in d.excluded_by[option]
    assert d.option in {"api", "vendor-finetune"}


# --- engine behaviour --------------------------------------------------------------------------


def test_findings_are_identical_between_runs(decision):
    first = decision(daily_requests=150_000, labeled_examples=3_000)
    second = decision(daily_requests=150_000, labeled_examples=3_000)
    assert first.findings == second.findings and first.summary == second.summary


def _rss_kb() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * 4


def test_ten_thousand_evaluations_same_answers_flat_memory(k, base_facts):
    rules = RuleBase(load_rule_files(bundled_rule_files()), k)  # a fresh, uncached rule base
    variants = [dict(base_facts, daily_requests=float(v)) for v in (500, 50_000, 150_000)]
    expected = [rules._evaluate(f) for f in variants]
    for _ in range(300):  # warm up allocator pools
        rules._evaluate(variants[0])
    gc.collect()
    before = _rss_kb()
    for i in range(10_000):
        assert rules._evaluate(variants[i % 3]) == expected[i % 3]
    gc.collect()
    assert _rss_kb() - before < 8_000  # kB: no session state left behind


# --- broken rule files -------------------------------------------------------------------------


def pack(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = '''
[[rule]]
id = "policy.health_in_cloud"
criterion = "company policy"
when.all = ["industry == healthcare"]
then = { kind = "exclude", option = "api" }
because = "Health data never leaves our own cloud account."
source = "Security policy SP-12"
'''


@pytest.mark.parametrize(
    "text, message",
    [
        ("[[rule]\nid = 1", "not valid TOML"),
        (GOOD.replace('because = "Health data never leaves our own cloud account."\n', ""),
         "rule policy.health_in_cloud (#1): because: required key is missing"),
        (GOOD.replace('option = "api"', 'option = "cloud"'), "rule policy.health_in_cloud (#1): then.option: Input should be"),
        (GOOD.replace('kind = "exclude", option = "api"', 'kind = "lean", option = "api"'),
         "rule policy.health_in_cloud (#1): then: a lean rule needs a non-zero weight"),
        (GOOD.replace("when.all", "when.sometimes"), "rule policy.health_in_cloud (#1): when.sometimes: unknown key"),
        (GOOD.replace("industry == healthcare", "industy == healthcare"),
         "rule policy.health_in_cloud: when.all 'industy == healthcare': unknown fact 'industy' (did you mean 'industry'?)"),
        (GOOD.replace("industry == healthcare", "industry == retail"),
         "industry is one of general, healthcare, finance, insurance, legal, government; 'retail' is not"),
        (GOOD.replace("industry == healthcare", "daily_requests >= many"), "daily_requests is a number; 'many' is not"),
        (GOOD.replace("industry == healthcare", "batch_ok > true"), "batch_ok is true or false: compare it with == or !="),
        (GOOD.replace("industry == healthcare", "industry is healthcare"), "cannot read condition 'industry is healthcare'"),
        (GOOD.replace("industry == healthcare", "derived cloud_only"), "no rule derives 'cloud_only'"),
        (GOOD.replace('kind = "exclude", option = "api"', 'kind = "derive", fact = "cloud_only"'),
         "derives 'cloud_only' but no rule uses it"),
        (GOOD + GOOD, "rule policy.health_in_cloud: id used twice in one file"),
    ],
)
def test_broken_rule_pack_names_file_rule_and_field(tmp_path, capsys, text, message):
    path = pack(tmp_path, text)
    assert main(["rules", "--check", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and message in err, err


def test_good_pack_checks_clean(tmp_path, capsys):
    path = pack(tmp_path, GOOD)
    assert main(["rules", "--check", str(path)]) == 0
    assert "1 rule(s), all valid" in capsys.readouterr().out


def test_pack_adds_a_policy_and_overrides_a_rule_by_id(tmp_path, k, scenario):
    override = '''
[[rule]]
id = "stage.exploring"
criterion = "product stage"
when.all = ["product_stage == exploring"]
then = { kind = "lean", option = "api", weight = 1 }
because = "Our policy gives the product stage little weight."
source = "Architecture board, 2026"
'''
    rules = load_rulebase(k, [pack(tmp_path, GOOD + override)])
    s = scenario(industry="healthcare", product_stage="exploring")
    d = decide(s, k, rules, TODAY)
    assert d.excluded_by["api"] == ["policy.health_in_cloud"]
    exploring = next(f for f in d.findings if f.rule == "stage.exploring")
    assert exploring.weight == 1 and exploring.source == "Architecture board, 2026"


def test_rules_listing_shows_every_rule(capsys):
    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    for rule_id in BUNDLED:
        assert rule_id in out
    assert "exclude api" in out and "lean self-host +2" in out
    assert "derive rapid_change (priced by the cost engine)" in out


def test_a_cost_driver_may_not_read_cost_figures(k, tmp_path):
    pack = tmp_path / "bad.toml"
    pack.write_text(
        '[[rule]]\nid = "p.x"\ncriterion = "c"\nwhen.all = ["self_host_tco > 1000"]\n'
        'then = { kind = "derive", fact = "rapid_change" }\nbecause = "A driver read from a cost figure."\nsource = "test"\n'
    )
    with pytest.raises(RulesError, match="cost driver 'rapid_change' from 'self_host_tco'"):
        RuleBase(load_rule_files(bundled_rule_files() + [pack]), k)


def test_volume_alone_does_not_beat_economics(decision):
    d = decision(daily_requests=500_000, labeled_examples=5_000, api_model="gpt-4o-mini")
    assert d.report.options["self-host"].breakeven_month is None  # a cheap API: GPUs never pay off
    assert d.option != "self-host"
    assert d.report.options[d.option].tco_usd < d.report.options["self-host"].tco_usd


def test_every_bundled_rule_has_a_title_people_read(rules, decision):
    untitled = [loaded.id for loaded in rules.rules if not loaded.rule.title]
    assert untitled == []
    d = decision(daily_requests=400_000, industry="insurance", proprietary_data_advantage=True)
    finding = next(f for f in d.findings if f.rule == "strategy.proprietary_data")
    assert finding.name == "Your data is the edge"
