"""The cost engine: every option of a scenario priced over its horizon (model, context, serving,
build, options), the serving capacity model, API prices and the arithmetic shared by scalars and
arrays of samples."""

from advisor.costs.model import (
    BREAKDOWN_KEYS,
    COST_DRIVERS,
    DAYS_PER_MONTH,
    FINETUNED,
    HOURS_PER_MONTH,
    ONE_TIME_KEYS,
    SECONDS_PER_DAY,
    CostReport,
    Derivation,
    OptionCost,
)
from advisor.costs.options import available_vendor_offers, price_options
from advisor.costs.serving import platform_offer, serving_seconds

__all__ = [
    "BREAKDOWN_KEYS", "COST_DRIVERS", "DAYS_PER_MONTH", "FINETUNED", "HOURS_PER_MONTH", "ONE_TIME_KEYS",
    "SECONDS_PER_DAY", "CostReport", "Derivation", "OptionCost", "available_vendor_offers", "platform_offer",
    "price_options", "serving_seconds",
]
