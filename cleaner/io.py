"""Finding inputs, naming outputs, reading with a size cap, atomic writes."""
from __future__ import annotations

import os
import re
import stat
import tempfile
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path
from typing import Iterable, Iterator

TMP_SUFFIX = ".cleaner-tmp"
SKIP_DIRS = {".git", ".hg", ".svn", "__pycache__", ".mypy_cache", ".pytest_cache", ".tox", ".venv"}


class InputError(Exception):
    """An input path that cannot be used (missing, dangling link, ...); names the path."""


@dataclass(frozen=True)
class Job:
    source: Path  # the input file as given/found
    rel: str  # path relative to its SRC root, with "/" separators: the document id
    target: Path | None  # main output file (None: stdout or check-only)
    # Names beside `target` that look like its story files but are other inputs' outputs
    # (cleaning a cleaned folder: `b.story2.txt` is an input too): never removed or overwritten.
    reserved: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Problem:
    path: str
    reason: str


def printable(text: str) -> str:
    """`text` with any lone surrogate spelled as a backslash escape, so it can go to a strict UTF-8
    stream or a JSON report. On POSIX a file name that is not UTF-8 reaches us with its bad bytes as
    surrogate escapes (b"caf\\xe9" is "caf\\udce9"); they are shown as the bytes they stand for ("caf\\xe9")."""
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that stands for no byte (from JSON "\\ud800", UTF-7...)
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return raw.decode("utf-8", "backslashreplace")


def output_name(rel: str) -> str:
    """`a/b.html` -> `a/b.txt`, `a/b.html.gz` -> `a/b.txt`, `a/b` -> `a/b.txt`, `x.naive.txt` unchanged."""
    head, _, name = rel.rpartition("/")
    if name.lower().endswith(".gz"):
        name = name[:-3]
    stem, dot, _ = name.rpartition(".")
    base = stem if dot and stem else name
    return (head + "/" if head else "") + base + ".txt"


def story_name(main_output: str, k: int) -> str:
    """The k-th bundled story of `a/b.txt` is `a/b.story<k>.txt`."""
    return f"{main_output[:-4]}.story{k}.txt"


def _included(rel: str, include: tuple[str, ...], exclude: tuple[str, ...]) -> bool:
    name = rel.rsplit("/", 1)[-1]
    if include and not any(fnmatch(rel, g) or fnmatch(name, g) for g in include):
        return False
    return not any(fnmatch(rel, g) or fnmatch(name, g) for g in exclude)


def walk(root: Path, problems: list[Problem], include: tuple[str, ...] = (), exclude: tuple[str, ...] = ()) -> Iterator[tuple[Path, str]]:
    """Files under `root` (sorted, so runs are reproducible), following symlinks but never into a
    directory already visited (loops and links back up the tree are walked once). Hidden entries and
    VCS folders are skipped. Dangling links are reported, not raised."""
    seen: set[tuple[int, int]] = set()

    def visit(folder: Path, prefix: str) -> Iterator[tuple[Path, str]]:
        try:
            st = folder.stat()
        except OSError as e:
            problems.append(Problem(str(folder), f"cannot read folder: {e.strerror}"))
            return
        key = (st.st_dev, st.st_ino)
        if key in seen:
            return
        seen.add(key)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as e:
            problems.append(Problem(str(folder), f"cannot list folder: {e.strerror}"))
            return
        for entry in entries:
            if entry.name.startswith(".") or entry.name in SKIP_DIRS:
                continue
            path = Path(entry.path)
            rel = prefix + entry.name
            try:
                is_dir = entry.is_dir()  # follows symlinks
                is_file = entry.is_file()
            except OSError as e:
                problems.append(Problem(str(path), f"cannot stat: {e.strerror}"))
                continue
            if is_dir:
                yield from visit(path, rel + "/")
            elif is_file:
                if _included(rel, include, exclude):
                    yield path, rel
            elif entry.is_symlink():
                problems.append(Problem(str(path), "dangling symlink"))

    yield from visit(root, "")


def plan(sources: Iterable[str], out: Path | None, problems: list[Problem], include=(), exclude=()) -> list[Job]:
    """Jobs for the given SRC paths. Each folder's tree is mirrored under `out`; a single file goes
    to `out/<name>.txt`. Two inputs that would share an output keep their full name plus `.txt`.

    Nothing is dropped silently and the result does not depend on the order of `sources`: the same
    file given twice is cleaned once; two different files that still claim one output name (`a/x.txt`
    and `b/x.txt` given as two SRC folders) are both reported, and neither is written; an output
    that would overwrite an input file is reported, never written."""
    jobs: list[tuple[Path, str, str]] = []
    for src in sources:
        p = Path(src)
        if p.is_dir():
            for path, rel in walk(p, problems, tuple(include), tuple(exclude)):
                jobs.append((path, rel, rel))
        elif p.is_file():
            jobs.append((p, p.name, p.name))
        elif p.is_symlink() and not p.exists():
            problems.append(Problem(src, "dangling symlink"))
        elif p.exists():  # a FIFO, socket or device: reading it could block forever
            problems.append(Problem(src, "not a regular file"))
        else:
            problems.append(Problem(src, "no such file or folder"))
    jobs = _unique(jobs)
    names: dict[str, int] = {}
    for _, _, rel in jobs:
        names[output_name(rel)] = names.get(output_name(rel), 0) + 1
    claims: dict[str, list[tuple[Path, str]]] = {}
    for path, rel, _ in jobs:
        name = output_name(rel)
        if names[name] > 1 and not rel.endswith(".txt"):
            name = rel + ".txt"
        claims.setdefault(name, []).append((path, rel))
    inputs = {_real(path) for path, _, _ in jobs}
    # An output that would have to be a folder for another one ("x.txt" from x.html, and
    # "x.txt/inner.txt" from a folder named x.txt): whichever is written second would fail.
    folders = {name.rsplit("/", 1)[0] for name in claims if "/" in name}
    folders |= {f.rsplit("/", k)[0] for f in list(folders) for k in range(1, f.count("/") + 1)}
    result = []
    for name, owners in claims.items():
        if name in folders:
            for path, _ in owners:
                problems.append(Problem(str(path), f"output {name} would also have to be a folder for other "
                                                   "outputs: not written; clean it into a separate --out folder"))
            continue
        if len(owners) > 1:
            others = ", ".join(str(p) for p, _ in owners)
            for path, _ in owners:
                problems.append(Problem(str(path), f"output name {name} is claimed by several inputs ({others}): "
                                                   "not written; clean them into separate --out folders"))
            continue
        path, rel = owners[0]
        target = (out / name) if out is not None else None
        if target is not None and _real(target) in inputs:
            problems.append(Problem(str(path), f"output {target} would overwrite an input file: not written "
                                               "(use another --out folder, or --in-place)"))
            continue
        result.append(Job(path, rel, target))
    order = {path: i for i, (path, _, _) in enumerate(jobs)}
    result.sort(key=lambda j: order[j.source])
    return _reserve_story_names(result)


_STORY_RE = re.compile(r"^(?P<stem>.+)\.story\d+\.txt$")


def _reserve_story_names(jobs: list[Job]) -> list[Job]:
    by_stem: dict[tuple[Path, str], set[str]] = {}
    for j in jobs:
        m = _STORY_RE.match(j.target.name) if j.target is not None else None
        if m:
            by_stem.setdefault((j.target.parent, m["stem"]), set()).add(j.target.name)
    if not by_stem:
        return jobs
    out = []
    for j in jobs:
        names = by_stem.get((j.target.parent, j.target.name[:-4])) if j.target is not None else None
        out.append(Job(j.source, j.rel, j.target, frozenset(names)) if names else j)
    return out


def _real(path: Path) -> str:
    return os.path.realpath(path)


def _unique(jobs: list[tuple[Path, str, str]]) -> list[tuple[Path, str, str]]:
    """Drop repeats of one file reached under the same relative name (a SRC given twice, or a file
    and its folder both given)."""
    seen: set[tuple[str, str]] = set()
    out = []
    for path, rel, name in jobs:
        key = (_real(path), output_name(rel))
        if key not in seen:
            seen.add(key)
            out.append((path, rel, name))
    return out


def read_capped(path: Path, limit: int) -> bytes | None:
    """The file's bytes, or None when it is larger than `limit` (never read whole into memory)."""
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size > limit:  # known too large: not even the first `limit` bytes are read
            return None
        data = f.read(limit + 1)  # the size of pipes and /proc files is not known: read at most limit+1
    return None if len(data) > limit else data


def write_atomic(target: Path, data: bytes, mode: int | None = None) -> None:
    """Write to a temporary file beside `target`, then rename it into place: a reader (or a run
    killed at any moment) sees the old file or the new one, never a part of one."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=TMP_SUFFIX, dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(tmp, stat.S_IMODE(mode))
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


_TMP_RE = re.compile(r"^\..+\.(\d+)\.[^.]+" + re.escape(TMP_SUFFIX) + "$")


def sweep_stale_temps(folders: Iterable[Path], finished: bool = False) -> int:
    """Remove temporary files left by a killed run (their writer process is gone). `finished`: this
    process has no write in flight either (its run is over), so its own leftovers go too -- a Ctrl-C
    that lands between a temporary file's creation and the cleanup that guards it leaves one."""
    removed = 0
    me = os.getpid()
    for folder in set(folders):
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for e in entries:
            m = _TMP_RE.match(e.name)
            if not m:
                continue
            pid = int(m.group(1))
            if not (finished and pid == me) and _alive(pid):
                continue
            try:
                os.unlink(e.path)
                removed += 1
            except OSError:
                pass
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """A process that has died but is not reaped yet (a killed run's pool worker, orphaned, waits for
    init to reap it): signal 0 still reaches it, but it will never finish its temporary file."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return False  # no /proc (not Linux), or gone meanwhile: as signal 0 said
    end = stat.rfind(b")")  # the state follows the command name, which may hold spaces and parentheses
    return stat[end + 2:end + 3] == b"Z"


def is_inside(child: Path, parent: Path) -> bool:
    c, p = child.resolve(), parent.resolve()
    return c == p or p in c.parents
