"""The story generator's truth: every edit type is made and recorded where the text has it."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import storygen  # noqa: E402
from storygen import Base, Extras, paraphrase, render, slug_line  # noqa: E402

BASE = Base(
    "Harbour council approves new flood barrier after storm",
    [
        ["The harbour council approved a new flood barrier on Tuesday, officials said.",
         "After the storm flooded the old quay, residents demanded better protection for the town."],
        ["Mayor Okonkwo said that the barrier would be finished before the winter storms arrive.",
         "The council also announced an investigation into the failure of the old pumps.",
         "Engineers warned that the project could cost more than the city had planned."],
        ["Critics said Okonkwo ignored the fishermen because the barrier blocks the northern channel.",
         "The fishing group rejected the plan at a meeting with Okonkwo last week.",
         "Okonkwo told reporters the talks with the group would continue through the month."],
    ],
)
UPDATE = [["Work on the barrier began on Thursday morning.", "Two cranes arrived at the quay overnight."]]
OUTLET = {"name": "The Test Herald", "header": "The Test Herald | Home", "footer": ["Share this article"]}
ADDED_TYPES = {"clause", "honorific", "inserted", "replaced"}


def _story(seed: int, size: int = 4) -> list[tuple[str, dict]]:
    rng = np.random.default_rng(seed)
    used: set[str] = set()
    forms: dict = {}
    out = []
    for j in range(size):
        extras = Extras(on=True, slug=slug_line(BASE.title, "AP", rng) if j == 0 else None,
                        update=UPDATE if j < 2 else None, update_at="top" if seed % 2 else "end",
                        update_first=len(BASE.sentences), forms=forms)
        out.append(render(BASE, rng, OUTLET, keep=float(rng.uniform(0.5, 1.0)), edit=True, wire="AP",
                          date="May 2, 2024", used=used, extras=extras))
    return out


def test_every_edit_type_is_made_and_recorded_in_bounds():
    seen: set[str] = set()
    for seed in range(40):
        for text, truth in _story(seed):
            added = {tuple(r) for r in truth["added"]}
            furniture = {tuple(r) for r in truth["furniture"]}
            for e in truth["edits"]:
                seen.add(e["type"])
                assert 0 <= e["start"] < e["end"] <= len(text)
                span = (e["start"], e["end"])
                if e["type"] in ADDED_TYPES:
                    assert span in added, e
                if e["type"] == "slug":
                    assert span in furniture and text[span[0]:span[1]].startswith("AP-")
                if e["type"] == "update":
                    assert text[span[0]:span[1]] in {s for p in UPDATE for s in p}
                    assert e["base"] >= len(BASE.sentences)
                    assert [e["base"], *span] in truth["sentences"]
                if e["type"] == "replaced":
                    assert [e["base"], *span] not in truth["sentences"]
                    assert BASE.sentences[e["base"]] not in text
    assert seen >= {"synonym", "paraphrase", "clause", "honorific", "inserted", "replaced", "update", "slug",
                    "headline"}


def test_same_wording_same_variant_within_a_story():
    for seed in range(20):
        wording: dict[tuple[int, int], str] = {}
        for text, truth in _story(seed):
            cut = sorted(tuple(r) for r in truth["added"])
            for e in truth["edits"]:
                if e["type"] not in ("synonym", "paraphrase"):
                    continue
                words = " ".join("".join(text[i] for i in range(e["start"], e["end"])
                                         if not any(a <= i < b for a, b in cut)).split())
                key = (e["base"], e["variant"])
                assert e["variant"] >= 1 and wording.setdefault(key, words) == words


def test_paraphrase_restructures_and_keeps_its_facts():
    rng = np.random.default_rng(3)
    out = paraphrase("Mayor Okonkwo said that the barrier would be finished by the end of the winter.", rng)
    assert out is not None and out.startswith("The barrier would be finished")
    assert out.index("Okonkwo") > out.index("winter")
    moved = paraphrase("After the storm flooded the old quay, residents demanded better protection for the town.", rng)
    assert moved is not None and moved.startswith("Residents demanded") and "after the storm" in moved
    assert paraphrase("Nothing here fits.", rng) is None


@pytest.mark.skipif(not storygen.SHARED.joinpath("ptc").is_dir(),
                    reason="needs ../shared/data (PTC and PolNeAR bases) for generate()")
def test_generated_corpus_truth_is_consistent():
    records = list(storygen.generate(300, seed=5))
    versions = [r for r in records if r["story"]]
    assert versions
    kinds = {e["type"] for r in versions for e in r["truth"]["edits"]}
    assert {"clause", "replaced", "paraphrase", "update", "slug"} <= kinds
    for r in records:
        for e in r["truth"]["edits"]:
            assert 0 <= e["start"] < e["end"] <= len(r["text"])
    classic = [r for r in storygen.generate(300, seed=5, classic=True) if r["story"]]
    assert not {e["type"] for r in classic for e in r["truth"]["edits"]} & {"replaced", "paraphrase", "update",
                                                                              "slug"}
