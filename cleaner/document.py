"""The two records that flow through cleaner: a Document and the Edits made to it."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Edit:
    stage: str  # "boilerplate"
    rule: str  # stable id, e.g. "en.cookie.notice", or an ftfy fixer name
    action: str  # "remove" | "replace" | "split" | "annotate"
    before: str = ""  # the text removed or replaced
    after: str = ""
    line: int | None = None  # 1-based line number in the text the stage received
    score: float | None = None  # confidence, for learned decisions (model.line)


@dataclass(slots=True)
class Document:
    id: str  # relative source path ("-" for stdin)
    text: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    edits: list[Edit] = field(default_factory=list)
    stories: list["Document"] = field(default_factory=list)
    raw: bytes | None = None  # undecoded input; the decode stage consumes it

    @property
    def skipped(self) -> bool:
        return bool(self.metadata.get("skip_reason"))
