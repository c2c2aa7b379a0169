"""The bytes that cross the sandbox boundary: length-prefixed JSON, arrays as .npy (no pickle).

Example:
    >>> decode(json.loads(json.dumps(encode({"a": np.arange(3)}))))["a"].tolist()
    [0, 1, 2]
"""

from __future__ import annotations

import base64
import io
import json
import os
import struct
from typing import Any

import numpy as np

ARRAY_KEY = "__nncourse_npy__"
HEADER = struct.Struct(">Q")


def encode(value: Any) -> Any:
    """Plain data -> JSON-ready data; arrays become base64 .npy bytes (saved without pickle)."""
    if isinstance(value, np.ndarray):
        buffer = io.BytesIO()
        np.save(buffer, value, allow_pickle=False)
        return {ARRAY_KEY: base64.b64encode(buffer.getvalue()).decode("ascii")}
    if isinstance(value, dict):
        return {str(key): encode(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [encode(item) for item in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def decode(value: Any) -> Any:
    """Inverse of :func:`encode`; ``np.load(..., allow_pickle=False)`` so no object is rebuilt."""
    if isinstance(value, dict):
        if set(value) == {ARRAY_KEY} and isinstance(value[ARRAY_KEY], str):
            data = base64.b64decode(value[ARRAY_KEY].encode("ascii"), validate=True)
            return np.load(io.BytesIO(data), allow_pickle=False)
        return {key: decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [decode(item) for item in value]
    return value


def write_message(fd: int, message: dict) -> None:
    """Send one message: 8-byte big-endian length, then UTF-8 JSON."""
    data = json.dumps(encode(message)).encode("utf-8")
    payload = HEADER.pack(len(data)) + data
    view = memoryview(payload)
    while view:
        written = os.write(fd, view)
        view = view[written:]
