"""The Stage protocol and the Pipeline that runs stages over documents."""
from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Iterable, Iterator, Protocol, runtime_checkable

from .document import Document

if TYPE_CHECKING:
    from .config import Config
    from .rules import RuleSet


_SOURCE_STAGES = ("decode", "html")  # stages that turn the input into text, before any cleaning


@runtime_checkable
class Stage(Protocol):
    name: str

    def __call__(self, doc: Document) -> Document: ...


class StageError(Exception):
    """A stage failed on a document: names both, keeps the cause."""

    def __init__(self, stage: str, doc_id: str, cause: BaseException | str):
        self.stage, self.doc_id, self.cause = stage, doc_id, cause
        detail = cause if isinstance(cause, str) else f"{type(cause).__name__}: {cause}"
        super().__init__(f"{doc_id}: stage '{stage}' failed: {detail}")


class Pipeline:
    """A chain of stages; itself a Stage. Stories split off a document pass through the stages that
    come after the split."""

    name = "pipeline"

    def __init__(self, stages: Iterable[Stage], config: "Config | None" = None, ruleset: "RuleSet | None" = None,
                 *, keep_input: bool = False):
        self.stages = list(stages)
        for stage in self.stages:  # a stage that re-runs another (stories re-cleans parts) gets the chain
            if callable(getattr(stage, "bind", None)):
                stage.bind(self.stages)
        self.config = config
        self.ruleset = ruleset
        # keep_input: remember the text as the text stages first see it (decoded, HTML already
        # flattened) in metadata["_input_text"], for --diff.
        self.keep_input = keep_input

    @classmethod
    def from_config(cls, config: "Config | None" = None, *, keep_input: bool = False) -> "Pipeline":
        from .config import Config
        from .rules import load_rules
        from .stages import STAGES

        config = config or Config()
        ruleset = load_rules(config.rule_files, config.disable_rules)
        stages = [STAGES[name].load().Stage(config.options[name], ruleset) for name in config.enabled]
        return cls(stages, config, ruleset, keep_input=keep_input)

    def warm(self) -> "Pipeline":
        """Load now what the stages load on first use (the line model, language profiles): before a
        pool forks, so that its workers share one copy instead of each loading its own."""
        for stage in self.stages:
            if callable(getattr(stage, "warm", None)):
                stage.warm()
        return self

    def __call__(self, doc: Document) -> Document:
        for stage in self.stages:
            if doc.skipped:
                break
            if self.keep_input and stage.name not in _SOURCE_STAGES and "_input_text" not in doc.metadata:
                doc.metadata["_input_text"] = doc.text
            doc = self._run(stage, doc)
            doc.stories = [self._run(stage, s) for s in doc.stories] if stage.name != "stories" else doc.stories
        return doc

    @staticmethod
    def _run(stage: Stage, doc: Document) -> Document:
        try:
            out = stage(doc)
        except StageError:
            raise
        except Exception as e:  # any failure inside a stage becomes an error naming stage and document
            raise StageError(stage.name, doc.id, e) from e
        if not isinstance(out, Document):
            raise StageError(stage.name, doc.id, f"returned {type(out).__name__}, not a Document")
        return out

    def clean_many(self, items: Iterable[Document | str | bytes], jobs: int = 1) -> Iterator[Document]:
        """Clean many documents, yielding results in input order. With jobs > 1 the work runs in a
        process pool (each worker builds this pipeline once from its config)."""
        docs = (as_document(x, f"#{i}") for i, x in enumerate(items))
        if jobs <= 1:
            yield from (self(d) for d in docs)
            return
        from .engines.local import map_documents
        yield from map_documents(self.config, docs, jobs)


def as_document(x: Document | str | bytes, doc_id: str = "-") -> Document:
    if isinstance(x, Document):
        return x
    if isinstance(x, (bytes, bytearray, memoryview)):
        return Document(id=doc_id, raw=bytes(x))
    if isinstance(x, str):
        return Document(id=doc_id, text=x)
    raise TypeError(f"cannot clean a {type(x).__name__}: give str, bytes or Document")


def edit_counts(doc: Document) -> Counter:
    """Edits per (stage, rule), stories included."""
    c = Counter((e.stage, e.rule) for e in doc.edits)
    for s in doc.stories:
        c.update(edit_counts(s))
    return c
