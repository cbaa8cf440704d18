"""Inputs of the span-marked technique classifier (TC), shared by training and run time.

Each span is classified in its own encoder pass over the line(s) it sits in, with the span
between two marker tokens (``[unused1]`` … ``[unused2]``, unused in the base vocabulary):

    [CLS] left context [M1] span [M2] right context [SEP]

The span keeps at most ``max_span`` tokens (its first and last halves when longer); the context
fills the rest of ``max_len``, balanced left and right. ``span_mask`` marks the span's tokens,
whose mean state the classifier reads beside [CLS] and the span features. The context is the
span's own line (``context="line"``, as the shipped classifier was trained), or the text around it
across lines (``context="article"``: most PTC lines are one sentence of ~33 tokens, so the line
leaves most of ``max_len`` unused).
"""

from __future__ import annotations

import numpy as np

OPEN_MARK, CLOSE_MARK = "[unused1]", "[unused2]"
CONTEXTS = ("line", "article")


def _token_range(offsets: np.ndarray, s: int, e: int) -> tuple[int, int]:
    i = int(np.searchsorted(offsets[:, 1], s, side="right"))
    j = int(np.searchsorted(offsets[:, 0], e, side="left"))
    if j <= i:  # no token inside (whitespace): the nearest token
        i = min(i, len(offsets) - 1)
        j = i + 1
    return i, j


def line_bounds(text: str, s: int, e: int) -> tuple[int, int]:
    """Start and end of the line(s) holding ``text[s:e]`` (newline-delimited)."""
    end = text.find("\n", e)
    return text.rfind("\n", 0, s) + 1, len(text) if end < 0 else end


def mark_ids(tokenizer) -> dict[str, int]:
    """The ids of [CLS], [SEP] (``<s>``, ``</s>`` in RoBERTa-style vocabularies such as MPNet's) and
    the two markers: ``marked_row``'s keyword arguments."""
    def first(*tokens: str) -> int | None:
        return next((i for i in map(tokenizer.token_to_id, tokens) if i is not None), None)

    return {"cls_id": first("[CLS]", "<s>"), "sep_id": first("[SEP]", "</s>"),
            "open_id": tokenizer.token_to_id(OPEN_MARK), "close_id": tokenizer.token_to_id(CLOSE_MARK)}


def row_settings(tokenizer, cfg: dict) -> dict:
    """``marked_row``'s keyword arguments for a classifier with config ``tc_marked`` = ``cfg`` read
    with ``tokenizer`` (its markers, lengths and context)."""
    return {**mark_ids(tokenizer), "max_len": int(cfg.get("max_len", 96)), "max_span": int(cfg.get("max_span", 24)),
            "context": cfg.get("context", "line")}


def marked_row(text: str, ids: np.ndarray, offsets: np.ndarray, s: int, e: int, *, cls_id: int, sep_id: int,
               open_id: int, close_id: int, max_len: int = 96, max_span: int = 24,
               context: str = "line") -> tuple[list[int], list[int]]:
    """Token ids and span mask of span ``[s, e)`` of ``text`` (``ids``/``offsets``: the text's tokens)."""
    if context not in CONTEXTS:
        raise ValueError(f"context {context!r}: one of {', '.join(CONTEXTS)}")
    i, j = _token_range(offsets, s, e)
    if context == "article":
        li, lj = 0, len(ids)
    else:
        line_start, line_end = line_bounds(text, s, e)
        li = min(int(np.searchsorted(offsets[:, 1], line_start, side="right")), i)
        lj = max(int(np.searchsorted(offsets[:, 0], line_end, side="left")), j)
    span = [int(t) for t in ids[i:j]]
    if len(span) > max_span:
        span = span[:max_span // 2] + span[-(max_span - max_span // 2):]
    budget = max(0, max_len - 4 - len(span))
    left, right = [int(t) for t in ids[li:i]], [int(t) for t in ids[j:lj]]
    n_left = min(len(left), max(budget // 2, budget - len(right)))
    n_right = min(len(right), budget - n_left)
    left = left[len(left) - n_left:]
    right = right[:n_right]
    row = [cls_id] + left + [open_id] + span + [close_id] + right + [sep_id]
    mask = [0] * (2 + len(left)) + [1] * len(span) + [0] * (len(right) + 2)
    return row, mask


def marked_batch(rows: list[tuple[list[int], list[int]]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pad rows to one batch: input_ids, attention_mask (int64) and span_mask (float32)."""
    width = max(len(r) for r, _ in rows)
    ids = np.zeros((len(rows), width), dtype=np.int64)
    att = np.zeros_like(ids)
    span = np.zeros((len(rows), width), dtype=np.float32)
    for k, (r, m) in enumerate(rows):
        ids[k, :len(r)] = r
        att[k, :len(r)] = 1
        span[k, :len(m)] = m
    return ids, att, span
