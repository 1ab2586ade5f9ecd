"""Text for full-text search in any of the UI languages.

Neither SQLite's FTS5 (unicode61 tokenizer) nor PostgreSQL's `simple` configuration splits Chinese,
which is written without spaces. So every run of CJK characters is indexed as overlapping pairs of
characters (bigrams: 生物安全 → 生物 物安 安全), a standard choice for Chinese search without a
dictionary; queries are split the same way. Other scripts are indexed word by word, lower-cased.
"""
import re

_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"\w+")


def _bigrams(run: str) -> list[str]:
    return [run] if len(run) == 1 else [run[i:i + 2] for i in range(len(run) - 1)]


def search_terms(text: str) -> list[str]:
    """The terms of a text: words outside CJK runs, bigrams inside them."""
    terms = []
    position = 0
    for match in _CJK_RUN.finditer(text):
        terms += [word.lower() for word in _WORD.findall(text[position:match.start()])]
        terms += _bigrams(match.group())
        position = match.end()
    terms += [word.lower() for word in _WORD.findall(text[position:])]
    return terms


def search_text(*parts: str) -> str:
    """What to store in a `search_text` column for the given texts."""
    return " ".join(search_terms(" ".join(part for part in parts if part)))
