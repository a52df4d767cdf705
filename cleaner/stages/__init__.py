"""The table of stages, in their fixed default order.

Stage modules import their heavy libraries lazily (inside the stage), so reading this table and
validating a config costs nothing at start-up.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class StageSpec:
    name: str
    module: str
    summary: str

    def load(self):
        """The stage module: it defines `Options` (a dataclass) and `Stage(options, ruleset)`."""
        return importlib.import_module(self.module)


STAGES: dict[str, StageSpec] = {s.name: s for s in (
    StageSpec("decode", "cleaner.stages.decode", "bytes to text: BOM, UTF-8, UTF-16, legacy charsets; binary skipped"),
    StageSpec("html", "cleaner.stages.html", "HTML to one line per block, dropping non-content elements"),
    StageSpec("encoding", "cleaner.stages.encoding", "ftfy repair, garbage-glyph lines, truncated mojibake"),
    StageSpec("normalize", "cleaner.stages.normalize", "NFC, LF, no control characters, tidy whitespace"),
    StageSpec("boilerplate", "cleaner.stages.boilerplate", "rules, block heuristics, repeated lines, line model"),
    StageSpec("stories", "cleaner.stages.stories", "split bundled secondary stories"),
    StageSpec("language", "cleaner.stages.language", "langdetect (seeded) on a bounded sample; --lang filter"),
)}
ORDER: tuple[str, ...] = tuple(STAGES)
