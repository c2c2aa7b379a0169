"""``nncourse merge``: combine the ``--out`` folders of several grading runs into one gradebook.

Each part is an ``--out`` of ``nncourse grade`` (typically one shard of ``--shard K/N``). The
merge follows the grader's own rules: results already in the target ``--out`` are kept for
students and labs the parts do not grade, the target is locked while it is written, and nothing
is decided twice — the same student and lab graded differently in two parts, or parts drawn
with different seeds or different exercise lists for one lab, are refused with a message naming
the folders.

Example:
    >>> merge_outputs(["shard-1/", "shard-2/"], "grades/")    # doctest: +SKIP
"""

from __future__ import annotations

import json
from pathlib import Path

from nncourse.grading.records import GradeReport, SubmissionResult
from nncourse.grading.reports import OutputDir


def _part(folder: Path) -> tuple[dict, list[SubmissionResult]]:
    summary_path, graded_path = folder / "summary.json", folder / "graded.jsonl"
    if not summary_path.is_file() or not graded_path.is_file():
        raise ValueError(f"{folder} is not the --out of a finished `nncourse grade` run (no "
                         f"summary.json or graded.jsonl); finish or re-run that shard first.")
    try:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
    except ValueError:
        raise ValueError(f"{summary_path} is not JSON; re-run that shard.") from None
    latest: dict[tuple, SubmissionResult] = {}
    for line in graded_path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            result = SubmissionResult.from_dict(json.loads(line)["result"])
        except (KeyError, TypeError, ValueError):
            continue
        latest[(result.student, result.lab)] = result
    return summary, list(latest.values())


def merge_outputs(parts: list[str | Path], out_dir: str | Path) -> GradeReport:
    """Merge the grading outputs ``parts`` into ``out_dir`` (which may hold a gradebook).

    Raises:
        ValueError: a part is missing or unfinished, seeds or lab definitions differ, or one
            student and lab has two different results.
    """
    seeds: dict[int, str] = {}
    labs: dict[str | None, list[str]] = {}
    chosen: dict[tuple, tuple[SubmissionResult, str]] = {}
    for folder in map(Path, parts):
        summary, results = _part(folder)
        seeds.setdefault(summary.get("seed"), str(folder))
        for lab, ids in summary.get("labs", {}).items():
            lab_key = None if lab == "None" else lab
            if lab_key in labs and labs[lab_key] != ids:
                raise ValueError(f"{folder}: lab {lab} was graded on other exercises than in "
                                 f"another part; grade every shard with the same --manifest.")
            labs[lab_key] = ids
        for result in results:
            key = (result.student, result.lab)
            if key in chosen and chosen[key][0].to_dict() != result.to_dict():
                raise ValueError(f"student {result.student!r}, lab {result.lab}: graded in both "
                                 f"{chosen[key][1]} and {folder} with different results; "
                                 f"shards must not share students (use --shard K/N).")
            chosen[key] = (result, str(folder))
    if len(seeds) > 1:
        raise ValueError(f"the parts were graded with different seeds ({', '.join(map(str, seeds))}"
                         f"); grade every shard with the same --seed.")
    output = OutputDir(out_dir, [], None)
    try:
        incoming = {key for key in chosen}
        carried = [r for r in output.latest_results()
                   if (r.student, r.lab) not in incoming and not r.not_graded]
        for result in carried:
            labs.setdefault(result.lab, list(result.results))
        seed = next(iter(seeds)) if seeds else 0
        output.start(seed)
        results = [*carried, *(result for result, _ in chosen.values())]
        for result in results:
            output.record(result)
        results.sort(key=lambda r: (r.student, r.lab or "", bool(r.not_graded), r.path))
        ordered = dict(sorted(labs.items(), key=lambda item: item[0] or ""))
        ids = list(dict.fromkeys(i for lab_ids in ordered.values() for i in lab_ids))
        report = GradeReport(ids, results, seed, ordered, carried=len(carried))
        output.finish(report)
        return report
    finally:
        output.release()
