"""Sets ``meta.language`` from the body text: English is analysed fully, other languages get
the layers that apply (clean) and a warning.

A stopword profile is enough to tell English from other languages in news-length text, needs
no model and takes microseconds. Scripts without Latin letters are named by script.
"""

from __future__ import annotations

import re

from unspun.article import Article

_STOPWORDS = {
    "en": "the of and to in a is that for on with as was by he it at said from his an be have has are were not this but they which who their its will would been had".split(),
    "de": "der die und in den von zu das mit sich des auf für ist im dem nicht ein eine als auch es an werden aus er hat dass sie nach wird bei einer um am sind noch wie".split(),
    "fr": "le la les de des et en un une du est que qui dans pour pas au sur par il ne se plus ce avec sont aux elle mais ont été cette son sa ses".split(),
    "es": "el la de que y en los del se las por un para con una su al lo como más pero sus le ya fue este ha sí porque esta entre cuando muy sin sobre".split(),
    "it": "il di che e la per un in non una sono mi ha le si gli del della con al da dei nel alla anche come più questo ma".split(),
    "pt": "de a o que e do da em um para com não uma os no se na por mais as dos como mas ao ele das à seu sua ou quando muito nos já também".split(),
    "nl": "de en van het een in is dat op te zijn met voor niet aan er om ook als door maar bij dan nog werd naar wordt".split(),
}
# A language other than English is named only on this many of its stopwords, and twice as many as
# English's: below that (a title and a line) the profile cannot tell a loanword from a language.
_MIN_OTHER = 3
_PROFILES = {lang: frozenset(words) for lang, words in _STOPWORDS.items()}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_SCRIPTS = (
    ("ru", re.compile(r"[\u0400-\u04FF]")),
    ("ar", re.compile(r"[\u0600-\u06FF]")),
    ("he", re.compile(r"[\u0590-\u05FF]")),
    ("zh", re.compile(r"[\u4E00-\u9FFF]")),
    ("ja", re.compile(r"[\u3040-\u30FF]")),
    ("ko", re.compile(r"[\uAC00-\uD7AF]")),
    ("el", re.compile(r"[\u0370-\u03FF]")),
    ("hi", re.compile(r"[\u0900-\u097F]")),
)


def detect(text: str) -> str | None:
    """ISO 639-1 code of the language of ``text``, or None when there is too little to tell.

    >>> detect("The minister said that the talks would go on for the rest of the week.")
    'en'
    >>> detect("Le ministre a dit que les discussions se poursuivraient pendant la semaine.")
    'fr'
    """
    sample = text[:20000]
    letters = sum(1 for ch in sample if ch.isalpha())
    if letters < 20:
        return None
    for code, pattern in _SCRIPTS:
        if len(pattern.findall(sample)) > letters * 0.3:
            return code
    words = [w.lower() for w in _WORD.findall(sample)]
    if len(words) < 5:
        return None
    scores = {lang: sum(1 for w in words if w in profile) for lang, profile in _PROFILES.items()}
    best = max(scores, key=lambda k: (scores[k], k == "en"))
    if scores[best] == 0:
        return None
    if best != "en" and (scores[best] < _MIN_OTHER or scores[best] < 2 * scores["en"]):
        return None  # a loanword or two ("café au lait") in a short text: too little to call it foreign
    return best


def language(article: Article) -> Article:
    """Set ``meta.language`` (unless the input stated it) from the body, furniture excluded."""
    stated = article.hints.get("language")
    if stated:
        article.meta["language"] = stated
        return article
    body = _body_text(article)
    code = detect(body) or detect(article.text)
    article.meta["language"] = code or "en"
    if code and code != "en":
        article.warnings.append(f"not English (looks like '{code}'): only the clean layers were added")
    return article


def _body_text(article: Article) -> str:
    parts, pos = [], 0
    for start, end in article.furniture():
        parts.append(article.text[pos:start])
        pos = max(pos, end)
    parts.append(article.text[pos:])
    return " ".join(parts)
