"""--resume: a manifest beside the outputs remembers, per input, the hash of its bytes and the
fingerprint of the config and rules that cleaned it. A later run skips inputs whose entry still
matches and whose outputs exist, so a killed run over a big corpus picks up where it stopped.

The manifest is append-only JSON lines, flushed after each file's outputs are in place: a run killed
at any moment loses at most the line being written (an unparsable last line is ignored)."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

MANIFEST = ".cleaner-manifest.jsonl"


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Manifest:
    def __init__(self, out: Path, fingerprint: str):
        self.path = Path(out) / MANIFEST
        self.fingerprint = fingerprint
        self.entries: dict[str, dict] = {}
        if self.path.is_file():
            with open(self.path, encoding="utf-8", errors="replace") as f:
                for line in f:
                    try:
                        e = json.loads(line)
                        self.entries[e["id"]] = e
                    except (json.JSONDecodeError, KeyError, TypeError):
                        continue
        self._out = None

    def is_current(self, rel: str, source: Path) -> bool:
        e = self.entries.get(rel)
        if not e or e.get("fingerprint") != self.fingerprint:
            return False
        if not all(Path(p).exists() for p in e.get("outputs", [])):
            return False
        try:
            return e.get("sha256") == file_hash(source.read_bytes())
        except OSError:
            return False

    def record(self, rel: str, sha256: str, outputs: list[str], status: str) -> None:
        if self._out is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._out = open(self.path, "a", encoding="utf-8")
        self._out.write(json.dumps({"id": rel, "sha256": sha256, "fingerprint": self.fingerprint,
                                    "outputs": outputs, "status": status}) + "\n")
        self._out.flush()

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None
