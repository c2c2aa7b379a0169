"""Instructor tools: release student notebooks, grade submissions in a sandbox, validate.

Modules: :mod:`.release` (solution notebooks -> student notebooks), :mod:`.grade` (re-run
submissions in sandboxed child processes and score them in the trusted parent),
:mod:`.sandbox` (the child process and its limits), :mod:`.validate`, :mod:`.reports`.
"""
