"""A bounded memo for pure per-line work that repeats across documents in one process."""
from __future__ import annotations

from itertools import islice


class Memo(dict):
    """A dict that forgets its oldest half when it grows past `limit` entries: what a stage
    remembers across documents stays bounded, so memory is flat however large the corpus is.
    Only for values that are a pure function of the key (output must not depend on the memo)."""

    def __init__(self, limit: int):
        super().__init__()
        self.limit = limit

    def __setitem__(self, key, value) -> None:
        if len(self) >= self.limit:
            for old in list(islice(iter(self), len(self) // 2 + 1)):
                del self[old]
        super().__setitem__(key, value)
