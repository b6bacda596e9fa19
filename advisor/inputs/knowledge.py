"""Provides the knowledge base: every price, throughput, people cost and answer default, with sources."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from advisor.errors import KnowledgeError
from advisor.inputs.datafiles import cached_parse, data_dir, describe_validation, read_toml

Number = float | int


class _Sourced(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    source: str = Field(min_length=1)
    as_of: dt.date

    def shown(self) -> float | int | str | bool | None:
        """The entry's headline value, as listings and assumption tables show it."""
        return None


class Figure(_Sourced):
    """A named figure that an `[assumptions]` table may override."""

    value: Number | str | None = None
    low: Number | None = None
    high: Number | None = None
    unit: str = ""
    meaning: str = ""
    min: Number | None = None  # the sane range an [assumptions] override must fall in
    max: Number | None = None

    @model_validator(mode="after")
    def _range_brackets_value(self) -> Figure:
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"low ({self.low}) is above high ({self.high})")
        if isinstance(self.value, (int, float)) and not isinstance(self.value, bool):
            if self.low is not None and self.value < self.low:
                raise ValueError(f"value ({self.value}) is below low ({self.low})")
            if self.high is not None and self.value > self.high:
                raise ValueError(f"value ({self.value}) is above high ({self.high})")
        return self

    def shown(self) -> float | int | str | bool | None:
        return self.value


AnswerType = Literal["int", "float", "bool", "str", "choice"]


class AnswerSpec(_Sourced):
    """How one answer is asked, defaulted and bounded."""

    section: Literal["workload", "data", "compliance", "change", "quality", "team", "costs"]
    type: AnswerType
    default: Number | bool | str
    question: str
    why: str
    help: str = ""
    label: str = ""  # what a person reads where the answer is listed: "Requests a day", not daily_requests
    unit: str = ""
    low: Number | None = None
    high: Number | None = None
    choices: list[str] = []
    skip_if: dict[str, Number | bool | str] = {}
    forecast: bool = False  # a defaulted forecast is still sampled over low..high (see uncertainty)

    @model_validator(mode="after")
    def _choices_fit(self) -> AnswerSpec:
        if self.type == "choice":
            if not self.choices:
                raise ValueError("a choice answer needs a non-empty choices list")
            if self.default not in self.choices:
                raise ValueError(f"default {self.default!r} is not one of {self.choices}")
        return self

    def shown(self) -> float | int | str | bool | None:
        return self.default


Hosting = Literal["marketplace", "secure-cloud", "hyperscaler", "own-cluster"]
# Hosting classes that can hold data that must stay in house: the provider's own data centres
# under a contract, or the team's own cluster; not a marketplace of third-party hosts.
IN_HOUSE_HOSTING: tuple[str, ...] = ("secure-cloud", "hyperscaler", "own-cluster")


class GpuOffer(_Sourced):
    provider: str
    gpu: str
    usd_per_hour: float = Field(gt=0)
    billing: Literal["per-second", "per-minute", "per-hour"]
    hosting: Hosting
    note: str = ""

    @property
    def billing_hours(self) -> float:
        """The billing unit in hours: on-demand time is rounded up to it."""
        return {"per-second": 1 / 3600, "per-minute": 1 / 60, "per-hour": 1.0}[self.billing]

    def shown(self) -> float | int | str | bool | None:
        return f"${self.usd_per_hour:g} per GPU-hour"


class Throughput(_Sourced):
    model_size: str
    gpu: str
    prefill_tps: float = Field(gt=0)
    decode_tps: float = Field(gt=0)

    def shown(self) -> float | int | str | bool | None:
        return f"{self.prefill_tps:,.0f} / {self.decode_tps:,.0f} tok/s (prefill / decode)"


class GpuCompute(_Sourced):
    gpu: str
    peak_tflops: float = Field(gt=0)  # dense BF16; FP8 doubles it where the GPU has FP8
    fp8: bool
    memory_gb: float = Field(gt=0)
    bandwidth_tbs: float = Field(gt=0)

    def shown(self) -> float | int | str | bool | None:
        return f"{self.peak_tflops:g} TFLOPS"


class TrainingMethod(_Sourced):
    name: str
    compute_factor: float = Field(gt=0, le=1)

    def shown(self) -> float | int | str | bool | None:
        return f"compute factor {self.compute_factor:g}"


class VendorOffer(_Sourced):
    id: str
    vendor: str
    base_model: str
    training_usd_per_mtok: float = Field(gt=0)
    inference_model: str | None = None
    inference_provider: str | None = None
    inference_input_usd_per_mtok: float | None = Field(default=None, ge=0)
    inference_output_usd_per_mtok: float | None = Field(default=None, ge=0)
    new_customers_until: dt.date | None = None
    existing_customers_until: dt.date | None = None
    # How the fine-tuned model is served: at a per-token price, or only on a dedicated deployment
    # billed per GPU-hour (then the token prices above do not apply).
    hosting: Literal["serverless", "dedicated"] = "serverless"
    dedicated_gpu: str | None = None
    dedicated_usd_per_gpu_hour: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _priced(self) -> VendorOffer:
        if self.hosting == "dedicated":
            if self.dedicated_gpu is None or self.dedicated_usd_per_gpu_hour is None:
                raise ValueError("a dedicated offer needs dedicated_gpu and dedicated_usd_per_gpu_hour")
            return self
        if self.inference_model is None and (
            self.inference_input_usd_per_mtok is None or self.inference_output_usd_per_mtok is None
        ):
            raise ValueError("needs inference_model or both inference_*_usd_per_mtok prices")
        return self

    def accepts_new_jobs(self, today: dt.date, *, existing_customer: bool) -> bool:
        """Whether a new fine-tuning job can be started on `today`."""
        until = self.existing_customers_until if existing_customer else self.new_customers_until
        if not existing_customer and until is None:
            until = self.existing_customers_until
        return until is None or today < until

    def shown(self) -> float | int | str | bool | None:
        return f"training ${self.training_usd_per_mtok:g} per 1M tokens"


class LabelingCost(_Sourced):
    task: str
    usd_per_example: float = Field(ge=0)
    low: float = Field(ge=0)
    high: float = Field(ge=0)

    def shown(self) -> float | int | str | bool | None:
        return f"${self.usd_per_example:g} per example"


class _AnswersFile(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    answer: dict[str, AnswerSpec]


class _FiguresFile(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    figure: dict[str, Figure] = {}


class _OffersFile(_FiguresFile):
    offer: list[GpuOffer]


class ModelClass(_Sourced):
    """The shape of an open model that decides its memory and KV cache per token."""

    name: str
    params_billion: float = Field(gt=0)
    layers: int = Field(gt=0)
    kv_heads: int = Field(gt=0)
    head_dim: int = Field(gt=0)
    d_model: int = Field(gt=0)

    def shown(self) -> float | int | str | bool | None:
        return f"{self.params_billion:g}B parameters, {self.layers} layers, {self.kv_heads} KV heads of {self.head_dim}"


class _ServingFile(_FiguresFile):
    throughput: list[Throughput]
    model_class: list[ModelClass]


class _TrainingFile(_FiguresFile):
    gpu_compute: list[GpuCompute]
    method: list[TrainingMethod]


class _VendorFile(_FiguresFile):
    offer: list[VendorOffer]


class _PeopleFile(_FiguresFile):
    labeling: list[LabelingCost]


_FILES: dict[str, type[BaseModel]] = {
    "answers.toml": _AnswersFile,
    "gpu_offers.toml": _OffersFile,
    "serving.toml": _ServingFile,
    "training.toml": _TrainingFile,
    "vendor_finetune.toml": _VendorFile,
    "people.toml": _PeopleFile,
    "economics.toml": _FiguresFile,
}


class Knowledge(BaseModel):
    """Everything the engine knows besides the answers, loaded and validated."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    answers: dict[str, AnswerSpec]
    figures: dict[str, Figure]
    gpu_offers: list[GpuOffer]
    throughput: list[Throughput]
    model_classes: list[ModelClass]
    gpu_compute: list[GpuCompute]
    methods: list[TrainingMethod]
    vendor_offers: list[VendorOffer]
    labeling: list[LabelingCost]

    @property
    def as_of(self) -> dt.date:
        """The newest as_of in the knowledge base: the date it was last revised."""
        return max(item.as_of for _, item in self.sourced_items())

    def figure_value(self, name: str) -> Any:
        return self.figures[name].value

    def model_class(self, name: str) -> ModelClass | None:
        return next((m for m in self.model_classes if m.name == name), None)

    def offer(self, gpu: str, provider: str) -> GpuOffer | None:
        return next((o for o in self.gpu_offers if o.gpu == gpu and o.provider == provider), None)

    def sourced_items(self) -> list[tuple[str, _Sourced]]:
        """Every sourced entry with a readable name, for listings and staleness checks."""
        items: list[tuple[str, _Sourced]] = []
        items += [(f"answer default {n}", a) for n, a in self.answers.items()]
        items += [(f"figure {n}", f) for n, f in self.figures.items()]
        items += [(f"gpu offer {o.gpu} at {o.provider}", o) for o in self.gpu_offers]
        items += [(f"throughput {t.model_size} on {t.gpu}", t) for t in self.throughput]
        items += [(f"model class {m.name}", m) for m in self.model_classes]
        items += [(f"peak compute {c.gpu}", c) for c in self.gpu_compute]
        items += [(f"training method {m.name}", m) for m in self.methods]
        items += [(f"vendor fine-tuning {v.id}", v) for v in self.vendor_offers]
        items += [(f"labeling {lc.task}", lc) for lc in self.labeling]
        return items

    def sourced_items_dict(self) -> dict[str, _Sourced]:
        return dict(self.sourced_items())


def _check_consistency(k: Knowledge) -> list[str]:
    problems = []
    size = k.figures["serving_model_size"].value if "serving_model_size" in k.figures else None
    offered = {o.gpu for o in k.gpu_offers}
    served = {t.gpu for t in k.throughput if t.model_size == size}
    computed = {c.gpu for c in k.gpu_compute}
    for gpu in sorted(offered - served):
        problems.append(f"serving.toml: throughput: no entry for gpu {gpu!r} and model size {size!r}")
    for gpu in sorted(offered - computed):
        problems.append(f"training.toml: gpu_compute: no entry for gpu {gpu!r}")
    method = k.figures.get("finetune_method")
    if method is not None and method.value not in {m.name for m in k.methods}:
        problems.append(f"training.toml: figure.finetune_method: {method.value!r} is not a [[method]] name")
    tasks = {lc.task for lc in k.labeling}
    spec = k.answers.get("labeling_task")
    if spec is not None and set(spec.choices) - tasks:
        problems.append(
            f"people.toml: labeling: no cost for task(s) {sorted(set(spec.choices) - tasks)}"
        )
    return problems


def load_knowledge(folder: Path | None = None) -> Knowledge:
    """Load and validate every knowledge file; all problems are reported together."""
    folder = folder or data_dir("knowledge")
    return _load_cached(folder.resolve())


@lru_cache(maxsize=8)
def _load_cached(folder: Path) -> Knowledge:
    paths = [folder / name for name in _FILES]
    if not all(p.exists() for p in paths):
        return _load(folder)
    # this module is part of the key: data cached for older model classes must not be reused
    return cached_parse(
        "knowledge", [*paths, Path(__file__)], lambda: _load(folder),
        dump=lambda k: k.model_dump(mode="json"), load=Knowledge.model_validate,
    )


def _load(folder: Path) -> Knowledge:
    problems: list[str] = []
    parsed: dict[str, Any] = {}
    for name, schema in _FILES.items():
        path = folder / name
        try:
            parsed[name] = schema.model_validate(read_toml(path, KnowledgeError))
        except KnowledgeError as exc:
            problems += exc.problems
        except ValidationError as exc:
            problems += describe_validation(str(path), exc)
    if problems:
        raise KnowledgeError(problems)
    figures: dict[str, Figure] = {}
    for name, model in parsed.items():
        for fig_name, fig in getattr(model, "figure", {}).items():
            if fig_name in figures:
                problems.append(f"{folder / name}: figure.{fig_name}: defined in two files")
            figures[fig_name] = fig
    knowledge = Knowledge(
        answers=parsed["answers.toml"].answer,
        figures=figures,
        gpu_offers=parsed["gpu_offers.toml"].offer,
        throughput=parsed["serving.toml"].throughput,
        model_classes=parsed["serving.toml"].model_class,
        gpu_compute=parsed["training.toml"].gpu_compute,
        methods=parsed["training.toml"].method,
        vendor_offers=parsed["vendor_finetune.toml"].offer,
        labeling=parsed["people.toml"].labeling,
    )
    problems += _check_consistency(knowledge)
    if problems:
        raise KnowledgeError(problems)
    return knowledge


def stale_warning(k: Knowledge, today: dt.date, used: set[str] | None = None) -> str | None:
    """One warning line naming the figures older than the staleness limit, or None."""
    limit = int(k.figures["stale_after_days"].value or 180)
    old = [
        (name, item.as_of)
        for name, item in k.sourced_items()
        if (today - item.as_of).days > limit and (used is None or name in used)
    ]
    if not old:
        return None
    old.sort(key=lambda pair: pair[1])
    listed = "; ".join(f"{name} (as_of {d.isoformat()})" for name, d in old)
    return f"{len(old)} knowledge figure(s) are older than {limit} days, re-check them: {listed}"
