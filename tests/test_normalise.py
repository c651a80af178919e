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


def test_false_friends_keep_their_own_stem():
    """"kraftig" (heavy) is not "kraft" (power), "billig" (cheap) is not "bil" (car)."""
    assert stem("kraftig") == stem("kraftige") == stem("kraftigere") == "kraftig" != stem("kraft")
    assert stem("billig") != stem("bil") and stem("naturlig") != stem("natur")
    assert stem("bærekraftig") == stem("bærekraft")  # a related derivation is still joined


def test_lexicalised_compounds_are_not_split_into_false_parts():
    tok = tokenizer()
    assert "kraft" not in tok("arbeidskraft handlekraft konkurranseskraft")
    assert "kraft" in tok("kraftunderskudd")  # a real power compound still splits


def test_collisions_are_counted_before_and_after_the_exceptions():
    from search.index.normalise import raw_stem_collisions, stem_collisions

    vocab = ["kraft", "kraftig", "bil", "billig", "sykkel"]
    assert {s for s, _ in raw_stem_collisions(vocab)} == {"kraft", "bil"}
    assert stem_collisions(vocab) == []


def test_misspelt_words_meet_the_nearest_terms():
    from search.index.typos import Corrector, osa_distance

    fix = Corrector(["kollektiv", "transport", "kjernekraft", "økonomi", "sirkulær", "vann"])
    assert fix.correct("kjærnekraft", "kjærnekraft") == ("kjernekraft",)
    assert fix.correct("okonomi", "okonomi") == ("økonomi",)
    assert fix.correct("sirkulaer", "sirkula") == ("sirkulær",)
    assert fix.correct("kolektivtranport", "kolektivtranport") == ("kollektiv", "transport")
    assert fix.correct("tannhelse", "tannhels") == ()  # nothing near: no guess
    assert fix.correct("vanm", "vanm") == ()  # short words are not corrected ("vann" is one edit away)
    assert osa_distance("transprot", "transport", 2) == 1  # a swap is one edit
