"""language: identify the language with langdetect on a bounded, deterministic sample.

The detector factory is private to the stage (seed 0), never langdetect's module-global one, so a
result cannot depend on which documents were detected before it in the same process.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..document import Document, Edit


@dataclass(frozen=True)
class Options:
    keep: tuple[str, ...] = ()  # language codes to keep (e.g. ["en", "de"]); empty keeps all
    # Detection cost grows with the sample and with langdetect's number of random trials. 600
    # characters and 3 trials gave the same language as 1200 and 7 on every one of 393 dev-set
    # texts, at less than half the cost (benchmarks/throughput.py --profile).
    sample_chars: int = 600  # detection reads at most this much text
    trials: int = 3  # langdetect's random trials (its default is 7); seeded, so still deterministic
    min_chars: int = 20  # below this many letters the language is "und" (undetermined)

    def validate(self) -> str | None:
        if self.sample_chars < 100:
            return "sample_chars must be at least 100"
        if not 1 <= self.trials <= 20:
            return "trials must be between 1 and 20"
        bad = [c for c in self.keep if not c or not c.replace("-", "").isalpha()]
        return f"keep has invalid language code(s): {bad}" if bad else None


def sample(text: str, limit: int) -> str:
    """Prose lines first (they carry the language), in document order, up to `limit` characters."""
    lines = [ln for ln in text.split("\n") if ln.strip()]
    prose = [ln for ln in lines if len(ln.split()) >= 6] or lines
    out, size = [], 0
    for ln in prose:
        if size >= limit:
            break
        out.append(ln[: limit - size])
        size += len(out[-1]) + 1
    return "\n".join(out)


class Stage:
    name = "language"

    def __init__(self, options: Options, ruleset=None):
        self.options = options
        self._factory = None

    def warm(self) -> None:
        if self._factory is None:
            from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

            factory = DetectorFactory()
            factory.load_profile(PROFILES_DIRECTORY)
            factory.set_seed(0)
            self._factory = factory

    def _detector(self, text: str):
        self.warm()
        det = self._factory.create()
        det.n_trial = self.options.trials
        det.append(text)
        return det

    def detect(self, text: str) -> tuple[str, float]:
        s = sample(text, self.options.sample_chars)
        if sum(ch.isalpha() for ch in s) < self.options.min_chars:
            return "und", 0.0
        from langdetect.lang_detect_exception import LangDetectException

        try:
            probs = self._detector(s).get_probabilities()
        except LangDetectException:
            return "und", 0.0
        if not probs:
            return "und", 0.0
        best = probs[0]
        return best.lang, round(best.prob, 4)

    def __call__(self, doc: Document) -> Document:
        lang, score = self.detect(doc.text)
        doc.metadata["language"] = lang
        doc.metadata["language_score"] = score
        keep = self.options.keep
        if keep and lang.split("-")[0] not in keep and lang not in keep and doc.text:
            doc.metadata["skip_reason"] = f"language:{lang}"
            doc.edits.append(Edit(self.name, "language.filter", "annotate", before="", after=lang))
        return doc
