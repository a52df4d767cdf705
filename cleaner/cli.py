"""`cleaner` console script. main(argv) -> exit code: 0 done, 1 a file failed (or check/fix found
changes), 2 bad arguments/config/rules, 130 interrupted. Messages go to stderr; text and diffs to stdout."""
from __future__ import annotations

import argparse
import os
import re
import sys
import zlib
from pathlib import Path
from typing import Sequence

from . import __version__

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
STORY_SEPARATOR = "\f\n"  # between stories on stdout: a form-feed line


_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")


class UsageError(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="cleaner", description="Clean scraped text and HTML into plain UTF-8 text.")
    p.add_argument("--version", action="version", version=f"cleaner {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(sp, stories_default="split"):
        sp.add_argument("--config", metavar="FILE", help="config file (default: nearest cleaner.toml or [tool.cleaner] in pyproject.toml)")
        sp.add_argument("--stories", choices=("split", "keep", "drop"), default=None,
                        help=f"bundled secondary stories: split into <stem>.story<k>.txt, keep in place, or drop (default {stories_default})")
        sp.add_argument("--lang", metavar="CODES", help="keep only documents in these languages, e.g. en,de")
        sp.add_argument("--explain", action="store_true", help="print each removal with its rule id and reason (stderr)")
        sp.add_argument("--debug", action="store_true", help="show tracebacks")
        sp.add_argument("-q", "--quiet", action="store_true", help="no progress bar, no summary")

    c = sub.add_parser("clean", help="clean files or folders into an output tree (or - for stdin to stdout)")
    c.add_argument("sources", nargs="+", metavar="SRC", help="files or folders; - reads stdin and writes stdout")
    where = c.add_mutually_exclusive_group()
    where.add_argument("--out", metavar="DIR", help="output folder (mirrors the input tree)")
    where.add_argument("--in-place", action="store_true", help="rewrite the inputs themselves")
    c.add_argument("--jobs", "-j", type=int, default=None, metavar="N", help="worker processes (default: all cores)")
    c.add_argument("--engine", choices=("local", "ray"), default="local")
    c.add_argument("--address", metavar="ADDR", help="Ray cluster address (with --engine ray)")
    c.add_argument("--report", metavar="FILE.json", help="write a machine-readable report")
    c.add_argument("--diff", action="store_true", help="print a unified diff of each change (stdout)")
    c.add_argument("--format", choices=("text", "jsonl"), default="text",
                   help="text: each file is one document; jsonl: .jsonl/.jsonl.gz records with a text field")
    c.add_argument("--text-field", default="text", metavar="NAME", help="JSONL field holding the text (default text)")
    c.add_argument("--id-field", default="id", metavar="NAME", help="JSONL field naming a record (default id)")
    c.add_argument("--resume", action="store_true",
                   help="skip inputs whose outputs are up to date (same input bytes, config and rules)")
    c.add_argument("--include", action="append", default=[], metavar="GLOB", help="only files matching (repeatable)")
    c.add_argument("--exclude", action="append", default=[], metavar="GLOB", help="skip files matching (repeatable)")
    common(c)

    for name, what in (("check", "report what would change, write nothing; exit 1 if anything would"),
                       ("fix", "rewrite in place the files that change; exit 1 if any changed")):
        h = sub.add_parser(name, help=what)
        h.add_argument("files", nargs="*", metavar="FILE")
        common(h)

    r = sub.add_parser("rules", help="list the rules, or lint a rule file")
    r.add_argument("--lint", metavar="FILE", action="append", help="validate a rule file and its examples")
    r.add_argument("--config", metavar="FILE")
    return p


def _one_line(msg: str) -> str:
    """Messages name files. A name that is not UTF-8 must neither crash the run nor reach a terminal
    as raw bytes; one with a newline or another control character in it (legal on POSIX) must not
    split the message or reach the terminal as a control code."""
    from .io import printable

    return _CONTROLS.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), printable(msg))


def _say(msg: str) -> None:
    print(_one_line(msg), file=sys.stderr)


def _err(msg: str) -> None:
    _say(f"cleaner: {msg}")


def _config(args):
    from .config import Config, load_config

    config = load_config(args.config) if args.config else load_config()
    stories = args.stories or ("split" if args.command == "clean" else "keep")
    if "stories" in config.options and hasattr(config.options["stories"], "mode"):
        config = config.replace_options("stories", mode=stories)
    if args.lang:
        codes = tuple(c.strip() for c in args.lang.split(",") if c.strip())
        config = config.replace_options("language", keep=codes)
        config = config.with_stage("language", True)
    elif args.command in ("check", "fix") and not config.options["language"].keep:
        config = config.with_stage("language", False)  # nothing to decide by language: skip its start-up cost
    return config


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return EXIT_USAGE if e.code not in (0, None) else EXIT_OK
    from .config import ConfigError
    from .rules import RuleError

    try:
        if args.command == "rules":
            return _rules(args)
        config = _config(args)
        if args.command == "clean":
            if args.format == "jsonl":
                return _jsonl(args, config)
            if args.sources == ["-"]:
                return _stdin(args, config)
            return _clean(args, config)
        return _hook(args, config)
    except (ConfigError, RuleError, UsageError) as e:
        _err(f"error: {e}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        _err("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `cleaner clean - < x | head`: the reader is gone, so is the point of going on
        _silence_stdout()
        return EXIT_FAIL


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that writes still buffered (flushed at exit) cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _print_out(text: str) -> None:
    """Diffs to stdout. When the reader goes away (`--diff | head`), the rest of the diffs are
    dropped but the run goes on: the files it writes are what it is for."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()


def _rules(args) -> int:
    from .config import load_config
    from .pipeline import Pipeline
    from .io import printable
    from .rules import lint, load_file

    if args.lint:
        problems = []
        for f in args.lint:
            problems += lint(load_file(Path(f)))
        for p in problems:
            _err(p)  # messages go to stderr, like every other problem report
        if not problems:
            print(f"ok: {printable(', '.join(args.lint))}")
        return EXIT_USAGE if problems else EXIT_OK
    ruleset = Pipeline.from_config(load_config(args.config)).ruleset
    for r in ruleset.rules:
        print(f"{r.id:40} {r.category:12} {r.lang:3} {r.match:6} {r.reason}")
    for m in ruleset.markers:
        print(f"{m.id:40} {m.category:12} {'*':3} {'html':6} {m.reason}")
    return EXIT_OK


def _stdin(args, config) -> int:
    from .document import Document
    from .pipeline import Pipeline, StageError
    from .report import explain_lines
    from .engines.work import unified_diff

    pipeline = Pipeline.from_config(config, keep_input=args.diff)
    data = sys.stdin.buffer.read()
    try:
        doc = pipeline(Document(id="-", raw=data))
    except StageError as e:
        _err(str(e))
        return EXIT_FAIL
    if doc.skipped:
        _err(f"-: skipped ({doc.metadata['skip_reason']})")
        return EXIT_OK
    if args.explain:
        for line in explain_lines(doc, pipeline.ruleset):
            _say(line)
    out = sys.stdout.buffer
    if args.diff:
        out.write(unified_diff(doc.metadata.get("_input_text", ""), doc.text, "-").encode("utf-8"))
    else:
        out.write(doc.text.encode("utf-8"))
        for s in doc.stories:
            out.write(STORY_SEPARATOR.encode() + s.text.encode("utf-8"))
    out.flush()
    return EXIT_OK


def _jsonl(args, config) -> int:
    """--format jsonl: records in, records out (stdin to stdout with -)."""
    from .io import Problem, is_inside, plan, write_atomic  # noqa: F401
    from .jsonl import JsonlStats, clean_records, open_text
    from .pipeline import Pipeline, StageError

    pipeline = Pipeline.from_config(config)
    stats = JsonlStats()
    warn = (lambda m: None) if args.quiet else (lambda m: _err(m))
    kw = dict(text_field=args.text_field, id_field=args.id_field, stats=stats, warn=warn)
    failed = 0
    if args.sources == ["-"]:
        import io as _io

        inp = _io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="surrogateescape", newline="\n")
        sys.stdout.flush()
        out = sys.stdout.buffer  # as bytes: a line passed through keeps bytes that are not UTF-8
        for line in clean_records(inp, pipeline, name="-", jobs=_jobs(args.jobs, 1 << 30), **kw):
            out.write(line.encode("utf-8", "surrogateescape"))
        out.flush()
    else:
        if not args.out and not args.in_place:
            raise UsageError("clean needs --out DIR or --in-place (or - to read stdin)")
        out = Path(args.out) if args.out else None
        if out is not None:
            _check_out(args.sources, out)
        problems: list = []
        files = plan(args.sources, out, problems, args.include or ["*.jsonl", "*.jsonl.gz"], args.exclude)
        for p in problems:
            _err(f"{p.path}: error: {p.reason}")
            failed += 1
        for job in files:
            target = job.source if args.in_place else out / job.rel
            try:
                _jsonl_file(job.source, target, pipeline, args, kw)
            except (OSError, UnicodeError, EOFError, zlib.error, StageError) as e:  # EOFError, zlib.error: a broken .gz
                _err(f"{job.source}: error: {e}")
                failed += 1
    if not args.quiet:
        _err(f"records {stats.records}   cleaned {stats.cleaned}   skipped {sum(stats.skipped.values())}   "
             f"passed through {stats.passed_through}   stories split {stats.stories}")
    return EXIT_FAIL if failed else EXIT_OK


def _jsonl_file(source: Path, target: Path, pipeline, args, kw) -> None:
    import tempfile

    from .jsonl import clean_records, open_text

    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".cleaner-tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp + (".gz" if target.name.endswith(".gz") else ""))
    try:
        with open_text(source, "r") as inp, open_text(tmp_path, "w") as outp:
            for line in clean_records(inp, pipeline, name=str(source), jobs=_jobs(args.jobs, 1 << 30), **kw):
                outp.write(line)
        os.replace(tmp_path, target)
    finally:
        for t in (tmp, str(tmp_path)):
            if os.path.exists(t):
                os.unlink(t)


def _jobs(n: int | None, count: int) -> int:
    if n is not None and n < 1:
        raise UsageError("--jobs must be at least 1")
    return max(1, min(n or os.cpu_count() or 1, count))


def _check_out(sources: list[str], out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} exists and is not a folder")
    from .io import is_inside

    for s in sources:
        p = Path(s)
        if p.is_dir() and is_inside(out, p):
            raise UsageError(f"--out {out} is inside the input folder {s}: outputs would mix with inputs (use another folder, or --in-place)")
        if p.is_file() and out.resolve() == p.resolve():
            raise UsageError(f"--out {out} is an input file")


def _clean(args, config) -> int:
    from .engines.work import RunOptions
    from .io import plan

    if not args.out and not args.in_place:
        raise UsageError("clean needs --out DIR or --in-place (or - to read stdin)")
    if "-" in args.sources:
        raise UsageError("- (stdin) cannot be combined with other sources")
    out = Path(args.out) if args.out else None
    if out is not None:
        _check_out(args.sources, out)
    problems: list = []
    jobs = plan(args.sources, out, problems, args.include, args.exclude)
    if args.in_place:
        if args.resume:
            raise UsageError("--resume needs --out (in place, the inputs are the outputs)")
        jobs = [type(j)(j.source, j.rel, j.source) for j in jobs]
    opts = RunOptions(write=True, in_place=args.in_place, explain=args.explain, diff=args.diff, debug=args.debug)
    manifest = None
    if args.resume:
        from .resume import Manifest

        manifest = Manifest(out, config.fingerprint())
    return _run(args, config, jobs, problems, opts, manifest=manifest)


def _hook(args, config) -> int:
    """check / fix: the pre-commit hooks. Files only (folders are not walked), in place."""
    from .engines.work import RunOptions
    from .io import Job, Problem

    from .io import output_name
    from .stages.decode import HTML_SUFFIXES

    problems, jobs = [], []
    for f in args.files:
        p = Path(f)
        if not p.is_file():
            problems.append(Problem(f, "dangling symlink" if p.is_symlink() else "not a file"))
        elif p.name.lower().removesuffix(".gz").endswith(HTML_SUFFIXES):
            # An HTML file is a source, never rewritten: its clean text lives beside it as <stem>.txt.
            jobs.append(Job(p, f, p.parent / output_name(p.name)))
        else:
            jobs.append(Job(p, f, p))
    fix = args.command == "fix"
    opts = RunOptions(write=fix, in_place=True, explain=args.explain, diff=not fix, debug=args.debug,
                      against_target=True)
    return _run(args, config, jobs, problems, opts, hook=args.command)


def _run(args, config, jobs, problems, opts, hook: str | None = None, manifest=None) -> int:
    from .report import FileResult, Summary, write_report

    summary = Summary()
    results = []
    for p in problems:
        _err(f"{p.path}: error: {p.reason}")
        summary.errors += 1
        summary.files += 1
    progress = None
    if not args.quiet and sys.stderr.isatty() and len(jobs) > 1 and hook is None:
        from tqdm import tqdm

        progress = tqdm(total=len(jobs), unit="file", file=sys.stderr, dynamic_ncols=True)
    changed = 0

    def on_result(r) -> None:
        nonlocal changed
        results.append(r)
        if manifest is not None and r.status in ("cleaned", "unchanged"):
            manifest.record(r.id, r.sha256, r.outputs, r.status)
        summary.add(r)
        if progress:
            progress.update(1)
        say = (lambda m: progress.write(_one_line(m))) if progress else _say
        if r.status == "error":
            say(f"cleaner: {r.path}: error: {r.reason}")
        elif r.status == "skipped":
            say(f"cleaner: {r.path}: skipped ({r.reason})")
        for line in r.explain:
            say(line)
        if hook and r.status == "cleaned":
            changed += 1
            if hook == "fix":
                _say(f"Fixing {r.path}")
            else:
                rules = ", ".join(f"{k} ×{v}" if v > 1 else k for k, v in r.rules.items()
                                  if not k.startswith(("normalize.", "language.")))
                _say(f"{r.path}: would change" + (f" ({rules})" if rules else ""))
        if r.diff:
            _print_out(r.diff)

    if manifest is not None:
        todo = []
        for j in jobs:
            if manifest.is_current(j.rel, j.source):
                results.append(FileResult(path=str(j.source), id=j.rel, status="current",
                                          outputs=manifest.entries[j.rel].get("outputs", [])))
                summary.add(results[-1])
                if progress:
                    progress.update(1)
            else:
                todo.append(j)
        jobs = todo
    workers = _jobs(getattr(args, "jobs", None), len(jobs))
    try:
        _engine(args, config, jobs, opts, workers, on_result)
    except KeyboardInterrupt:
        summary.interrupted = True
    finally:
        if progress:
            progress.close()
        if manifest is not None:
            manifest.close()
        _finish_outputs(jobs, opts)
    if not args.quiet and hook is None:
        print(summary.table(), file=sys.stderr)
    if getattr(args, "report", None):
        write_report(Path(args.report), summary, results,
                     {"cleaner": __version__, "config": config.source or "defaults",
                      "config_fingerprint": config.fingerprint()})
    if summary.interrupted:
        return EXIT_INTERRUPTED
    if summary.errors or (hook and changed):
        return EXIT_FAIL
    return EXIT_OK


def _engine(args, config, jobs, opts, workers, on_result) -> None:
    if getattr(args, "engine", "local") == "ray":
        try:
            from .engines import ray as ray_engine
        except ImportError as e:
            raise UsageError(f"the ray engine needs Ray: pip install 'cleaner[ray]' ({e})") from None
        # On a cluster (--address) without --jobs, one actor per CPU of the cluster, not of this machine.
        actors = None if (args.address and getattr(args, "jobs", None) is None) else workers
        try:
            ray_engine.run_jobs(config, jobs, opts, actors, on_result, address=args.address)
        except ray_engine.RayEngineError as e:
            raise UsageError(str(e)) from None
        return
    from .engines.local import run_jobs

    run_jobs(config, jobs, opts, workers, on_result)


def _finish_outputs(jobs, opts) -> None:
    if opts.write and not opts.in_place:
        from .io import sweep_stale_temps

        # (the engine has returned or raised: no write of this process is in flight any more)
        sweep_stale_temps((j.target.parent for j in jobs if j.target is not None), finished=True)


if __name__ == "__main__":
    sys.exit(main())
