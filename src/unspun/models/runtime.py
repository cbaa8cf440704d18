"""The encoder at run time: onnxruntime + tokenizers, no torch.

An article is tokenised once (with character offsets), cut into overlapping token windows,
the windows run through the encoder in batches of at most ``WINDOW_BATCH`` (so that memory
does not grow with the article's length), and the token states are stitched back
into one array for the whole text: each token takes its state from the window where it sits
farthest from an edge. Heads (``unspun.models.techniques`` and later ones) read the stitched
``Encoding``, so one encoder pass per window serves every head.

A model folder holds ``model.onnx``, ``tokenizer.json`` and ``config.json``
(``{"window": 256, "overlap": 64, ...}``); it is loaded once per process (``load_encoder``).

The example loads the ONNX encoder and the doctests load no model, so they skip it
(tests/test_techniques.py runs the encoder). The first token is ``coward`` (the tokenizer splits
off ``##s``), hence its offsets ``[0, 6]``:

>>> enc = load_encoder(DEFAULT_DIR).encode("Cowards and traitors run this country.")  # doctest: +SKIP
>>> enc.hidden.shape[1], enc.offsets[0].tolist()  # doctest: +SKIP
(384, [0, 6])
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable

import numpy as np

SHIPPED_DIR = Path(__file__).resolve().parent / "techniques"
# The model folder every stage loads: the shipped one, or one of your own training
# (``unspun train ... --out DIR``) named by the UNSPUN_MODEL_DIR environment variable.
DEFAULT_DIR = Path(os.environ.get("UNSPUN_MODEL_DIR") or SHIPPED_DIR)

# forward(input_ids [B, T] int64, attention_mask [B, T] int64) -> hidden states [B, T, H] float32
# (a model with a second output, the ``mid`` states, returns both concatenated: [B, T, 2H])
Forward = Callable[[np.ndarray, np.ndarray], np.ndarray]

# Windows per ONNX run: what one run holds (its activations) stays bounded whatever the article's
# length. The int8 models quantise their activations with one scale per run, so an article of up to
# WINDOW_BATCH windows (about 3,500 tokens) gets exactly the states one batch of all its windows
# gave; a longer one's windows share that scale with the others of their batch only.
WINDOW_BATCH = 16


def window_groups(windows: list[tuple[int, int]], batch: int = WINDOW_BATCH):
    """``(first, windows)`` runs of at most ``batch`` consecutive windows.

    >>> list(window_groups([(0, 4), (3, 7), (6, 10)], 2))
    [(0, [(0, 4), (3, 7)]), (2, [(6, 10)])]
    """
    for k in range(0, len(windows), max(1, batch)):
        yield k, windows[k:k + max(1, batch)]


@dataclass
class Encoding:
    """Encoder output for one text, stitched over its windows.

    ``offsets[i]`` is the ``[start, end)`` character range of token ``i`` in the text,
    ``hidden[i]`` its state; ``windows[w]`` the token range ``[start, end)`` of window ``w``,
    ``cls[w]`` that window's [CLS] state and ``owner[i]`` the window token ``i`` was taken from.
    ``mid[i]``, when the model exports it (config ``"outputs": ["hidden", "mid"]``), is token
    ``i``'s state after the lower layers the technique training kept frozen: general-purpose
    features that the attribution and sentence heads read beside ``hidden``.
    """

    offsets: np.ndarray  # (N, 2) int64
    hidden: np.ndarray   # (N, H) float32
    windows: list[tuple[int, int]]
    cls: np.ndarray      # (W, H) float32
    owner: np.ndarray    # (N,) int64
    mid: np.ndarray | None = None  # (N, H) states after the lower (frozen, general-purpose) layers
    # outputs of other models over the same text (the span model's SI and attribution probabilities),
    # kept so that the stages that read them run that model once per article
    cache: dict = field(default_factory=dict, repr=False, compare=False)

    def tokens_in(self, start: int, end: int) -> tuple[int, int]:
        """Token range ``[i, j)`` of the tokens that overlap characters ``[start, end)``."""
        i = int(np.searchsorted(self.offsets[:, 1], start, side="right"))
        j = int(np.searchsorted(self.offsets[:, 0], end, side="left"))
        return i, max(i, j)


def plan_windows(n_tokens: int, size: int, overlap: int) -> list[tuple[int, int]]:
    """Token ranges of overlapping windows of at most ``size`` tokens covering ``n_tokens``.

    Windows are spread evenly, so neighbours overlap by at least ``overlap`` tokens.

    >>> plan_windows(10, 4, 1)
    [(0, 4), (3, 7), (6, 10)]
    >>> plan_windows(3, 4, 1)
    [(0, 3)]
    """
    if n_tokens <= size:
        return [(0, n_tokens)]
    step = size - overlap
    count = -(-(n_tokens - overlap) // step)
    stride = (n_tokens - size) / (count - 1)
    return [(round(k * stride), round(k * stride) + size) for k in range(count)]


def stitch_owner(windows: list[tuple[int, int]], n_tokens: int) -> np.ndarray:
    """For each token, the window whose state it takes: cut every overlap in its middle."""
    owner = np.zeros(n_tokens, dtype=np.int64)
    for w in range(1, len(windows)):
        cut = (windows[w][0] + windows[w - 1][1]) // 2
        owner[cut:] = w
    return owner


class Encoder:
    """Tokeniser + encoder for one model folder. ``forward`` defaults to the folder's ONNX model."""

    def __init__(self, model_dir: str | os.PathLike, forward: Forward | None = None,
                 onnx_file: str = "model.onnx") -> None:
        self.dir = Path(model_dir)
        self.config = json.loads((self.dir / "config.json").read_text(encoding="utf-8"))
        self.tokenizer = load_tokenizer(str(self.dir / "tokenizer.json"))
        self.window = int(self.config.get("window", 256))
        self.overlap = min(int(self.config.get("overlap", 64)), (self.window - 2) // 2)
        self.cls_id = self.tokenizer.token_to_id("[CLS]")
        self.sep_id = self.tokenizer.token_to_id("[SEP]")
        self.forward = forward or _onnx_forward(str(self.dir / onnx_file))
        self.width = int(self.config.get("hidden_size", 0)) or None

    def encode(self, text: str, batch: int = WINDOW_BATCH) -> Encoding:
        """Tokenise ``text``, run its windows through the encoder ``batch`` at a time, stitch."""
        enc = self.tokenizer.encode(text, add_special_tokens=False)
        ids = np.asarray(enc.ids, dtype=np.int64)
        offsets = np.asarray(enc.offsets, dtype=np.int64).reshape(-1, 2)
        del enc
        n = len(ids)
        windows = plan_windows(n, self.window - 2, self.overlap)
        owner = stitch_owner(windows, n)
        hidden = cls = None
        for first, group in window_groups(windows, batch):
            longest = max(e - s for s, e in group) + 2
            ids_b = np.zeros((len(group), longest), dtype=np.int64)
            mask = np.zeros_like(ids_b)
            for w, (s, e) in enumerate(group):
                ids_b[w, 0] = self.cls_id
                ids_b[w, 1:e - s + 1] = ids[s:e]
                ids_b[w, e - s + 1] = self.sep_id
                mask[w, :e - s + 2] = 1
            states = self.forward(ids_b, mask)
            if hidden is None:
                hidden = np.empty((n, states.shape[-1]), dtype=np.float32)
                cls = np.empty((len(windows), states.shape[-1]), dtype=np.float32)
            for w, (s, e) in enumerate(group, start=first):
                take = np.nonzero(owner[s:e] == w)[0]
                hidden[s + take] = states[w - first, 1 + take]
            cls[first:first + len(group)] = states[:, 0]
            del states
        width = self.width or hidden.shape[-1]
        mid = hidden[:, width:] if hidden.shape[-1] > width else None
        return Encoding(offsets=offsets, hidden=hidden[:, :width], windows=windows,
                        cls=np.ascontiguousarray(cls[:, :width], dtype=np.float32), owner=owner,
                        mid=mid)


@lru_cache(maxsize=None)
def load_tokenizer(path: str):
    """A ``tokenizers.Tokenizer`` with truncation and padding off (windows are cut here)."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(path)
    tok.no_truncation()
    tok.no_padding()
    return tok


@lru_cache(maxsize=None)
def load_encoder(model_dir: str | os.PathLike = DEFAULT_DIR, onnx_file: str = "model.onnx") -> Encoder:
    """The ONNX encoder of ``model_dir``, loaded once per process."""
    return Encoder(model_dir, onnx_file=onnx_file)


def _onnx_forward(path: str) -> Forward:
    session = _session(path)
    names = {i.name for i in session.get_inputs()}

    def forward(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in names:
            feed["token_type_ids"] = np.zeros_like(ids)
        outs = session.run(None, feed)
        return outs[0] if len(outs) == 1 else np.concatenate(outs, axis=-1)

    return forward


class Session:
    """An onnxruntime session whose every run ends by handing the run's memory back.

    Sessions keep onnxruntime's memory arena (a run's tensors come from a few large chunks, not
    one ``malloc`` each) but shrink it at the end of each run (``memory.enable_memory_arena_shrinkage``),
    so a session does not keep the memory of its largest run for good. Everything else is the
    onnxruntime session's own (``get_inputs`` and so on)."""

    def __init__(self, session) -> None:
        import onnxruntime as ort

        self.session = session
        self.options = ort.RunOptions()
        self.options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")

    def run(self, names, feed: dict) -> list:
        return self.session.run(names, feed, self.options)

    def __getattr__(self, name: str):
        return getattr(self.session, name)


@lru_cache(maxsize=None)
def _session(path: str) -> Session:
    import onnxruntime as ort

    if not Path(path).exists():
        raise FileNotFoundError(f"{path}: model file missing (reinstall unspun or pass a model folder)")
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = int(os.environ.get("UNSPUN_THREADS", "0")) or min(os.cpu_count() or 1, 4)
    opts.inter_op_num_threads = 1
    # the arena is shrunk after every run (``Session``): without that, a session would keep the
    # memory of its largest run (a whole-article BiLSTM) for good
    opts.enable_cpu_mem_arena = True
    # idle worker threads sleep instead of spinning: on a machine shared with other work (or several
    # unspun workers) spinning threads take the cores the other runs need, and a long article's
    # hundreds of runs slow down far more than in proportion
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return Session(ort.InferenceSession(path, sess_options=opts, providers=["CPUExecutionProvider"]))


# Buffers from this size up are mapped from the system and unmapped when freed (glibc's
# M_MMAP_THRESHOLD; -3 is its mallopt number). glibc's own default starts at 128 KB but climbs
# to 32 MB as large buffers are freed, after which a model run's large buffers stay in the heap
# as free memory the process still holds: a long article's peak then grows by a few hundred MB.
MMAP_THRESHOLD = 4 << 20
_M_MMAP_THRESHOLD = -3


def tune_allocator() -> bool:
    """Fix glibc's mmap threshold at ``MMAP_THRESHOLD`` for this process (and the workers it forks),
    unless ``UNSPUN_MALLOC=default``. The command line and its workers call it; a program using
    the Python API may call it too. Returns whether it was set (False off glibc)."""
    if os.environ.get("UNSPUN_MALLOC") == "default":
        return False
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD))
    except (OSError, AttributeError):
        return False
