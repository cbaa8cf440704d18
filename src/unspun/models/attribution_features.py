"""Surface features for the attribution tagger, computed from the text alone (no parser).

The encoder sees at most one window of tokens and cannot count quote marks across a
paragraph; these features tell each token whether it sits inside a quotation (from the same
quote-mark scanner the rules use), whether it is a quote mark, a reporting-verb form or
"according", and whether it opens a paragraph or a capitalised word.

>>> text = 'Crime is up, he said. “We will win,” Smith said.'
>>> import numpy as np
>>> offsets = np.array([(m.start(), m.end()) for m in __import__("re").finditer(r"\\w+|[^\\w\\s]", text)])
>>> f = token_features(text, offsets)
>>> [text[s:e] for (s, e), row in zip(offsets, f) if row[2]]
['said', 'said']
>>> [text[s:e] for (s, e), row in zip(offsets, f) if row[0]]
['We', 'will', 'win', ',']
"""

from __future__ import annotations

import re

import numpy as np

from unspun.text.lexicon import SPEECH_FORMS
from unspun.text.quotes import find_quotes

N_FEATURES = 6
_MARK = re.compile(r"[\"“”‘’„«»]")


def paragraphs(text: str) -> list[tuple[int, int]]:
    """Line ranges of ``text`` that hold something other than whitespace."""
    out, pos = [], 0
    for line in text.split("\n"):
        if line.strip():
            out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out


def token_features(text: str, offsets: np.ndarray) -> np.ndarray:
    """(N, N_FEATURES) float32 features for the tokens at character ``offsets``."""
    n = len(offsets)
    feats = np.zeros((n, N_FEATURES), dtype=np.float32)
    if n == 0:
        return feats
    starts = offsets[:, 0]
    ends = offsets[:, 1]
    paras = paragraphs(text)
    for q in find_quotes(text, paras):
        for p in q.pieces:
            i = int(np.searchsorted(ends, p.start, side="right"))
            j = int(np.searchsorted(starts, p.end, side="left"))
            feats[i:j, 0] = 1.0
    for k in range(n):
        s, e = int(starts[k]), int(ends[k])
        piece = text[s:e]
        if _MARK.search(piece):
            feats[k, 1] = 1.0
        # the whole word this token belongs to (wordpieces share it)
        ws, we = s, e
        while ws > 0 and text[ws - 1].isalpha():
            ws -= 1
        while we < len(text) and text[we].isalpha():
            we += 1
        word = text[ws:we]
        low = word.lower()
        if low in SPEECH_FORMS:
            feats[k, 2] = 1.0
        if low == "according":
            feats[k, 3] = 1.0
        if word[:1].isupper():
            feats[k, 5] = 1.0
    para_starts = np.searchsorted(starts, [a for a, _ in paras], side="left")
    feats[para_starts[para_starts < n], 4] = 1.0
    return feats
