"""Instructor tools: release student notebooks, grade submissions in a sandbox, validate.

Modules: :mod:`.release` (solution notebooks -> student notebooks and ``manifest.json``),
:mod:`.collect` (find, read and name submissions), :mod:`.grade` (run each submission in a
bubblewrap sandbox and score it in the trusted process), :mod:`.sandbox` (the child and its
protocol), :mod:`.bwrap` (what the sandbox sees), :mod:`.reports` (gradebook and feedback),
:mod:`.validate`, :mod:`.solutions` (reference answers; never visible in the sandbox).
"""
