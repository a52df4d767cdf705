"""What every engine does with one input file: read, clean, write the outputs, describe the result.

Workers write their own outputs and send back only a small FileResult, so the parent never holds
documents; results come back in input order, so output, messages and report are the same for any
number of workers or engine.
"""
from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path

from ..document import Document
from ..io import Job, printable, read_capped, story_name, write_atomic
from ..pipeline import Pipeline, StageError
from ..report import FileResult, explain_lines, summarize_edits
from ..resume import file_hash


@dataclass(frozen=True)
class RunOptions:
    write: bool = True  # False: check only (nothing is written)
    in_place: bool = False
    explain: bool = False
    diff: bool = False
    debug: bool = False
    against_target: bool = False  # "unchanged" means the target already holds this output (hooks)


def output_bytes(text: str) -> bytes:
    return text.encode("utf-8")


def unified_diff(before: str, after: str, name: str) -> str:
    """Printable, because it goes to stdout, which may be strict UTF-8, and `name` may not be UTF-8."""
    return printable("".join(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                                  f"a/{name}", f"b/{name}")))


def clean_job(pipeline: Pipeline, job: Job, opts: RunOptions) -> tuple[FileResult, Document | None]:
    result = FileResult(path=str(job.source), id=job.rel, status="error")
    max_bytes = pipeline.config.options["decode"].max_bytes if pipeline.config else 50_000_000
    try:
        data = read_capped(job.source, max_bytes)
    except OSError as e:
        result.reason = f"cannot read: {e.strerror or e}"
        return result, None
    if data is None:
        result.status, result.reason = "skipped", "too-large"
        return result, None
    result.bytes_in = len(data)
    result.sha256 = file_hash(data)
    try:
        doc = pipeline(Document(id=job.rel, raw=data))
    except StageError as e:
        result.reason = str(e)
        if opts.debug:
            raise
        return result, None
    if doc.skipped:
        result.status, result.reason = "skipped", doc.metadata["skip_reason"]
        return result, doc
    original = doc.metadata.pop("_input_text", None)
    result.language = doc.metadata.get("language", "")
    result.language_score = doc.metadata.get("language_score", 0.0)
    result.removed, result.rules = summarize_edits(doc, pipeline.ruleset)
    result.stories = 1 + len(doc.stories)
    result.boundaries = doc.metadata.get("story_boundaries", [])
    result.bytes_out = len(output_bytes(doc.text)) + sum(len(output_bytes(s.text)) for s in doc.stories)
    reference = data
    if opts.against_target and job.target is not None and job.target != job.source:
        reference = job.target.read_bytes() if job.target.is_file() else None
    unchanged = not doc.stories and output_bytes(doc.text) == reference
    result.status = "unchanged" if unchanged else "cleaned"
    if opts.explain:
        result.explain = explain_lines(doc, pipeline.ruleset)
    if opts.diff and original is not None:
        if reference is not data:  # compared with an existing sibling output: show that difference
            original = reference.decode("utf-8", "replace") if reference is not None else ""
        result.diff = unified_diff(original, doc.text, job.rel)
    return result, doc


def write_outputs(job: Job, doc: Document, result: FileResult, opts: RunOptions) -> None:
    """Main text to the target; the k-th story beside it. In place, the file keeps its mode and a
    symlink's target is rewritten, not the link."""
    if job.target is None or not opts.write:
        return
    target = job.target
    mode = None
    if result.status == "unchanged" and (opts.in_place or opts.against_target):
        return
    if opts.in_place and target.exists():
        target = Path(os.path.realpath(target))
        mode = target.stat().st_mode
    stories = [(story, Path(story_name(str(target), story.metadata.get("story_index", k))))
               for k, story in enumerate(doc.stories, start=2)]
    taken = [p.name for _, p in stories if p.name in job.reserved]
    if taken:  # which of two inputs' outputs won would depend on the order the workers finish
        raise OSError(f"story output {taken[0]} is also the output of another input")
    write_atomic(target, output_bytes(doc.text), mode)
    result.outputs = [str(job.target)]
    written = set(job.reserved)
    for story, spath in stories:
        write_atomic(spath, output_bytes(story.text), mode)
        result.outputs.append(str(spath))
        written.add(spath.name)
    if not opts.in_place:
        _remove_stale_stories(target, written)


def _remove_stale_stories(target: Path, written: set[str]) -> None:
    """A story file left by an earlier run over the same input, that this run did not produce."""
    stem = target.name[:-4]
    try:
        siblings = os.listdir(target.parent)
    except OSError:
        return
    for name in siblings:
        if name.startswith(stem + ".story") and name.endswith(".txt") and name not in written:
            middle = name[len(stem) + 6:-4]
            if middle.isdigit():
                try:
                    os.unlink(target.parent / name)
                except OSError:
                    pass


def process_job(pipeline: Pipeline, job: Job, opts: RunOptions) -> FileResult:
    try:
        result, doc = clean_job(pipeline, job, opts)
        if doc is not None and result.status in ("cleaned", "unchanged"):
            try:
                write_outputs(job, doc, result, opts)
            except OSError as e:
                result.status, result.reason = "error", f"cannot write output: {e.strerror or e}"
    except Exception as e:
        # A failure outside the stages (reading, the report, a diff) is still this file's error: raised
        # in a worker it would end the whole run with a traceback.
        if opts.debug:
            raise
        return FileResult(path=str(job.source), id=job.rel, status="error", reason=f"{type(e).__name__}: {e}")
    return result
