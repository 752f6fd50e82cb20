"""numpy -> Arrow without the pandas import ``pa.array(ndarray)`` triggers (about 1.5 s here)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

_TYPES = {np.dtype("float64"): pa.float64(), np.dtype("int64"): pa.int64(), np.dtype("int32"): pa.int32(),
          np.dtype("int8"): pa.int8(), np.dtype("bool"): pa.bool_()}


def from_numpy(values: np.ndarray, *, null: np.ndarray | None = None) -> pa.Array:
    """A primitive numpy array as Arrow; ``null`` marks nulls (NaN becomes null for floats by default)."""
    values = np.ascontiguousarray(values)
    if values.dtype == np.bool_:
        bits = pa.py_buffer(np.packbits(values, bitorder="little"))
        arr = pa.Array.from_buffers(pa.bool_(), len(values), [None, bits])
    else:
        arr = pa.Array.from_buffers(_TYPES[values.dtype], len(values), [None, pa.py_buffer(values)])
    if null is None and values.dtype.kind == "f":
        null = np.isnan(values)
    if null is not None and null.any():
        valid = pa.py_buffer(np.packbits(~null, bitorder="little"))
        buffers = arr.buffers()
        arr = pa.Array.from_buffers(arr.type, len(values), [valid, buffers[1]])
    return arr
