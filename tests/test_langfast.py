"""cleaner.langfast gives exactly langdetect's probabilities (same floats), only faster."""
from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

from cleaner import langfast
from cleaner.stages import language


@pytest.fixture(scope="module")
def factory() -> DetectorFactory:
    f = DetectorFactory()  # as the stage builds it: private, seed 0
    f.load_profile(PROFILES_DIRECTORY)
    f.set_seed(0)
    return f


@pytest.fixture(scope="module")
def fast(factory) -> langfast.FastDetector:
    return langfast.FastDetector(factory)


def reference(factory, text: str, n_trial: int):
    """langdetect's own answer: the sorted list and the full per-language vector, or the error."""
    det = factory.create()
    det.n_trial = n_trial
    det.append(text)
    try:
        return [(x.lang, x.prob) for x in det.get_probabilities()], det.langprob
    except LangDetectException as e:
        return "error", e.code, str(e)


def fast_result(fast: langfast.FastDetector, text: str, n_trial: int):
    try:
        return fast.probabilities(text, n_trial), fast.langprob(text, n_trial)
    except LangDetectException as e:
        return "error", e.code, str(e)


# -- generated text ------------------------------------------------------------------------------
# Pieces that exercise each step of langdetect's text preparation and n-gram extraction.
WORDS = ["the", "river", "Bridge", "NASA", "OK", "ÉTÉ", "café", "naïve", "Straße", "ĳ", "ș", "ț", "ǅ",
         "Москва", "СССР", "Ελλάδα", "مرحبا", "کتاب", "שלום", "नमस्ते", "東京", "中文", "ひらがな", "カタカナ",
         "한국어", "ㄅㄆ", "Việt", "Tiếng", "ḁḃ", "ẞ", "12", "...", "—", "“", "\u200b", "\t", "\n"]
VIETNAMESE = st.tuples(st.sampled_from("aeiouyAEIOUYâêôăơư"), st.sampled_from("\u0300\u0301\u0303\u0309\u0323")).map("".join)
URL = st.builds("https://{}.example/{}?q={}".format, st.sampled_from(["www", "a-b"]), st.sampled_from(["x", "y_z"]),
                st.integers(0, 99))
MAIL = st.builds("{}@{}.org".format, st.sampled_from(["ann", "b.c", "x_y"]), st.sampled_from(["mail", "ex-ample"]))
CHARS = st.characters(exclude_categories=("Cs",))  # any code point a str can hold in a text file
PIECE = st.one_of(st.sampled_from(WORDS), VIETNAMESE, URL, MAIL, st.text(CHARS, max_size=8),
                  st.text(st.characters(max_codepoint=0x2FF), max_size=8))
TEXT = st.lists(PIECE, max_size=60).flatmap(
    lambda ps: st.lists(st.sampled_from(["", " ", "  ", ", ", "\n"]), min_size=len(ps), max_size=len(ps)).map(
        lambda seps: "".join(p + s for p, s in zip(ps, seps))))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(TEXT, st.text(CHARS, max_size=300)), n_trial=st.sampled_from([3, 3, 1, 7]))
@example(text="", n_trial=3)
@example(text="12345 ... !!!", n_trial=3)  # no features
@example(text="ABC DEF GHI", n_trial=3)  # only capital words: 1-grams after a space only
@example(text="a  b" * 3000, n_trial=3)  # longer than max_text_length
def test_same_probabilities_as_langdetect(factory, fast, text: str, n_trial: int) -> None:
    assert fast_result(fast, text, n_trial) == reference(factory, text, n_trial)


# -- fixed texts ---------------------------------------------------------------------------------
TEXTS = {
    "en": "The ferry to the island leaves twice a day, and in winter the second crossing is often cancelled.",
    "de": "Die Bäckerei an der Ecke öffnet schon um sechs Uhr, damit die Pendler noch frische Brötchen bekommen.",
    "fr": "Le marché du samedi attire des producteurs de toute la vallée, même quand il pleut à verse.",
    "es": "La biblioteca del barrio amplió su horario durante los exámenes y las salas siguen llenas cada noche.",
    "it": "Il treno regionale è arrivato con venti minuti di ritardo a causa di un guasto al passaggio a livello.",
    "nl": "De gemeente plant nieuwe bomen langs de gracht zodra de werkzaamheden aan de kademuur klaar zijn.",
    "pt": "A padaria da esquina vende pão quente desde as cinco da manhã e fecha sempre depois do almoço.",
    "ru": "Новый мост через реку открыли в пятницу, и уже в первые выходные по нему прошли тысячи людей.",
    "el": "Το καλοκαίρι τα πλοία για τα νησιά γεμίζουν νωρίς, γι' αυτό οι ταξιδιώτες κλείνουν εισιτήρια από τον χειμώνα.",
    "ar": "افتتحت المدينة حديقة جديدة بجانب النهر، ويزورها السكان كل مساء بعد انتهاء العمل.",
    "zh-cn": "这座城市的新图书馆周末也开放，很多学生在那里复习功课，一直待到晚上关门。",
    "ja": "駅前の小さな本屋は、毎朝七時に店を開けて、通勤の人たちに新聞と雑誌を売っています。",
    "ko": "우리 동네 빵집은 아침 일곱 시에 문을 열고 갓 구운 빵을 팔아서 항상 사람들이 줄을 섭니다.",
    "vi": "Thư viện của thành phố mở cửa cả cuối tuần, và nhiều sinh viên đến đó để ôn thi đến tối.",
    "hi": "हमारे गाँव का बाज़ार हर रविवार को लगता है और आसपास के किसान वहाँ अपनी सब्ज़ियाँ बेचने आते हैं।",
}
MIXED = [
    "Read more at https://news.example.org/a/b?id=7 or write to desk@example.com. THE END",
    "Vie\u0323\u0302t Nam co\u0301 nhie\u0302\u0300u ti\u0309nh",  # Vietnamese with combining marks
    "東京タワー Tokyo Tower は 1958 年に完成した。 OPEN DAILY 9:00-23:00",
    "Москва (Moscow) — столица; USA, NATO и EU упоминаются в тексте.",
    "…",
]


@pytest.mark.parametrize("lang", sorted(TEXTS))
def test_fixed_texts(factory, fast, lang: str) -> None:
    got = fast_result(fast, TEXTS[lang], 3)
    assert got == reference(factory, TEXTS[lang], 3)
    assert got[0][0][0] == lang


@pytest.mark.parametrize("text", MIXED)
def test_mixed_texts(factory, fast, text: str) -> None:
    for n_trial in (1, 3, 7):
        assert fast_result(fast, text, n_trial) == reference(factory, text, n_trial)


def test_no_memo_gives_the_same_results(factory, monkeypatch) -> None:
    for memo in (langfast._Memo, langfast._Vectors, langfast._Factors):
        monkeypatch.setattr(memo, "SIZE", 0)  # every memo full from the start: all computed each time
    fresh = langfast.FastDetector(factory)
    for text in [*TEXTS.values(), *MIXED]:
        assert fast_result(fresh, text, 3) == reference(factory, text, 3)
    assert not fresh._tokens and not fresh._tokens.windows and not fresh._vectors


def test_build_refuses_a_detector_that_differs(factory, monkeypatch) -> None:
    assert isinstance(langfast.build(factory), langfast.FastDetector)
    exact = langfast.FastDetector.langprob

    def one_ulp_off(self, text, n_trial):
        probs = exact(self, text, n_trial)
        return [math.nextafter(probs[0], 1.0), *probs[1:]]

    monkeypatch.setattr(langfast.FastDetector, "langprob", one_ulp_off)
    assert langfast.build(factory) is None


def test_unsupported_text_goes_to_langdetect(factory, monkeypatch) -> None:
    normalize = langfast.NGram.normalize
    monkeypatch.setattr(langfast.NGram, "normalize", staticmethod(lambda ch: "xx" if ch == "q" else normalize(ch)))
    fresh = langfast.FastDetector(factory)
    text = "quiet queues in the square"
    assert fresh.probabilities(text, 3) == reference(factory, text, 3)[0]


def test_stage_falls_back_to_langdetect() -> None:
    texts = [*TEXTS.values(), *MIXED, "OK", "a b c d e f g h i j k l m n o p q r s t u v"]
    fast_stage = language.Stage(language.Options())
    fast_stage.warm()
    assert fast_stage._fast is not None
    slow_stage = language.Stage(language.Options())
    slow_stage.warm()
    slow_stage._fast = None  # what the stage does when build() refuses
    assert [fast_stage.detect(t) for t in texts] == [slow_stage.detect(t) for t in texts]


# -- eval data -----------------------------------------------------------------------------------
@pytest.mark.eval
def test_eval_samples(factory, fast, eval_dir) -> None:
    """The stage's sample of the first 100 *.naive.txt of each eval set (300 in all)."""
    files = [f for d in sorted(p for p in eval_dir.iterdir() if p.is_dir())
             for f in sorted(d.glob("*.naive.txt"))[:100]]
    assert files
    for f in files:
        s = language.sample(f.read_text(encoding="utf-8", errors="replace"), language.Options().sample_chars)
        assert fast_result(fast, s, 3) == reference(factory, s, 3), f.name


def test_load_factory_reads_the_profiles_as_langdetect_does(factory):
    """The stage's loader: same languages in the same order, the same float for every n-gram."""
    mine = langfast.load_factory(PROFILES_DIRECTORY)
    assert isinstance(mine.word_lang_prob_map, langfast._ProbMap)  # the fast path, not the fallback
    assert mine.langlist == factory.langlist
    theirs = factory.word_lang_prob_map
    assert set(mine.word_lang_prob_map) == set(theirs) and len(mine.word_lang_prob_map) == len(theirs)
    assert all(mine.word_lang_prob_map[w] == probs for w, probs in theirs.items())
    mine.set_seed(0)
    text = "Die Regierung hat am Montag neue Regeln für den Verkehr in der Stadt beschlossen."
    assert reference(mine, text, 3) == reference(factory, text, 3)
    assert fast_result(langfast.FastDetector(mine), text, 3) == reference(factory, text, 3)


def test_load_factory_leaves_unexpected_profiles_to_langdetect(tmp_path):
    """A profile it cannot vouch for (an n-gram length with no total): langdetect's own loader
    decides, and rejects it as it always would."""
    (tmp_path / "xx").write_text('{"name": "xx", "freq": {"a": 3, "ab": 1}, "n_words": [3, 0, 0]}', encoding="utf-8")
    (tmp_path / "yy").write_text('{"name": "yy", "freq": {"b": 2}, "n_words": [2, 0, 0]}', encoding="utf-8")
    with pytest.raises(LangDetectException):
        langfast.load_factory(str(tmp_path))
    (tmp_path / "xx").write_text('{"name": "xx", "freq": {"a": 3, "abcd": 1}, "n_words": [3, 0, 0]}', encoding="utf-8")
    f = langfast.load_factory(str(tmp_path))
    assert isinstance(f.word_lang_prob_map, langfast._ProbMap)
    ref = DetectorFactory()
    ref.load_profile(str(tmp_path))
    assert f.langlist == ref.langlist and dict(f.word_lang_prob_map) == ref.word_lang_prob_map
