"""Provides what the cost engine produces: a Derivation per figure, an OptionCost per option, the CostReport.

Money is carried as Python floats (IEEE doubles) and rounded to the cent only when shown: a double keeps
every sum here exact to well under a tenth of a cent. Every figure may also be a numpy array of Monte
Carlo samples (see advisor.costs.arith)."""

from __future__ import annotations

from dataclasses import dataclass, field

from advisor.costs import arith
from advisor.inputs.scenario import Option

DAYS_PER_MONTH = 365 / 12


HOURS_PER_MONTH = 24 * DAYS_PER_MONTH


SECONDS_PER_DAY = 86_400


BREAKDOWN_KEYS = ("inference", "review", "maintenance", "training", "training_one_time", "labeling", "build", "bridge")


ONE_TIME_KEYS = ("training_one_time", "labeling", "build", "bridge")


# Facts a rule may derive that the engine prices (see knowledge/economics.toml and rules/).
COST_DRIVERS = ("rapid_change", "compliance_review", "no_ml_owner")


FINETUNED: tuple[Option, ...] = ("vendor-finetune", "self-host", "hybrid")


@dataclass(frozen=True)
class Derivation:
    """How one figure was computed, so that a reader can redo the arithmetic."""

    name: str
    formula: str
    inputs: dict[str, float | str]
    value: float
    unit: str = "USD"


@dataclass(frozen=True)
class OptionCost:
    option: Option
    one_time_usd: float
    monthly_usd: float
    per_request_usd: float
    breakdown: dict[str, float]
    horizon_months: int
    derivations: tuple[Derivation, ...]
    detail: dict[str, float | str | bool] = field(default_factory=dict)
    breakeven_month: int | None = None
    build_months: float = 0.0  # the option's own run cost starts at launch, after the build

    @property
    def run_months(self) -> float:
        return arith.maximum(0.0, self.horizon_months - self.build_months)

    @property
    def tco_usd(self) -> float:
        return self.one_time_usd + self.monthly_usd * self.run_months

    def cumulative(self, month: float) -> float:
        """One-time costs up front (the bridge included), then the run cost from launch."""
        return self.one_time_usd + self.monthly_usd * arith.maximum(0.0, month - self.build_months)

    @property
    def curve(self) -> tuple[float, ...]:
        """Cumulative cost at the end of month 1..horizon."""
        return tuple(self.cumulative(m) for m in range(1, self.horizon_months + 1))


@dataclass(frozen=True)
class CostReport:
    options: dict[Option, OptionCost]
    horizon_months: int
    sources: dict[str, str]  # figure name -> source, for every knowledge figure used
    used: frozenset[str]  # names of knowledge entries used (for staleness warnings)
    warnings: tuple[str, ...] = ()
    drivers: frozenset[str] = frozenset()  # cost drivers the rules derived, priced in

    def derivation(self, name: str) -> Derivation | None:
        """A derivation by `option.figure`, e.g. `api.inference_per_request`."""
        option, _, figure = name.partition(".")
        cost = self.options.get(option)  # type: ignore[call-overload]
        if cost is None:
            return None
        return next((d for d in cost.derivations if d.name == figure), None)

    def derivation_names(self) -> list[str]:
        return [f"{o}.{d.name}" for o, c in self.options.items() for d in c.derivations]
