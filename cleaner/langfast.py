"""langdetect, faster: the same algorithm, profiles and random draws, so the same probabilities.

langdetect's Detector spends its time in per-character Python calls (NGram.add_char, normalize) and
in a Python loop over its ~55 languages for every sampled n-gram. `FastDetector` computes what
`Detector.get_probabilities()` computes, float for float, with
- the character normalisation memoised per code point (str.translate over a table filled on use),
- the n-grams memoised per token and per 3-character window (NGram restarts at every space),
- numpy for the per-language update, an elementwise product rounded exactly as Detector's loop;
  the operations whose rounding depends on their order stay in Python (see _trial).
The memo tables hold pure functions of static data, so they cannot make one text's result depend
on another's; each is bounded.

Profiles, constants, regexes and the normalisers come from langdetect itself. `build(factory)`
compares the result with langdetect's own Detector on a few probe texts and returns None when
anything differs or is missing (another langdetect version): the caller then uses langdetect.
"""
from __future__ import annotations

import random
import re
from collections.abc import Mapping
from itertools import chain

import numpy as np
from langdetect.detector import Detector
from langdetect.lang_detect_exception import ErrorCode, LangDetectException
from langdetect.utils.ngram import NGram

_SPACES = re.compile(" {2,}")
# Detector.cleaning_text counts as non-Latin `ch >= U+0300 and unicode_block(ch) != 'Latin Extended
# Additional'`; unicode_block returns a block number, never that name, so in langdetect 1.0.9 every
# character from U+0300 up counts. (A probe text in build() notices if that is ever fixed.)
_NON_LATIN = re.compile("[^\x00-\u02ff]")
_DROP_A_TO_z = dict.fromkeys(range(ord("A"), ord("z") + 1))  # langdetect's 'A' <= ch <= 'z'


class _Unsupported(Exception):
    """The text needs something this module does not reproduce; langdetect handles it."""


class _Memo(dict):
    """A bounded memo of `compute`, filled on first use. When full it keeps what it has (frequent
    keys come early) and computes the rest each time."""

    SIZE = 50_000

    def __missing__(self, key):
        value = self.compute(key)
        if len(self) < self.SIZE:
            self[key] = value
        return value


class _Normalized(_Memo):
    """code point -> NGram.normalize(character); str.translate looks the code points up here."""

    def compute(self, code: int) -> str:
        ch = NGram.normalize(chr(code))
        if len(ch) != 1:  # the n-gram code relies on it (true of every code point in 1.0.9)
            raise _Unsupported(f"NGram.normalize(U+{code:04X}) is not one character")
        return ch


class _WindowGrams(_Memo):
    """3 normalised characters a, b, c -> the n-grams NGram yields when it reads c after a and b.

    NGram keeps the last three characters and yields c, b+c and a+b+c, except that a 3-gram never
    has a space in its middle (NGram restarts after a space), a space after a space yields nothing,
    and so does an upper-case letter after an upper-case letter (an acronym, a capital word).
    Only n-grams in the profiles are kept.
    """

    def __init__(self, words):
        super().__init__()
        self.words = words

    def compute(self, window: str) -> tuple[str, ...]:
        a, b, c = window
        if (c == " " and b == " ") or (c.isupper() and b.isupper()):
            return ()
        grams = (c, b + c, window) if b != " " else (c, b + c)
        return tuple(g for g in grams if g != " " and g in self.words)


class _TokenGrams(_Memo):
    """A normalised token (+ " " if a space follows it) -> its n-grams when read after a space.

    NGram restarts at every space, so a token's n-grams do not depend on what came before it.
    """

    def __init__(self, windows: _WindowGrams):
        super().__init__()
        self.windows = windows

    def compute(self, token: str) -> list[str]:
        t, windows, out = "  " + token, self.windows, []
        for k in range(len(token)):
            out += windows[t[k : k + 3]]
        return out


class _Vectors(_Memo):
    """n-gram -> its row of per-language probabilities as a float64 array."""

    SIZE = 20_000  # ~550 bytes each

    def __init__(self, words):
        super().__init__()
        self.words = words

    def compute(self, gram: str) -> np.ndarray:
        if isinstance(self.words, _ProbMap):
            return self.words.vector(gram)
        return np.array(self.words[gram], dtype=np.float64)


class _Factors(_Memo):
    """n-gram -> weight + its row: what a trial with this weight multiplies the probabilities by."""

    SIZE = 20_000

    def __init__(self, vectors: _Vectors, weight: float):
        super().__init__()
        self.vectors, self.weight = vectors, weight

    def compute(self, gram: str) -> np.ndarray:
        return self.vectors[gram] + self.weight  # elementwise, as Detector's `weight + p`


class _ProbMap(Mapping):
    """langdetect's word_lang_prob_map (n-gram -> per-language probabilities) stored sparse (most
    n-grams occur in a few languages): the same lookups and values, without a Python list per
    n-gram to build at start-up, in about a tenth of the memory."""

    def __init__(self, rows: dict[str, int], starts: np.ndarray, langs: np.ndarray, probs: np.ndarray, width: int):
        self.rows, self.starts, self.langs, self.probs, self.width = rows, starts, langs, probs, width

    def vector(self, gram: str) -> np.ndarray:
        r = self.rows[gram]
        a, b = self.starts[r], self.starts[r + 1]
        out = np.zeros(self.width)
        out[self.langs[a:b]] = self.probs[a:b]
        return out

    def __getitem__(self, gram: str) -> list[float]:
        return self.vector(gram).tolist()

    def __contains__(self, gram) -> bool:
        return gram in self.rows

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


def load_factory(directory: str):
    """A DetectorFactory holding langdetect's profiles from `directory`, as its load_profile() loads
    them (same languages in the same order, the same probability for every n-gram and language,
    each computed by the same division) but with the per-n-gram work done by numpy: a third of the
    time. Falls back to load_profile() for anything it does not expect."""
    import json
    import os

    from langdetect.detector_factory import DetectorFactory

    factory = DetectorFactory()
    try:
        profiles = []
        for name in os.listdir(directory):  # load_profile's order: languages are indexed by it
            path = os.path.join(directory, name)
            if name.startswith(".") or not os.path.isfile(path):
                continue
            with open(path, encoding="utf-8") as f:
                profiles.append(json.load(f))
        langs = [d["name"] for d in profiles]
        if len(set(langs)) != len(langs) or not langs:
            raise _Unsupported("duplicate or missing languages")
        rows = dict.fromkeys(chain.from_iterable(d["freq"] for d in profiles))  # every n-gram, once
        rows = dict(zip(rows, range(len(rows))))
        parts = []  # (row, language, probability) of each profile's entries
        for index, d in enumerate(profiles):
            freq, n = d["freq"], len(d["freq"])
            lengths = np.fromiter(map(len, freq), dtype=np.intp, count=n)
            use = (lengths >= 1) & (lengths <= 3)  # longer n-grams stay at 0.0, as in add_profile
            totals = np.array([0.0, *map(float, d["n_words"][:3])])[np.where(use, lengths, 0)]
            if not (totals[use] > 0).all():
                raise _Unsupported("a profile langdetect itself would reject")
            counts = np.fromiter(freq.values(), dtype=np.float64, count=n)  # exact: counts are < 2**53
            ids = np.fromiter(map(rows.__getitem__, freq), dtype=np.intp, count=n)
            # 1.0 * freq / n_words, as add_profile computes it: one rounding
            parts.append((ids[use], np.full(int(use.sum()), index), counts[use] / totals[use]))
        ids, columns, probs = (np.concatenate(x) for x in zip(*parts))
        order = np.argsort(ids, kind="stable")
        starts = np.searchsorted(ids[order], np.arange(len(rows) + 1))
        table = _ProbMap(rows, starts, columns[order], probs[order], len(profiles))
    except (OSError, ValueError, KeyError, TypeError, IndexError, _Unsupported):
        factory = DetectorFactory()
        factory.load_profile(directory)
        return factory
    factory.langlist = langs
    factory.word_lang_prob_map = table
    return factory


class FastDetector:
    def __init__(self, factory):
        det = factory.create()  # the settings a new Detector starts with
        if det.prior_map is not None:
            raise _Unsupported("prior probabilities")
        self.factory = factory
        self.langlist = list(det.langlist)
        self.words = det.word_lang_prob_map  # n-gram -> per-language probabilities (read only)
        self.seed = det.seed
        self.alpha = det.alpha
        self.max_text_length = det.max_text_length
        self.width = Detector.ALPHA_WIDTH
        self.base_freq = Detector.BASE_FREQ
        self.conv = Detector.CONV_THRESHOLD
        self.limit = Detector.ITERATION_LIMIT
        self.threshold = Detector.PROB_THRESHOLD
        self._url, self._mail = Detector.URL_RE, Detector.MAIL_RE
        self._normalized = _Normalized()
        self._tokens = _TokenGrams(_WindowGrams(self.words))
        self._vectors = _Vectors(self.words)
        self._factors: dict[float, _Factors] = {}  # weight -> its factors, for the seed's weights

    # -- the text: Detector.append + cleaning_text --------------------------------------------
    def prepare(self, text: str) -> str:
        text = self._url.sub(" ", text)
        if "@" in text:  # the e-mail pattern is slow to rule out, and needs an '@'
            text = self._mail.sub(" ", text)
        is_ascii = text.isascii()  # then normalize_vi and the non-Latin check have nothing to do
        if not is_ascii:
            text = NGram.normalize_vi(text)
        text = text[: self.max_text_length]
        if "  " in text:
            text = _SPACES.sub(" ", text)  # append() drops a space after a space
        if not is_ascii and (len(text) - len(text.translate(_DROP_A_TO_z))) * 2 < len(_NON_LATIN.findall(text)):
            text = text.translate(_DROP_A_TO_z)  # mostly non-Latin script: drop the Latin letters
        return text

    # -- the n-grams: Detector._extract_ngrams ------------------------------------------------
    def ngrams(self, text: str) -> list[str]:
        """The profiles' 1-, 2- and 3-grams in `text`, in langdetect's order (with repeats)."""
        tokens = text.translate(self._normalized).split(" ")
        memo, out = self._tokens, []
        for tok in tokens[:-1]:
            out += memo[tok + " "]  # the space after a token adds the n-grams ending in a space
        out += memo[tokens[-1]]
        return out

    # -- the random trials: Detector._detect_block --------------------------------------------
    def langprob(self, text: str, n_trial: int) -> list[float]:
        """Detector.langprob after detection: the mean over n_trial trials, in langlist order."""
        grams = self.ngrams(self.prepare(text))
        if not grams:
            raise LangDetectException(ErrorCode.CantDetectError, "No features in text.")
        n = len(self.langlist)
        langprob = np.zeros(n)
        rnd = random.Random(self.seed)  # the same draws, in the same order, as Detector
        for _ in range(n_trial):
            alpha = self.alpha + rnd.gauss(0.0, 1.0) * self.width
            prob = self._trial(np.full(n, 1.0 / n), grams, alpha / self.base_freq, rnd)
            langprob += prob / n_trial
        return langprob.tolist()

    def _trial(self, prob: np.ndarray, grams: list[str], weight: float, rnd: random.Random) -> np.ndarray:
        """One trial: update with a random n-gram, normalise after the 1st and then every 5th."""
        choice, add, mul = rnd.choice, np.add, np.multiply
        factors = self._factors.get(weight)
        if factors is None and len(self._factors) < 2:
            # The first two trials' alphas depend on the seed alone (random.gauss makes its
            # deviates in pairs), so every text has these weights: their factors are kept.
            factors = self._factors[weight] = _Factors(self._vectors, weight)
        vectors, factor = self._vectors, np.empty_like(prob)
        weight = np.array(weight)  # a 0-d array: numpy takes it faster than a Python float
        for i in range(0, self.limit + 5, 5):  # up to the first multiple of 5 >= the limit
            for _ in range(5 if i else 1):
                # prob[j] *= weight + p[j], elementwise: each element rounds as in Detector's loop.
                if factors is not None:
                    mul(prob, factors[choice(grams)], out=prob)
                else:
                    mul(prob, add(vectors[choice(grams)], weight, out=factor), out=prob)
            # Detector normalises with Python's sum() (left to right; numpy's sum is pairwise and
            # rounds differently), then divides each element. Division by a positive number keeps
            # the order, so max(p) / sum equals the largest quotient.
            values = prob.tolist()
            total = sum(values)
            prob /= total
            if max(values) / total > self.conv:
                break
        return prob

    def probabilities(self, text: str, n_trial: int) -> list[tuple[str, float]]:
        """Detector.get_probabilities() as (language, probability) pairs, most probable first."""
        try:
            langprob = self.langprob(text, n_trial)
        except _Unsupported:
            return [(x.lang, x.prob) for x in detector(self.factory, text, n_trial).get_probabilities()]
        probs = [(lang, p) for lang, p in zip(self.langlist, langprob) if p > self.threshold]
        probs.sort(key=lambda lp: lp[1], reverse=True)  # stable, like langdetect's sort of Language
        return probs


# Probe texts for build(): capital words, a URL and an e-mail address, Vietnamese combining marks,
# Latin letters inside mostly non-Latin text, letters from Latin Extended Additional, no features.
_PROBES = (
    "The NASA team met at https://example.org/x?y=1 and wrote to ops@example.com about it.",
    "Tie\u0302\u0301ng Vie\u0323\u0302t co\u0301 da\u0302\u0301u: người, được, những điều mới.",
    "東京では新しい駅が開業した。 Shinjuku 線は 毎日 混雑している。",
    "Москва — столица России, ABC news и BBC пишут об этом.",
    "ḁḃḅ ẻẽẹ ỏõọ ab cd ẞ ḟ",
    "12345 !!! ...",
)


def detector(factory, text: str, n_trial: int) -> Detector:
    """langdetect's own Detector from `factory`, holding `text`."""
    det = factory.create()
    det.n_trial = n_trial
    det.append(text)
    return det


def build(factory, n_trial: int = 3) -> FastDetector | None:
    """A FastDetector for `factory`, or None if it does not reproduce langdetect on the probes."""
    try:
        fast = FastDetector(factory)
        for text in _PROBES:
            det = detector(factory, text, n_trial)
            try:
                expected = [(x.lang, x.prob) for x in det.get_probabilities()], det.langprob
            except LangDetectException:
                expected = None
            try:
                got = fast.probabilities(text, n_trial), fast.langprob(text, n_trial)
            except LangDetectException:
                got = None
            if got != expected:
                return None
        return fast
    except (AttributeError, TypeError, ValueError, KeyError, IndexError, _Unsupported):
        return None
