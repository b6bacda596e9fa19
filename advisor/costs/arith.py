"""Provides the few operations the cost formulas need that differ between a Python float and a numpy
array: one implementation of the cost engine then prices one scenario (floats) or thousands of
Monte Carlo samples at once (arrays). numpy is imported only when an array is given, so a plain
`buildbuy decide --samples 0` never loads it.
"""

from __future__ import annotations

import math
from typing import Any

Num = Any  # a float, or a numpy array of floats (kept loose: mypy has no numpy stubs here)


def is_array(*values: Any) -> bool:
    return any(hasattr(v, "shape") for v in values)


def ceil(x: Num) -> Num:
    """Round up, but let 2.0000000000000004 stay 2 (floating-point noise must not buy a GPU)."""
    if is_array(x):
        import numpy as np

        return np.ceil(x - 1e-9)
    return math.ceil(x - 1e-9)


def maximum(a: Num, b: Num) -> Num:
    if is_array(a, b):
        import numpy as np

        return np.maximum(a, b)
    return max(a, b)


def minimum(a: Num, b: Num) -> Num:
    if is_array(a, b):
        import numpy as np

        return np.minimum(a, b)
    return min(a, b)


def where(condition: Any, yes: Any, no: Any) -> Any:
    if is_array(condition):
        import numpy as np

        return np.where(condition, yes, no)
    return yes if condition else no


def divide(a: Num, b: Num, default: float) -> Num:
    """a / b, or `default` where b is zero."""
    if is_array(a, b):
        import numpy as np

        b_safe = np.where(b == 0, 1.0, b)
        return np.where(b == 0, default, a / b_safe)
    return a / b if b else default


def rounded(x: Num, digits: int) -> Num:
    if is_array(x):
        import numpy as np

        return np.round(x, digits)
    return round(x, digits)


def at(x: Any, index: int) -> Any:
    """Element `index` of an array as a Python scalar; a scalar is returned as it is."""
    if is_array(x):
        value = x[index]
        return value.item() if hasattr(value, "item") else value
    return x
