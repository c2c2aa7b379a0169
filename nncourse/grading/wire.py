"""The bytes that cross the sandbox boundary (re-exported from the learner-side runner).

The runner inside the sandbox and the grader outside must speak one format, and the sandbox
never mounts ``nncourse.grading``; so the single definition lives in
:mod:`nncourse.exercises.sandbox_runner` and this module re-exports it for the grader.

Example:
    >>> decode(json.loads(json.dumps(encode({"a": np.arange(3)}))))["a"].tolist()  # doctest: +SKIP
    [0, 1, 2]
"""

from __future__ import annotations

from nncourse.exercises.sandbox_runner import (
    ARRAY_KEY,
    HEADER,
    MAX_FRAME_BYTES,
    check_frame,
    decode,
    encode,
    frame,
    write_message,
)

__all__ = ["ARRAY_KEY", "HEADER", "MAX_FRAME_BYTES", "check_frame", "decode", "encode", "frame",
           "write_message"]
