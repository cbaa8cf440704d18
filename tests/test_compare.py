"""`unspun compare`: versions of one story — shared, reworded, added, omitted.

The bundled three-outlet example (examples/story/) always runs; the seed article is used when
../shared is present, with its two edited versions made here by code at test time.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

import unspun
from unspun.article import Article
from unspun.cli import main
from unspun.stories.align import REWORDED, SHARED, align, align_pair
from unspun.stories.diff import compare
from unspun.stories.units import text_units, tokenize

ROOT = Path(__file__).resolve().parents[1]
STORY = ROOT / "examples" / "story"
FILES = ["herald.txt", "patriot.txt", "wire.txt"]  # the order a folder is read in

# What examples/story/patriot.txt adds to the wire copy, and herald.txt's edits.
PATRIOT_ADDS = [
    " \u2013 a disaster years in the making after the government slashed maintenance budgets",
    ", who has ignored repeated warnings from engineers,",
    " Few farmers expect to see a cent of it.",
]
HERALD_HONORIFIC = "Her Excellency "
HERALD_CUTS = [
    "Farmers\u2019 groups said the planned release would flood thousands of hectares of winter wheat just weeks before harvest.",
    "The Arven valley was last evacuated in 2013, when a smaller release damaged more than 300 homes.",
]


def unspun_cli(*args: str) -> subprocess.CompletedProcess:
    """The real console entry point in a subprocess (used once: the seed acceptance)."""
    return subprocess.run([sys.executable, "-m", "unspun", *args], capture_output=True, timeout=300)


def run_main(capsys, *args: str) -> tuple[int, str, str]:
    """``unspun ARGS`` in this process (spaCy loads once per test run): exit code, stdout, stderr."""
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def words(text: str, start: int, end: int) -> list[tuple[int, int]]:
    return [(t.start, t.end) for t in tokenize(text, start, end) if t.norm[0].isalnum()]


def covered(ranges: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s <= start and end <= e for s, e in ranges)


def assert_exact_additions(article: Article, version: dict, inserted: list[str]) -> None:
    """Every word of each inserted string is in an ``added`` segment, and every ``added``
    segment lies inside an inserted string (give or take the space and punctuation at its ends)."""
    text = article.text
    places = []
    for piece in inserted:
        at = text.find(piece)
        assert at >= 0, piece
        places.append((at, at + len(piece)))
    added = [(s["start"], s["end"]) for s in version["segments"] if s["label"] == "added"]
    for start, end in places:
        for w in words(text, start, end):
            assert covered(added, *w), f"not marked added: {text[w[0]:w[1]]!r} in {text[start:end]!r}"
    for s, e in added:
        assert any(a <= s and e <= b for a, b in places), f"marked added but not inserted: {text[s:e]!r}"


@pytest.fixture(scope="module")
def story():
    articles = [unspun.analyze((STORY / name).read_text(encoding="utf-8")) for name in FILES]
    return articles, compare(articles)


def test_contract_shape(story):
    articles, result = story
    assert list(result) == ["reference", "versions"] and result["reference"] is None
    for i, (a, v) in enumerate(zip(articles, result["versions"])):
        assert list(v) == ["index", "id", "source", "outlet", "title", "segments", "omitted"]
        assert v["index"] == i and v["id"] == a.id and v["source"] == a.source
        assert v["outlet"] == a.meta["outlet"] and v["title"] == a.meta["title"]
        for seg in v["segments"]:
            assert list(seg) == ["start", "end", "label", "voice", "techniques", "counterpart"]
            assert seg["label"] in ("shared", "kept", "reworded", "added")
            assert 0 <= seg["start"] < seg["end"] <= len(a.text)
            if seg["label"] == "reworded":
                cp = seg["counterpart"]
                assert cp is not None and cp["version"] != i
                assert 0 <= cp["start"] < cp["end"] <= len(articles[cp["version"]].text)
            else:
                assert seg["counterpart"] is None
        for om in v["omitted"]:
            assert list(om) == ["from", "start", "end", "text"]
            assert om["text"] == articles[om["from"]].text[om["start"]:om["end"]]
    json.dumps(result)


def test_partisan_asides_are_exactly_the_additions(story):
    articles, result = story
    assert_exact_additions(articles[1], result["versions"][1], PATRIOT_ADDS)
    assert result["versions"][1]["omitted"] == []


def test_wire_copy_adds_and_omits_nothing(story):
    articles, result = story
    wire = result["versions"][2]
    assert {s["label"] for s in wire["segments"]} == {"shared", "kept"}
    assert wire["omitted"] == []
    # what the wire carries and the herald cut is `kept` in the wire: exactly the cut sentences
    text = articles[2].text
    assert [text[s["start"]:s["end"]] for s in wire["segments"] if s["label"] == "kept"] == HERALD_CUTS


def test_honorific_reword_and_cuts(story):
    articles, result = story
    herald, v = articles[0], result["versions"][0]
    text = herald.text
    body_added = [text[s["start"]:s["end"]] for s in v["segments"]
                  if s["label"] == "added" and s["start"] > text.index("\n")]
    assert body_added == [HERALD_HONORIFIC.strip()]
    carried = text.index("carried")
    assert any(s["label"] == "reworded" and s["start"] <= carried < s["end"] for s in v["segments"])
    # the cut sentences are reported once, from the first version that has them, exactly
    assert [(o["from"], o["text"]) for o in v["omitted"]] == [(1, cut) for cut in HERALD_CUTS]


def test_changed_headline_is_reworded_not_omitted(story):
    articles, result = story
    herald, v = articles[0], result["versions"][0]
    title_end = herald.text.index("\n")
    labels = {s["label"] for s in v["segments"] if s["end"] <= title_end}
    assert "reworded" in labels
    for version in result["versions"]:
        assert all(o["start"] > articles[o["from"]].text.index("\n") for o in version["omitted"])


def test_furniture_is_never_a_segment(story):
    articles, result = story
    for a, v in zip(articles, result["versions"]):
        title = [(s.start, s.end) for s in a.layer("title")]
        furniture = [r for r in a.furniture() if r not in title]
        assert furniture, "the examples have furniture"
        for seg in v["segments"]:
            assert not any(seg["start"] < e and s < seg["end"] for s, e in furniture), a.text[seg["start"]:seg["end"]]


def test_voice_is_the_sentence_voice_at_segment_start(story):
    articles, result = story
    for a, v in zip(articles, result["versions"]):
        sentences = a.layer("sentence")
        for seg in v["segments"]:
            around = [s.label for s in sentences if s.start <= seg["start"] < s.end]
            assert seg["voice"] == (around[0] if around else None)
    first_aside = next(s for s in result["versions"][1]["segments"] if s["label"] == "added")
    assert first_aside["voice"] == "own"


def test_techniques_overlapping_a_segment_are_carried():
    base = "Rebels took the town on Monday. Talks resume on Friday."
    edited = "Rebels took the town on Monday \u2013 a glorious victory for freedom. Talks resume on Friday."
    a, b = Article.from_text(base), Article.from_text(edited)
    at = edited.index("glorious")
    b.add("technique", at, at + len("glorious"), "Loaded_Language", score=0.9)
    result = compare([a, b])
    added = [s for s in result["versions"][1]["segments"] if s["label"] == "added"]
    assert [edited[s["start"]:s["end"]] for s in added] == ["\u2013 a glorious victory for freedom"]
    assert added[0]["techniques"] == ["Loaded_Language"]
    assert all(s["techniques"] == [] for s in result["versions"][1]["segments"] if s["label"] != "added")
    assert added[0]["voice"] is None  # no sentence spans: voice unknown


# -- alignment, word by word ----------------------------------------------------------------


def labels_of(a_text: str, b_text: str) -> dict[str, int | None]:
    a, b = text_units(a_text), text_units(b_text)
    got = align(a, b)
    return {t.norm: got[i] for i, t in enumerate(a.tokens) if t.norm[0].isalnum()}


def test_clause_after_a_dash_has_no_counterpart():
    wire = "Iran backs Assad against rebels and jihadists, including the Islamic State (ISIS) group."
    partisan = ("Iran backs Assad against rebels and jihadists, including the Islamic State (ISIS) group \u2013 though "
                "the regime has been exposed engaging in tacit agreements with the jihadist terror group.")
    got = labels_of(partisan, wire)
    assert got["iran"] == got["isis"] == SHARED
    assert got["though"] is None and got["tacit"] is None and got["exposed"] is None


def test_moved_sentences_are_shared_and_synonyms_reworded():
    a = "Talks resume on Friday. Rebels seized the town on Monday."
    b = "Rebels took the town on Monday. Talks resume on Friday."
    got = labels_of(a, b)
    assert got["talks"] == got["friday"] == got["rebels"] == got["monday"] == SHARED
    assert got["seized"] == REWORDED


def test_passive_voice_is_reworded_not_added():
    got = labels_of("The town was seized by rebels on Monday.", "Rebels seized the town on Monday.")
    assert got["was"] == REWORDED and got["by"] == REWORDED
    assert None not in got.values()


def test_speech_tag_swap_is_reworded():
    a = "\u201cWe will win,\u201d his eminence said on Sunday."
    b = "\u201cWe will win,\u201d he said on Sunday."
    got = labels_of(a, b)
    assert got["eminence"] == REWORDED and got["win"] == SHARED



def test_synonyms_in_the_same_word_order_are_a_rewording():
    """Two of a clause's four content words swapped for synonyms, or a short sentence with one
    word changed: the word order and function words show the rewording, so nothing is added."""
    a = "The new plans \u201cwill not fix this problem, but are steps in the right direction,\u201d Ann Roe said."
    b = "The fresh schemes \u201cwill not fix this problem, but are steps in the right direction,\u201d Ann Roe said."
    got = labels_of(a, b)
    assert got["new"] == got["plans"] == REWORDED and got["fix"] == got["roe"] == SHARED
    assert None not in got.values()
    got = labels_of("\u201cI want to bring our troops home,\u201d she said.",
                    "\u201cI want to get our soldiers home,\u201d she said.")
    assert None not in got.values() and got["troops"] == REWORDED


def test_a_moved_attribution_is_a_rewording_facing_the_source():
    """"Reynolds says that X" rewritten "X, per Reynolds": the attribution moved, not added; an
    attribution to a source the other version never names stays an addition."""
    b_text = "Reynolds says that the show has drawn fire from all sides."
    a = text_units("The show has drawn fire from all sides, per Reynolds.")
    b = text_units(b_text)
    got = align(a, b)
    per = next(i for i, t in enumerate(a.tokens) if t.norm == "per")
    reynolds = next(i for i, t in enumerate(a.tokens) if t.norm == "reynolds")
    assert got[per] == got[reynolds] == REWORDED
    lo, hi = align_pair(a, b)[1][reynolds]
    assert "Reynolds" in b_text[b.tokens[lo].start:b.tokens[hi - 1].end]
    got = labels_of("The show has drawn fire from all sides, according to a rival network.", b_text)
    assert got["according"] is None and got["rival"] is None and got["network"] is None


def test_a_named_source_with_other_words_around_it_is_the_attribution_moved():
    """"According to a statement from X, ..." against "..., X said": the attribution moved, not
    an addition; a source the other version never names stays an addition."""
    b_text = ("The dig at Marsh End Quarry found five extensive trackways, one of which measured more than "
              "150 metres in length, researchers from the Universities of Leeds and York said on Thursday.")
    got = labels_of("According to a statement from the Universities of Leeds and York, five extensive trackways "
                    "were identified, one stretching over 150 meters.", b_text)
    assert got["according"] == got["statement"] == got["leeds"] == got["york"] == REWORDED
    got = labels_of("According to a statement from the Universities of Hull and Derby, five extensive trackways "
                    "were identified, one stretching over 150 meters.", b_text)
    assert got["according"] is None and got["hull"] is None and got["derby"] is None


def test_a_free_rewording_naming_the_same_person_once_is_reworded():
    """A level-graded rewrite shares the name and a few words, not a run of wording: the
    sentence is the wire sentence reworded (the name is not an addition), while an own sentence
    naming a person the wire names in several sentences stays an addition."""
    wire = ("The buried prints came to light when quarry worker Tom Blake felt strange bumps as he was "
            "stripping the clay to expose the quarry floor. Scientists said the tracks were 166 million years old.")
    graded = ("The excavation began after a quarry worker, Tom Blake, noticed odd patterns while preparing "
              "the quarry floor. The tracks are 166 million years old, scientists said.")
    got = labels_of(graded, wire)
    assert got["tom"] == got["blake"] == got["quarry"] == got["floor"] == SHARED
    assert got["excavation"] == got["began"] == REWORDED  # facing "The buried prints came to light"
    wire2 = ("Tom Blake said the tracks were old. Tom Blake said the quarry floor was clay. "
             "Scientists dated the tracks.")
    got = labels_of("The excavation began after a quarry worker, Tom Blake, noticed odd patterns while "
                    "preparing the quarry floor.", wire2)
    assert got["excavation"] is None and got["began"] is None  # the name is in two wire sentences


def test_a_sentence_finds_the_partner_closest_in_all_its_words():
    """Sentences sharing as many content words: the partner is the one sharing most words of
    any kind, so a rewording pairs with its original, not with an earlier sentence."""
    a = "We think that individuals could be religious."
    b = ("One reason we are a nation is that we think in freedom of religion. We believe that people "
         "could be religious. We have no religious test.")
    got = labels_of(a, b)
    assert None not in got.values() and got["religious"] == SHARED and got["could"] == SHARED

def test_a_different_aside_at_the_same_place_is_still_added():
    """Word order alone does not pair two different asides that share a few function words."""
    a = "Rebels took the town on Monday \u2013 a victory for the people of the valley, the group said."
    b = "Rebels took the town on Monday \u2013 a blow to the army of the regime, the group said."
    got = labels_of(a, b)
    assert got["victory"] is None and got["people"] is None and got["valley"] is None
    assert got["rebels"] == got["monday"] == SHARED

# -- the seed article and two versions made from it by code ------------------------------------

ASIDES = [  # (old, new, the words added)
    (" in remarks published on his website Sunday.",
     " in remarks published on his website Sunday, in yet another tirade against the West.",
     ", in yet another tirade against the West"),
    ("terrorist groups and other sectarian proxies",
     "terrorist groups, including Hezbollah and Hamas, and other sectarian proxies",
     ", including Hezbollah and Hamas,"),
]
HONORIFICS = [("” Khamenei said in a transcript", "” Imam Khamenei said in a transcript"),
              ("” he said.", "” his eminence said.")]
CUTS = ["Tehran rejects any coordination with the US-led coalition that is also bombing the jihadists in Syria and Iraq.\n\n",
        "Iran complains it has not benefited from the nuclear deal since it came into force in January, with "
        "international banks still fearful of doing business with Tehran due to remaining US sanctions.\n\n"]


def _edited(seed: str, edits: list[tuple], cuts: list[str] = ()) -> str:
    text = seed
    for old, new, *_ in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    for cut in cuts:
        assert text.count(cut) == 1, cut
        text = text.replace(cut, "")
    return text


SEED = ROOT.parent / "shared" / "examples" / "seed-article.txt"


def seed_text() -> str:
    """The seed article, or a skip where ../shared is absent."""
    if not SEED.exists():
        pytest.skip(f"reference example not present: {SEED} (../shared is only on developer machines)")
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def seed_versions(tmp_path_factory):
    seed = seed_text()
    shared = SEED
    folder = tmp_path_factory.mktemp("seed")
    paths = [shared, folder / "partisan.txt", folder / "honorific.txt"]
    paths[1].write_text(_edited(seed, ASIDES), encoding="utf-8")
    paths[2].write_text(_edited(seed, HONORIFICS, CUTS), encoding="utf-8")
    proc = unspun_cli("compare", *map(str, paths), "--format", "json")
    assert proc.returncode == 0, proc.stderr.decode()
    result = json.loads(proc.stdout)
    texts = [p.read_text(encoding="utf-8") for p in paths]
    return texts, result


def test_seed_shows_exactly_the_edits(seed_versions):
    texts, result = seed_versions
    original, partisan, honorific = result["versions"]
    assert {s["label"] for s in original["segments"]} == {"shared", "kept"} and original["omitted"] == []
    assert [texts[0][s["start"]:s["end"]] for s in original["segments"] if s["label"] == "kept"] \
        == [c.strip() for c in CUTS]
    # partisan asides: exactly the inserted words are added, nothing omitted
    assert_exact_additions(Article.from_text(texts[1]), partisan, [aside for _, _, aside in ASIDES])
    assert partisan["omitted"] == []
    # honorifics: "Imam" added, "his eminence" a rewording of "he"; the two cuts omitted
    text = texts[2]
    assert [text[s["start"]:s["end"]] for s in honorific["segments"] if s["label"] == "added"] == ["Imam"]
    reworded = [s for s in honorific["segments"] if s["label"] == "reworded"]
    assert [text[s["start"]:s["end"]] for s in reworded] == ["his eminence said"]
    cp = reworded[0]["counterpart"]
    assert texts[cp["version"]][cp["start"]:cp["end"]] == "he said"
    assert [(o["from"], o["text"]) for o in honorific["omitted"]] == [(0, c.strip()) for c in CUTS]


def test_seed_boilerplate_never_a_segment(seed_versions):
    texts, result = seed_versions
    for text, v in zip(texts, result["versions"]):
        tail = text.index("Protect and Support Israel")
        assert all(s["end"] <= tail for s in v["segments"])
        afp = text.index("AFP contributed")
        assert not any(s["start"] <= afp < s["end"] for s in v["segments"])


# -- the command: formats and bad input -------------------------------------------------------


def test_cli_text_and_html_escape(tmp_path, capsys):
    a = tmp_path / "a.txt"
    b = tmp_path / "b.txt"
    a.write_text("Storm hits coast\n\nThe storm <b>[bold]</b> hit the coast on Monday. Crews were sent.\n", encoding="utf-8")
    b.write_text("Storm hits coast\n\nThe storm <b>[bold]</b> hit the coast on Monday. Crews were sent. "
                 "<script>alert(1)</script> Officials blamed the weather service.\n", encoding="utf-8")
    code, out, err = run_main(capsys, "compare", str(a), str(b))
    assert code == 0, err
    flat = " ".join(out.split())
    assert "[bold]" in flat and "{+" in flat and "Officials blamed the weather service." in flat
    code, page, err = run_main(capsys, "compare", str(a), str(b), "--format", "html")
    assert code == 0, err
    assert "<script>" not in page and "&lt;script&gt;" in page and "&lt;b&gt;[bold]&lt;/b&gt;" in page
    assert page.count('class="c-added"') >= 1


def test_cli_one_version_is_a_usage_error(tmp_path, capsys):
    a = tmp_path / "a.txt"
    a.write_text("Storm hits coast\n\nThe storm hit the coast on Monday.\n", encoding="utf-8")
    code, out, err = run_main(capsys, "compare", str(a))
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "at least two" in lines[0] and str(a) in lines[0]


def test_cli_identical_versions_are_all_shared(tmp_path, capsys):
    text = (STORY / "wire.txt").read_text(encoding="utf-8")
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    (tmp_path / "b.txt").write_text(text, encoding="utf-8")
    code, out, err = run_main(capsys, "compare", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), "--format", "json")
    assert code == 0, err
    assert "identical" in err
    for v in json.loads(out)["versions"]:
        assert v["segments"] and {s["label"] for s in v["segments"]} == {"shared"} and v["omitted"] == []


def test_cli_empty_version_is_named_and_the_rest_compared(tmp_path, capsys):
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    code, out, err = run_main(capsys, "compare", str(STORY / "wire.txt"), str(tmp_path / "empty.txt"),
                              str(STORY / "patriot.txt"), "--format", "json")
    assert code == 2
    assert str(tmp_path / "empty.txt") in err
    assert [v["index"] for v in json.loads(out)["versions"]] == [0, 1]


def test_cli_different_languages(tmp_path, capsys):
    fr = tmp_path / "fr.txt"
    fr.write_text("La vallée évacuée\n\nLes autorités ont ordonné l'évacuation de 12 000 personnes de la vallée "
                  "mercredi, après des jours de pluie qui ont rempli le barrage presque jusqu'au bord.\n", encoding="utf-8")
    code, out, err = run_main(capsys, "compare", str(STORY / "wire.txt"), str(fr), "--format", "json")
    assert code == 2
    assert "different languages (en, fr)" in err
    versions = json.loads(out)["versions"]
    assert {s["label"] for s in versions[1]["segments"]} <= {"added"}


# -- the seed against a rewrite of the wire copy and an outlet of the opposite slant -----------

SEED_INSERTIONS = [
    " \u2013 though the regime and its allies have been exposed engaging in tacit agreements with the jihadist "
    "terror group",
    "In reality, however, European companies have lined up to do business with Tehran, which has already upped "
    "its support for Middle Eastern terrorist groups and other sectarian proxies since receiving\u00a0lucrative "
    "sanctions relief under the nuclear deal.",
    " \u2013 despite the fact that he himself gave the deal his blessing",
]
TEHRAN = "Tehran rejects any coordination with the US-led coalition that is also bombing the jihadists in Syria and Iraq."


def _wire_of(seed: str) -> str:
    """The wire copy as an outlet that did not slant it ran it: no insertions, "IS" for "ISIS",
    a plainer title for the leader, the "Tehran rejects" sentence cut."""
    text = seed
    for piece in SEED_INSERTIONS:
        assert text.count(piece) == 1, piece
        text = text.replace(piece + ("\n\n" if piece.endswith(".") else ""), "")
    for old, new in [("(ISIS) group", "(IS) group"), ("supreme leader Ayatollah Ali Khamenei", "Supreme Leader Ali Khamenei"),
                     (TEHRAN + "\n\n", ""), ("AFP contributed to this report.", "")]:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text[:text.index("Protect and Support")].rstrip() + "\n"


def _slant_of(wire: str) -> str:
    """An outlet of the opposite slant: the Tehran sentence in its own words, and a sentence of
    its own that shares the words "in reality" with the seed's insertion."""
    para = "Iran and Russia support"
    at = wire.index(para)
    end = wire.index("\n\n", at) + 2
    own = ("Iran has refused to work with the US-led coalition, which is also bombing the jihadists in Syria and "
           "Iraq.\n\nIn reality, the accord has brought ordinary Iranians few of the gains they were promised.\n\n")
    return wire[:end] + own + wire[end:]


@pytest.fixture(scope="module")
def seed_story():
    seed = seed_text()
    wire = _wire_of(seed)
    texts = [seed, wire, _slant_of(wire)]
    articles = [unspun.analyze(t) for t in texts]
    return texts, articles, compare(articles)


def test_seed_insertions_are_added_whole(seed_story):
    texts, articles, result = seed_story
    seed = result["versions"][0]
    added = [(s["start"], s["end"]) for s in seed["segments"] if s["label"] == "added"]
    for piece in SEED_INSERTIONS:
        at = texts[0].index(piece)
        for w in words(texts[0], at, at + len(piece)):
            assert covered(added, *w), f"not added: {texts[0][w[0]:w[1]]!r} of {piece!r}"
    # and nothing of the seed's wire text is added, apart from what no other version carries
    for s, e in added:
        chunk = texts[0][s:e]
        assert any(chunk.strip(" \u2013.") in p for p in SEED_INSERTIONS) or chunk in ("ISIS", "Ayatollah"), chunk


def test_seed_reworded_wire_sentence_is_not_an_addition(seed_story):
    texts, articles, result = seed_story
    seed = result["versions"][0]
    at = texts[0].index(TEHRAN)
    segs = [s for s in seed["segments"] if s["start"] < at + len(TEHRAN) and s["end"] > at]
    assert segs and all(s["label"] in ("reworded", "kept", "shared") for s in segs), segs
    reworded = [s for s in segs if s["label"] == "reworded"]
    assert reworded and all(s["counterpart"]["version"] == 2 for s in reworded)


def test_new_sentence_sharing_two_words_is_added_not_reworded(seed_story):
    texts, articles, result = seed_story
    slant = result["versions"][2]
    own = "In reality, the accord has brought ordinary Iranians few of the gains they were promised."
    at = texts[2].index(own)
    added = [(s["start"], s["end"]) for s in slant["segments"] if s["label"] == "added"]
    assert all(covered(added, *w) for w in words(texts[2], at, at + len(own)))
    # the other versions lack it: nobody "omits" one outlet's own sentence
    for v in result["versions"]:
        assert not any("accord has brought" in o["text"] for o in v["omitted"])


def test_omitted_lists_agree_with_the_columns(seed_story, story):
    for articles, result in [seed_story[1:], story]:
        labels = []
        for a, v in zip(articles, result["versions"]):
            per_char = [None] * len(a.text)
            for s in v["segments"]:
                for i in range(s["start"], s["end"]):
                    per_char[i] = s["label"]
            labels.append(per_char)
        for v in result["versions"]:
            for o in v["omitted"]:
                got = {labels[o["from"]][i] for i in range(o["start"], o["end"]) if not articles[o["from"]].text[i].isspace()}
                assert got <= {"kept", "reworded"}, (o, got)


# -- each case of a real republication, as a short story of our own ---------------------------

WIRE = ("Harbour strike spreads to second port\n\n"
        "Dock workers in Port Amsel walked out on Tuesday, joining a strike that began last week in Calder, "
        "including members of the Dockers' Union (DU) group.\n\n"
        "The port authority rejects any talks with the union while the walkout lasts.\n\n"
        "Shipping lines said container traffic had fallen by a third since the strike began.\n\n"
        "The union wants a 9 percent pay rise over two years.\n")
SLANTED = ("Harbour strike spreads to second port\n\n"
           "Dock workers in Port Amsel walked out on Tuesday, joining a strike that began last week in Calder, "
           "including members of the Dockers' Union (DUW) group \u2013 though the union and its allies have been "
           "exposed taking money from a foreign shipping group.\n\n"
           "The port authority rejects any talks with the union while the walkout lasts.\n\n"
           "Shipping lines said container traffic had fallen by a third since the strike began.\n\n"
           "In reality, however, the strikers earn more than most families in the region.\n\n"
           "The union wants a 9 percent pay rise over two years.\n")
OTHER = ("Harbour strike spreads to second port\n\n"
         "Dock workers in Port Amsel walked out on Tuesday, joining a strike that began last week in Calder, "
         "including members of the Dockers' Union (DU) group.\n\n"
         "Port managers refuse any talks with the union while the walkout lasts.\n\n"
         "In reality, the dispute is about who controls hiring on the docks.\n\n"
         "The union wants a 9 percent pay rise over two years.\n")


@pytest.fixture(scope="module")
def harbour():
    articles = [Article.from_text(t) for t in (WIRE, SLANTED, OTHER)]
    return articles, compare(articles)


def _label_of(article: Article, version: dict, piece: str) -> set[str]:
    at = article.text.index(piece)
    return {s["label"] for s in version["segments"] if s["start"] < at + len(piece) and s["end"] > at}


def test_clause_hung_off_a_wire_sentence_is_one_addition(harbour):
    articles, result = harbour
    text = articles[1].text
    aside = "\u2013 though the union and its allies have been exposed taking money from a foreign shipping group"
    added = [text[s["start"]:s["end"]] for s in result["versions"][1]["segments"] if s["label"] == "added"]
    assert aside in added  # whole: no shared crumbs of "and", "group"
    assert _label_of(articles[1], result["versions"][1], "DUW") == {"reworded"}


def test_own_sentence_sharing_two_words_is_added_everywhere(harbour):
    articles, result = harbour
    for v, piece in [(1, "In reality, however, the strikers earn more than most families in the region."),
                     (2, "In reality, the dispute is about who controls hiring on the docks.")]:
        assert _label_of(articles[v], result["versions"][v], piece) == {"added"}, piece
    for version in result["versions"]:
        assert not any("In reality" in o["text"] for o in version["omitted"])


def test_sentence_another_version_rewords_is_not_an_addition(harbour):
    articles, result = harbour
    wire = result["versions"][0]
    piece = "The port authority rejects any talks with the union while the walkout lasts."
    labels = _label_of(articles[0], wire, piece)
    assert "added" not in labels and labels & {"reworded", "kept", "shared"}


def test_paraphrase_paired_by_meaning_when_asked():
    wire = Article.from_text(WIRE)
    other = Article.from_text(OTHER.replace(
        "Port managers refuse any talks with the union while the walkout lasts.",
        "Port managers have refused to negotiate with the union for as long as the walkout continues."))
    piece = "Port managers have refused to negotiate with the union for as long as the walkout continues."
    plain = compare([wire, other])
    assert _label_of(other, plain["versions"][1], piece) == {"added"}  # the words alone cannot see it
    meaning = compare([wire, other], embed=True)
    labels = _label_of(other, meaning["versions"][1], piece)
    assert "added" not in labels and "reworded" in labels
    cp = next(s["counterpart"] for s in meaning["versions"][1]["segments"] if s["label"] == "reworded")
    assert WIRE[cp["start"]:cp["end"]] in "The port authority rejects any talks with the union while the walkout lasts."


def test_sentence_one_version_cut_is_kept_and_omitted(harbour):
    articles, result = harbour
    piece = "Shipping lines said container traffic had fallen by a third since the strike began."
    assert _label_of(articles[0], result["versions"][0], piece) == {"kept"}
    assert _label_of(articles[1], result["versions"][1], piece) == {"kept"}
    assert [(o["from"], o["text"]) for o in result["versions"][2]["omitted"]] == [(0, piece)]


def test_reference_makes_additions_relative_to_it(harbour):
    articles, _ = harbour
    result = compare(articles, reference=0)
    assert result["reference"] == 0
    other = result["versions"][2]
    # relative to the wire, the other outlet's rewording is reworded and points into the wire
    segs = [s for s in other["segments"] if s["label"] == "reworded"]
    assert segs and all(s["counterpart"]["version"] == 0 for s in segs)
    # what it lacks of the wire is omitted from the wire only
    assert {o["from"] for o in other["omitted"]} == {0}
    assert any("container traffic" in o["text"] for o in other["omitted"])
    # the reference adds nothing and omits nothing
    assert not any(s["label"] == "added" for s in result["versions"][0]["segments"])
    assert result["versions"][0]["omitted"] == []


def test_cli_reference_file_and_index(tmp_path, capsys):
    paths = []
    for name, text in [("wire.txt", WIRE), ("slanted.txt", SLANTED), ("other.txt", OTHER)]:
        (tmp_path / name).write_text(text, encoding="utf-8")
        paths.append(str(tmp_path / name))
    # a reference file not among the PATHs is read first, as version 0
    code, out, err = run_main(capsys, "compare", "--reference", paths[0], paths[1], paths[2], "--format", "json")
    assert code == 0, err
    result = json.loads(out)
    assert result["reference"] == 0 and result["versions"][0]["source"]["path"] == paths[0]
    assert len(result["versions"]) == 3
    # a reference among the PATHs keeps the order
    code, out, err = run_main(capsys, "compare", paths[1], paths[0], paths[2], "--reference", paths[0], "--format", "json")
    assert code == 0, err
    assert json.loads(out)["reference"] == 1
    code, out, err = run_main(capsys, "compare", *paths, "--reference", "2", "--format", "json")
    assert code == 0 and json.loads(out)["reference"] == 2
    for bad in ["7", str(tmp_path / "missing.txt")]:
        code, out, err = run_main(capsys, "compare", *paths, "--reference", bad)
        assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and bad in err
