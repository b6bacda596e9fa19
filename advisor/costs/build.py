"""Provides the data, training and build costs of a fine-tuned option: labeling up to the data floor
(or distilling API logs), training runs, the engineering build-out and the bridge paid meanwhile."""

from __future__ import annotations

from dataclasses import dataclass

from advisor.costs import arith
from advisor.costs.context import _Ctx, _offer, _per_example
from advisor.costs.model import FINETUNED, Derivation
from advisor.inputs.scenario import Option


@dataclass(frozen=True)
class _Data:
    """The training set of a fine-tuned option and what it costs to have it."""

    examples: float  # examples trained on, including any gap to the floor that was filled
    labeling: float  # one-time USD
    weeks: float  # calendar weeks to close the gap to the floor
    derivations: tuple[Derivation, ...]


def _data(ctx: _Ctx) -> _Data:
    """Label what is planned, and close any gap to the data floor: by labeling, or by distilling
    API logs (cheaper, but a distilled example counts for less) when there are logs."""
    a = ctx.a
    per_example, qa = _per_example(ctx)
    planned = a.examples_to_label * per_example * (1 + qa)
    derivations = [
        Derivation(
            "labeling_planned",
            "examples_to_label x usd_per_example x (1 + qa_overhead)",
            {"examples_to_label": a.examples_to_label, "usd_per_example": per_example, "qa_overhead": qa},
            planned,
        )
    ]
    floor = ctx.fig("data_floor_examples")
    on_hand = a.labeled_examples + a.examples_to_label
    gap = arith.maximum(0.0, floor - on_hand)
    # Written without a branch on the gap, so that arrays of sampled answers price the same way.
    if a.has_api_logs:
        quality, share = ctx.fig("distill_quality"), ctx.fig("distill_spot_label_share")
        distilled = gap / quality
        gap_cost = distilled * share * per_example * (1 + qa)
        weeks, examples = arith.where(gap > 0, ctx.fig("distill_weeks"), 0.0), on_hand + distilled
        derivations.append(
            Derivation(
                "data_gap",
                "max(0, data_floor - examples_on_hand) / distill_quality x spot_label_share x usd_per_example x (1 + qa_overhead)",
                {"data_floor": floor, "examples_on_hand": on_hand, "distill_quality": quality,
                 "spot_label_share": share, "usd_per_example": per_example, "qa_overhead": qa},
                gap_cost,
            )
        )
    else:
        pace = ctx.fig("labeling_examples_per_week")
        gap_cost = gap * per_example * (1 + qa)
        weeks, examples = gap / pace, arith.maximum(on_hand, floor)
        derivations.append(
            Derivation(
                "data_gap",
                "max(0, data_floor - examples_on_hand) x usd_per_example x (1 + qa_overhead)",
                {"data_floor": floor, "examples_on_hand": on_hand, "usd_per_example": per_example, "qa_overhead": qa},
                gap_cost,
            )
        )
    labeling = planned + gap_cost
    derivations.append(
        Derivation("labeling", "labeling_planned + data_gap", {"labeling_planned": planned, "data_gap": gap_cost}, labeling)
    )
    return _Data(examples, labeling, weeks, tuple(derivations))


def _training_tokens(ctx: _Ctx, examples: float) -> float:
    return examples * ctx.fig("tokens_per_example") * ctx.fig("epochs")


def _params_billion(ctx: _Ctx) -> float:
    """The served model's size: the size class's own figure unless model_params_billion is set."""
    if "model_params_billion" in ctx.s.overrides:
        return ctx.fig("model_params_billion")
    model = ctx.k.model_class(ctx.text_fig("serving_model_size"))
    return model.params_billion if model is not None else ctx.fig("model_params_billion")


def _training_run_gpu(ctx: _Ctx, usd_hour: float, examples: float) -> tuple[float, Derivation]:
    offer, _ = _offer(ctx)
    peak = next(c.peak_tflops for c in ctx.k.gpu_compute if c.gpu == offer.gpu)
    ctx.used.add(f"peak compute {offer.gpu}")
    method_name = ctx.text_fig("finetune_method")
    method = next(m for m in ctx.k.methods if m.name == method_name)
    ctx.used.add(f"training method {method.name}")
    tokens = _training_tokens(ctx, examples)
    params = _params_billion(ctx)
    flops = tokens * ctx.fig("flops_per_param_token") * params * 1e9 * method.compute_factor
    compute_hours = flops / (peak * 1e12 * ctx.fig("training_efficiency")) / 3600
    hours = compute_hours + ctx.fig("run_overhead_hours")
    cost = hours * usd_hour
    return cost, Derivation(
        "training_run",
        "(tokens x flops_per_param_token x params x method_factor / (peak_flops x efficiency) / 3600 + overhead_hours) x usd_per_gpu_hour",
        {
            "tokens": tokens,
            "flops_per_param_token": ctx.fig("flops_per_param_token"),
            "params": params * 1e9,
            "method_factor": method.compute_factor,
            "peak_flops": peak * 1e12,
            "efficiency": ctx.fig("training_efficiency"),
            "overhead_hours": ctx.fig("run_overhead_hours"),
            "usd_per_gpu_hour": usd_hour,
        },
        cost,
    )


def _training(ctx: _Ctx, run_cost: float, data: _Data) -> tuple[float, float, list[Derivation]]:
    """Experiments before launch (with the failed-attempt budget), then retraining; rapid change
    retrains more often and relabels part of the set every month."""
    runs = ctx.fig("experiment_runs")
    failed = ctx.fig("failed_attempt_factor")
    retrain = ctx.fig("retrain_runs_per_month")
    rapid = "rapid_change" in ctx.drivers
    change_factor = ctx.fig("rapid_change_retrain_factor") if rapid else 1.0
    relabel_share = ctx.fig("rapid_change_relabel_share") if rapid else 0.0
    per_example, qa = _per_example(ctx) if rapid else (0.0, 0.0)
    relabel = relabel_share * data.examples * per_example * (1 + qa)
    one_time = runs * failed * run_cost
    monthly = retrain * change_factor * run_cost + relabel
    return one_time, monthly, [
        Derivation(
            "training_one_time",
            "experiment_runs x failed_attempt_factor x training_run",
            {"experiment_runs": runs, "failed_attempt_factor": failed, "training_run": run_cost},
            one_time,
        ),
        Derivation(
            "training",
            "retrain_runs_per_month x change_factor x training_run + relabel_share x examples x usd_per_example x (1 + qa_overhead)",
            {
                "retrain_runs_per_month": retrain, "change_factor": change_factor, "training_run": run_cost,
                "relabel_share": relabel_share, "examples": data.examples, "usd_per_example": per_example, "qa_overhead": qa,
            },
            monthly,
        ),
    ]


def _compliance(ctx: _Ctx, option: Option) -> float:
    """One-time reviews a regulated industry requires: the model's validation for an option that
    trains one, the vendor's security review for an option that sends data to a vendor."""
    if "compliance_review" not in ctx.drivers:
        return 0.0
    model = ctx.fig("compliance_review_usd") if option in FINETUNED else 0.0
    vendor = ctx.fig("vendor_review_usd") if option in ("api", "vendor-finetune", "hybrid") else 0.0
    return model + vendor


def _build(ctx: _Ctx, option: Option, data: _Data) -> tuple[float, float, list[Derivation]]:
    """Engineering build-out, evaluation set and compliance review; and the calendar weeks it
    takes, shortened by a larger team up to build_team_max, lengthened by closing a data gap."""
    a = ctx.a
    effort = ctx.fig(f"build_weeks_{option.replace('-', '_')}")
    yearly = ctx.fig("ml_engineer_usd_per_year")
    premium = ctx.fig("contractor_premium") if "no_ml_owner" in ctx.drivers else 1.0
    engineering = effort * yearly / 52 * premium
    per_example, qa = _per_example(ctx)
    eval_examples = ctx.fig("eval_set_examples")
    eval_set = eval_examples * per_example * (1 + qa)
    compliance = _compliance(ctx, option)
    build = engineering + eval_set + compliance
    team_max = ctx.fig("build_team_max")
    team = arith.minimum(arith.maximum(a.ml_engineers, 1.0), team_max)
    weeks = effort / team + data.weeks
    return build, weeks, [
        Derivation(
            "build_engineering",
            "build_weeks x ml_engineer_usd_per_year / 52 x contractor_premium",
            {"build_weeks": effort, "ml_engineer_usd_per_year": yearly, "contractor_premium": premium},
            engineering,
        ),
        Derivation(
            "eval_set",
            "eval_set_examples x usd_per_example x (1 + qa_overhead)",
            {"eval_set_examples": eval_examples, "usd_per_example": per_example, "qa_overhead": qa},
            eval_set,
        ),
        Derivation(
            "build",
            "build_engineering + eval_set + compliance_review",
            {"build_engineering": engineering, "eval_set": eval_set, "compliance_review": compliance},
            build,
        ),
        Derivation(
            "build_calendar_weeks",
            "build_weeks / min(max(ml_engineers, 1), build_team_max) + data_gap_weeks",
            {"build_weeks": effort, "ml_engineers": a.ml_engineers, "build_team_max": team_max, "data_gap_weeks": data.weeks},
            weeks,
            "weeks",
        ),
    ]


def _bridge(ctx: _Ctx, build_months: float, api_monthly: float, own_monthly: float) -> tuple[float, str, Derivation]:
    """What is paid to serve the workload while the option is built: the API bill, or, when no
    vendor may see the data, an open base model served in house at the option's own run cost."""
    months = arith.minimum(build_months, float(ctx.a.horizon_months))
    if ctx.a.data_must_stay_in_house:
        payer, monthly = "in-house base model", own_monthly
    else:
        payer, monthly = "api", api_monthly
    value = monthly * months
    return value, payer, Derivation(
        "bridge",
        "monthly_cost_while_building x months_before_launch",
        {"monthly_cost_while_building": monthly, "months_before_launch": months, "paid_by": payer},
        value,
    )
