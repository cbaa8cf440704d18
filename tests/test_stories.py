"""`unspun stories`: copy stories (versions of one text, even rewritten) and event stories."""

import json
import re
from pathlib import Path

import pytest

from unspun.article import Article, text_id
from unspun.cli import main
from unspun.stories.group import Settings, Stats, group

ROOT = Path(__file__).resolve().parents[1]
STORY = ROOT / "examples" / "story"
HARBOUR = ROOT / "examples" / "harbour-strike.txt"

SYNONYMS = {"said": "stated", "ordered": "commanded", "people": "residents", "warned": "cautioned",
            "promised": "pledged", "heavy": "intense", "took": "carried", "emergency": "temporary"}


def rewrite(text: str, keep_every: int, aside: str) -> str:
    """A rewritten version: synonyms swapped, every ``keep_every``-th paragraph dropped, an aside added."""
    paras = text.split("\n\n")
    kept = [p for i, p in enumerate(paras) if i < 3 or i % keep_every]
    out = "\n\n".join(kept)
    for old, new in SYNONYMS.items():
        out = re.sub(rf"\b{old}\b", new, out)
    return out.replace("close to capacity.", f"close to capacity \u2013 {aside}.")


def docs_of(texts):
    return [(text_id(t), f"doc{i}", t) for i, t in enumerate(texts)]


def copy_members(result):
    return [sorted(m["source"] for m in s["members"]) for s in result["stories"] if s["kind"] == "copy"]


@pytest.fixture(scope="module")
def corpus():
    wire = (STORY / "wire.txt").read_text(encoding="utf-8")
    texts = [
        wire,
        (STORY / "patriot.txt").read_text(encoding="utf-8"),
        (STORY / "herald.txt").read_text(encoding="utf-8"),
        rewrite(wire, 3, "a catastrophe the ruling party saw coming"),
        rewrite(wire, 2, "proof of years of neglect"),
        HARBOUR.read_text(encoding="utf-8"),
    ]
    return texts


def test_versions_group_and_unrelated_stays_apart(corpus):
    result = group(docs_of(corpus))
    copies = [s for s in result["stories"] if s["kind"] == "copy"]
    assert copy_members(result)[0] == ["doc0", "doc1", "doc2", "doc3", "doc4"]
    assert [len(s["members"]) for s in copies] == [5, 1]
    # every input in exactly one copy story
    seen = [m["source"] for s in copies for m in s["members"]]
    assert sorted(seen) == [f"doc{i}" for i in range(len(corpus))]


def test_story_ids_and_order(corpus):
    result = group(docs_of(corpus))
    for s in result["stories"]:
        ids = [m["id"] for m in s["members"]]
        assert ids == sorted(ids)
        assert s["id"] == ("e:" if s["kind"] == "event" else "") + ids[0]
        assert list(s) == (["id", "kind", "members"] if s["kind"] == "copy" else ["id", "kind", "stories", "members"])
    copies = [s for s in result["stories"] if s["kind"] == "copy"]
    assert [(-len(s["members"]), s["id"]) for s in copies] == sorted((-len(s["members"]), s["id"]) for s in copies)


def test_deterministic_across_chunks_and_processes(corpus):
    one = group(docs_of(corpus), Settings(chunk=2), jobs=1)
    two = group(docs_of(corpus), Settings(chunk=2), jobs=2)
    assert json.dumps(one, sort_keys=True) == json.dumps(two, sort_keys=True)
    assert one == group(docs_of(corpus))


def test_identical_texts_are_one_copy_story(corpus):
    result = group(docs_of([corpus[5], corpus[5], corpus[0]]))
    assert copy_members(result) == [["doc0", "doc1"], ["doc2"]]


def test_empty_and_tiny_inputs():
    assert group([]) == {"stories": []}
    result = group(docs_of(["", "Hi.", "Storm hits coast"]))
    assert [len(s["members"]) for s in result["stories"]] == [1, 1, 1]


def test_grey_pairs_go_to_the_settle_hook(corpus):
    """A same-event report sharing a single sentence is grey: the words cannot settle it."""
    wire = corpus[0]
    independent = ("Rain-swollen Kessel dam forces Arven valley exodus\n\nThousands of families spent the night in "
                   "school gyms in Marlow after officials in Veloria emptied eleven villages below the Kessel dam. "
                   "Engineers said the dam was structurally sound but warned that water would have to be released "
                   "through the spillway within 48 hours. Wheat growers fear the release will ruin the harvest, "
                   "and opposition deputies demanded an inquiry into the dam's upkeep.\n")
    asked = []
    stats = Stats()
    result = group(docs_of([wire, independent]), settle=lambda a, b: asked.append((a, b)) or True, stats=stats)
    assert asked == [(0, 1)] and stats.grey == 1 and stats.settled == 1
    assert copy_members(result)[0] == ["doc0", "doc1"]
    stats = Stats()
    result = group(docs_of([wire, independent]), stats=stats)
    assert stats.grey == 1 and [len(s["members"]) for s in result["stories"] if s["kind"] == "copy"] == [1, 1]


def test_independent_reports_of_one_event_join_as_an_event():
    a = ("Veloria evacuates Arven valley as Kessel dam fills\n\nVelorian authorities evacuated twelve thousand "
         "residents of the Arven valley after the Kessel dam neared capacity. Interior minister Dana Roth visited "
         "shelters in Marlow. Kessel engineers plan a spillway release.")
    b = ("Kessel dam: Arven valley empties\n\nBuses carried Arven families to Marlow shelters as the Kessel dam "
         "filled. Dana Roth, Veloria's interior minister, promised help. Farmers near Marlow fear the spillway "
         "release will flood their wheat.")
    filler = [f"Local team wins cup final number {i}\n\nThe club celebrated a {i}-goal win in the city stadium "
              f"on Saturday evening, the coach praised the defence and fans sang until midnight." for i in range(30)]
    result = group(docs_of([a, b] + filler))
    events = [s for s in result["stories"] if s["kind"] == "event"]
    assert [sorted(m["source"] for m in e["members"]) for e in events] == [["doc0", "doc1"]]
    assert events[0]["stories"] == sorted([text_id(a), text_id(b)])
    assert group(docs_of([a, b] + filler), events=False)["stories"][0]["kind"] == "copy"


# -- the command --------------------------------------------------------------------------------


def run_main(capsys, *args):
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_json_on_folder_and_file(capsys):
    code, out, err = run_main(capsys, "stories", str(STORY), str(HARBOUR), "--format", "json")
    assert code == 0, err
    stories = json.loads(out)["stories"]
    assert [len(s["members"]) for s in stories if s["kind"] == "copy"] == [3, 1]
    member = stories[0]["members"][0]
    assert set(member) == {"id", "source"} and member["source"]["format"] == "text"
    code, out, err = run_main(capsys, "stories", str(STORY))
    assert code == 0 and "copy" in out and "3 versions" in out


def test_cli_bad_inputs(tmp_path, capsys):
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    code, out, err = run_main(capsys, "stories", str(STORY), str(tmp_path / "empty.txt"), "--format", "json")
    assert code == 2 and str(tmp_path / "empty.txt") in err
    assert len(json.loads(out)["stories"][0]["members"]) == 3
    code, out, err = run_main(capsys, "stories")
    assert code == 2 and "PATH" in err
    code, out, err = run_main(capsys, "stories", "--db", str(tmp_path / "missing.db"))
    assert code == 2 and "missing.db" in err and len(err.strip().splitlines()) == 1


def test_cli_db_groups_and_saves(tmp_path, capsys):
    from unspun.store import Store

    db = tmp_path / "news.db"
    with Store(db) as store, store.transaction():
        for path in sorted(STORY.glob("*.txt")) + [HARBOUR]:
            store.add(Article.from_text(path.read_text(encoding="utf-8"),
                                        source={"path": str(path), "url": None, "format": "text", "record": None}))
    code, out, err = run_main(capsys, "stories", "--db", str(db), "--format", "json")
    assert code == 0, err
    assert [len(s["members"]) for s in json.loads(out)["stories"]] == [3, 1]
    with Store(db, readonly=True) as store:
        saved = store.stories()
        assert [s["size"] for s in saved] == [3] and saved[0]["compared"]
        comparison = store.story(saved[0]["id"])["comparison"]
        assert len(comparison["versions"]) == 3


def test_cli_groups_html_pages_by_their_extracted_article(tmp_path, capsys):
    """HTML inputs are grouped on the article trafilatura extracts, not on the empty pre-extraction text."""
    import html as html_lib

    wire = (STORY / "wire.txt").read_text(encoding="utf-8")
    for name, body in (("a", wire), ("b", rewrite(wire, 3, "a catastrophe the ruling party saw coming"))):
        paras = "".join(f"<p>{html_lib.escape(p)}</p>" for p in body.split("\n\n")[1:])
        (tmp_path / f"{name}.html").write_text(
            f"<html><head><title>{html_lib.escape(body.splitlines()[0])}</title></head><body>"
            f"<nav>Home | World</nav><article>{paras}</article><footer>(c) Site</footer></body></html>",
            encoding="utf-8")
    code, out, err = run_main(capsys, "stories", str(tmp_path / "a.html"), str(tmp_path / "b.html"), "--format", "json")
    assert code == 0, err
    copies = [s for s in json.loads(out)["stories"] if s["kind"] == "copy"]
    assert [len(s["members"]) for s in copies] == [2]
    assert {m["source"]["format"] for m in copies[0]["members"]} == {"html"}


def test_grouping_reads_a_text_up_to_group_chars(monkeypatch):
    """Features for grouping come from the first GROUP_CHARS characters: a text's tail beyond
    them changes nothing (memory stays bounded on a 10 MB article)."""
    import numpy as np

    from unspun.stories import group

    head = "Rebels took the town of Arven on Monday. The army said it would retake it within days. "
    monkeypatch.setattr(group, "GROUP_CHARS", len(head))
    a = group.chunk_features([head + "Farmers fled the valley as the dam filled."], group.Settings())
    b = group.chunk_features([head + "An unrelated tail about football scores and weather."], group.Settings())
    c = group.chunk_features([head], group.Settings())
    for x, y, z in zip(a[:7], b[:7], c[:7]):
        assert np.array_equal(x, y) and np.array_equal(x, z)
    monkeypatch.setattr(group, "GROUP_CHARS", 10 * len(head))
    d = group.chunk_features([head + "Farmers fled the valley as the dam filled."], group.Settings())
    assert not np.array_equal(a[1], d[1])  # the tail counts when it is within the limit
