"""Word-level differences between two texts: what the diff page marks and the CSV lists.

    word_diff(a, b) -> (segments of a, segments of b)   each segment {"text", "changed"}
    word_marks(olds, news) -> (segments per old text, segments per new text)
                                                         one text each side: word_diff; several (a
                                                         merge, a split): words the other side lacks
    changed_words(olds, news) -> (removed, added)        the words only one side has, in order
    normalise(text) -> str                               spacing collapsed (how "the same text" is read)
    loose(text) -> str                                   case, punctuation and spacing aside

Texts are split into words and the white space and punctuation between them; the words are
compared case-insensitively with difflib, and each side keeps its own spelling and spacing,
so joining a side's segments gives back its text exactly.
"""

from __future__ import annotations

import difflib
import re

_TOKEN = re.compile(r"\w+|[^\w\s]+|\s+", re.UNICODE)


def normalise(text: str) -> str:
    return " ".join(str(text).split())


def loose(text: str) -> str:
    return " ".join(re.findall(r"\w+", str(text).casefold()))


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text or "")


def _is_word(token: str) -> bool:
    return bool(re.match(r"\w", token))


def word_diff(a: str, b: str) -> tuple[list[dict], list[dict]]:
    """Both texts as segments, the words the other text lacks marked `changed`."""
    ta, tb = _tokens(a), _tokens(b)
    wa = [i for i, t in enumerate(ta) if _is_word(t)]
    wb = [i for i, t in enumerate(tb) if _is_word(t)]
    changed_a, changed_b = set(wa), set(wb)
    matcher = difflib.SequenceMatcher(None, [ta[i].casefold() for i in wa], [tb[i].casefold() for i in wb],
                                      autojunk=False)
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            changed_a.discard(wa[block.a + k])
            changed_b.discard(wb[block.b + k])
    return _segments(ta, changed_a), _segments(tb, changed_b)


def _segments(tokens: list[str], changed: set[int]) -> list[dict]:
    """Runs of tokens with the same mark; the space between two changed words joins their run."""
    out: list[dict] = []
    for i, tok in enumerate(tokens):
        mark = i in changed
        if not _is_word(tok) and out and out[-1]["changed"] and i + 1 in changed and tok.isspace():
            mark = True  # "nye ord" is one marked run, not two
        if out and out[-1]["changed"] == mark:
            out[-1]["text"] += tok
        else:
            out.append({"text": tok, "changed": mark})
    return out


def _marked_if_absent(text: str, others: set[str]) -> list[dict]:
    tokens = _tokens(text)
    return _segments(tokens, {i for i, t in enumerate(tokens) if _is_word(t) and t.casefold() not in others})


def word_marks(olds: list[str], news: list[str]) -> tuple[list[list[dict]], list[list[dict]]]:
    """Segments of every text on both sides, changed words marked: in order (word_diff) when one
    text became one, else every word the other side's texts do not have (a merge or a split)."""
    if len(olds) == 1 and len(news) == 1:
        a, b = word_diff(olds[0], news[0])
        return [a], [b]
    old_words = {t.casefold() for text in olds for t in _tokens(text) if _is_word(t)}
    new_words = {t.casefold() for text in news for t in _tokens(text) if _is_word(t)}
    return ([_marked_if_absent(text, new_words) for text in olds],
            [_marked_if_absent(text, old_words) for text in news])


def changed_words(olds: list[str] | str, news: list[str] | str) -> tuple[list[str], list[str]]:
    """(words of the old texts the new ones lack, words of the new texts the old ones lack), in
    text order (see word_marks)."""
    olds = [olds] if isinstance(olds, str) else olds
    news = [news] if isinstance(news, str) else news
    sa, sb = word_marks(olds, news)

    def runs(sides: list[list[dict]]) -> list[str]:
        return [s["text"].strip() for side in sides for s in side if s["changed"] and s["text"].strip()]

    return runs(sa), runs(sb)
