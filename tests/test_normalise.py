"""The lexical tokenizer: Norwegian stems, stopwords and compound parts."""

from graph.settings import REPO
from search.index.normalise import Splitter, Tokenizer, stem, vocabulary, words

DOC = (REPO / "data" / "handlingsprogram-2025.txt").read_text(encoding="utf-8")


def tokenizer() -> Tokenizer:
    return Tokenizer(vocabulary(line for line in DOC.splitlines() if line.strip()))


def test_stopwords_and_case():
    assert words("Hva gjør vi for å få flere til å SYKLE?") == ["sykle"]
    assert words("el-sparkesykler") == ["el", "sparkesykler"]


def test_stems_join_forms_of_one_word():
    assert stem("sykle") == stem("sykkel") == stem("syklist")
    assert stem("kollektivreiser") == stem("kollektivreise")


def test_compounds_split_into_corpus_words():
    tok = tokenizer()
    assert tok("kollektivtransport") == ["kollektivtransport", "kollektiv", "transport"]
    assert {"sykkel", "parkering"} <= set(tok("sykkelparkering"))
    assert {"næring", "klyng"} <= set(tok("næringsklynger"))  # linking -s-
    assert {"energi", "kontor"} <= set(tok("energikontor"))


def test_derivational_endings_are_not_parts():
    tok = tokenizer()
    assert tok("utfordringer") == ["utfordring"]
    assert "ring" not in tok("koordinering parkering")


def test_unknown_words_stay_whole():
    assert Splitter(frozenset({"sykkel"})).parts("xylofonorkester") == ()
    assert Tokenizer()("kollektivtransport") == ["kollektivtransport"]
