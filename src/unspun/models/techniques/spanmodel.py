"""Inputs and stitching of the span model (SI), shared by training and run time.

The span model (``si-model.onnx``, ``unspun train si``) is a second encoder with its own BiLSTM
tagger: it reads [CLS] window [SEP] token ids with the six surface features of each token
(``unspun.models.attribution_features``) and gives O/B/I probabilities per token. An article runs
in overlapping windows, and each token takes its probabilities from the window where it sits
farthest from an edge, as the shared encoder stitches its states.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from unspun.models.runtime import WINDOW_BATCH, plan_windows, stitch_owner, window_groups

# fn(input_ids [B, T], attention_mask [B, T], feats [B, T, F]) -> probs [B, T, 3]
WindowFn = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


def window_batch(ids: np.ndarray, feats: np.ndarray, windows: list[tuple[int, int]], cls_id: int, sep_id: int):
    """Token ids, mask and token features of ``windows`` ([CLS] window [SEP], zero-padded)."""
    longest = max(e - s for s, e in windows) + 2
    batch = np.zeros((len(windows), longest), dtype=np.int64)
    mask = np.zeros_like(batch)
    fb = np.zeros((len(windows), longest, feats.shape[1]), dtype=np.float32)
    for w, (s, e) in enumerate(windows):
        batch[w, 0], batch[w, e - s + 1] = cls_id, sep_id
        batch[w, 1:e - s + 1] = ids[s:e]
        mask[w, :e - s + 2] = 1
        fb[w, 1:e - s + 1] = feats[s:e]
    return batch, mask, fb


def article_probs(fn: WindowFn, ids: np.ndarray, feats: np.ndarray, cls_id: int, sep_id: int,
                  window: int = 256, overlap: int = 64, batch: int = WINDOW_BATCH):
    """(N, 3) O/B/I probabilities of an article's N tokens. ``fn`` may also return a tuple of
    per-token arrays (the span model with its attribution outputs): a tuple of stitched arrays comes
    back. An article without tokens runs one window of [CLS] [SEP] alone, so that its empty arrays
    have the shapes of the model's outputs. Windows run ``batch`` at a time (memory stays bounded)."""
    n = len(ids)
    windows = plan_windows(n, window - 2, overlap)
    owner = stitch_owner(windows, n)
    stitched: list[np.ndarray] | None = None
    single = False
    for first, group in window_groups(windows, batch):
        outputs = fn(*window_batch(ids, feats, group, cls_id, sep_id))
        single = not isinstance(outputs, tuple)
        outputs = (outputs,) if single else outputs
        if stitched is None:
            stitched = [np.empty((n, *probs.shape[2:]), dtype=np.float32) for probs in outputs]
        for out, probs in zip(stitched, outputs):
            for w, (s, e) in enumerate(group, start=first):
                take = np.nonzero(owner[s:e] == w)[0]
                out[s + take] = probs[w - first, 1 + take]
        del outputs
    return stitched[0] if single else tuple(stitched)
