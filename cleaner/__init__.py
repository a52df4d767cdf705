"""cleaner: turn dirty scraped text or HTML into clean UTF-8 plain text, with every removal logged.

>>> import cleaner
>>> doc = cleaner.clean("We use cookies to improve your experience.\\n\\nThe river rose two metres overnight, and the town council opened the school gym as a shelter.\\n")
>>> doc.text
'The river rose two metres overnight, and the town council opened the school gym as a shelter.\\n'
>>> [(e.stage, e.rule) for e in doc.edits if e.action == "remove"]
[('boilerplate', 'en.cookie.notice')]
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from .config import Config, ConfigError, load_config
from .document import Document, Edit
from .pipeline import Pipeline, Stage, StageError

__version__ = "0.1.0"
__all__ = ["clean", "clean_text", "clean_file", "Pipeline", "Document", "Edit", "Stage", "StageError",
           "Config", "ConfigError", "load_config", "__version__"]


@lru_cache(maxsize=1)
def _default_pipeline() -> Pipeline:
    # Stages are pure, so sharing the default pipeline cannot make one input's output depend on another's.
    return Pipeline.from_config(Config())


def _pipeline(config: Config | None) -> Pipeline:
    return _default_pipeline() if config is None else Pipeline.from_config(config)


def clean(data: str | bytes, config: Config | None = None, *, doc_id: str = "-") -> Document:
    """Clean one text (str) or file content (bytes, any encoding; HTML is recognised by content).
    Returns the Document: `.text`, `.edits` (every change, with its rule id), `.metadata`, `.stories`."""
    from .pipeline import as_document

    return _pipeline(config)(as_document(data, doc_id))


def clean_text(text: str, config: Config | None = None) -> str:
    """The cleaned main text of `text` (str -> str)."""
    return clean(text, config).text


def clean_file(path: str | Path, config: Config | None = None) -> Document:
    """Clean one file; its name decides HTML vs text when its content does not."""
    p = Path(path)
    return clean(p.read_bytes(), config, doc_id=p.name)
