"""language: identify the language with langdetect on a bounded, deterministic sample.

The detector factory is private to the stage (seed 0), never langdetect's module-global one, so a
result cannot depend on which documents were detected before it in the same process. Detection runs
through cleaner.langfast, which reproduces langdetect's probabilities exactly at a fraction of the
cost; langdetect's own Detector is the fallback when langfast cannot vouch for its result.
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
    lines = text.split("\n")
    # at least 6 words (split(None, 5) stops counting there); the generator stops at `limit`
    out = _take((ln for ln in lines if len(ln.split(None, 5)) >= 6), limit)
    return "\n".join(out or _take((ln for ln in lines if ln.strip()), limit))


def _take(lines, limit: int) -> list[str]:
    out, size = [], 0
    for ln in lines:
        if size >= limit:
            break
        out.append(ln[: limit - size])
        size += len(out[-1]) + 1
    return out


_NOT_ASCII_LETTERS = bytes(c for c in range(128) if not chr(c).isalpha())


def _letters(s: str) -> int:
    """How many characters of `s` are letters (str.isalpha); ASCII text is counted as bytes."""
    if s.isascii():
        return len(s.encode("ascii").translate(None, _NOT_ASCII_LETTERS))
    return sum(map(str.isalpha, s))


class Stage:
    name = "language"

    def __init__(self, options: Options, ruleset=None):
        self.options = options
        self._factory = None
        self._fast = None  # langfast.FastDetector, or None to use langdetect's Detector

    def warm(self) -> None:
        if self._factory is None:
            from langdetect.detector_factory import PROFILES_DIRECTORY

            from .. import langfast

            factory = langfast.load_factory(PROFILES_DIRECTORY)
            factory.set_seed(0)

            self._fast = langfast.build(factory, self.options.trials)
            self._factory = factory

    def detect(self, text: str) -> tuple[str, float]:
        s = sample(text, self.options.sample_chars)
        if _letters(s) < self.options.min_chars:
            return "und", 0.0
        from langdetect.lang_detect_exception import LangDetectException

        self.warm()
        try:
            if self._fast is not None:
                probs = self._fast.probabilities(s, self.options.trials)
            else:
                from .. import langfast

                probs = [(x.lang, x.prob) for x in
                         langfast.detector(self._factory, s, self.options.trials).get_probabilities()]
        except LangDetectException:
            return "und", 0.0
        if not probs:
            return "und", 0.0
        lang, prob = probs[0]
        return lang, round(prob, 4)

    def __call__(self, doc: Document) -> Document:
        lang, score = self.detect(doc.text)
        doc.metadata["language"] = lang
        doc.metadata["language_score"] = score
        keep = self.options.keep
        if keep and lang.split("-")[0] not in keep and lang not in keep and doc.text:
            doc.metadata["skip_reason"] = f"language:{lang}"
            doc.edits.append(Edit(self.name, "language.filter", "annotate", before="", after=lang))
        return doc
