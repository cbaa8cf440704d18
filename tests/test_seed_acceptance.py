"""Issue #2 acceptance on ../shared/examples/seed-article.txt, through the public API."""

import unspun


def test_seed_article(seed_path):
    text = seed_path.read_text(encoding="utf-8")
    a = unspun.analyze(text)
    assert a.text == text
    assert a.meta["title"] == "Khamenei: Iran won’t coordinate with US on Syria"
    assert a.meta["date"] == "2016-07-03"
    assert a.meta["wire"] == ["AFP"]
    assert a.meta["outlet"] == "Solve Israel's Problems"

    title = a.layer("title")
    assert [(s.start, s.end) for s in title] == [(0, 48)]
    assert [(s.start, s.end) for s in a.layer("dateline")] == [(50, 62)]
    assert [(s.start, s.end, s.label) for s in a.layer("wire")] == [(1889, 1920, "AFP")]

    trailing = ["Protect and Support Israel by Sharing our Articles", "Similar posts", "Leave a Reply",
                "© 2007-2023 Solve Israel's Problems. All Rights Reserved"]
    boiler = {a.span_text(s): s.label for s in a.layer("boilerplate")}
    assert all(line in boiler for line in trailing), boiler
    assert boiler["Similar posts"] == "related"
    assert boiler[trailing[-1]] == "copyright"

    direct = [s for s in a.layer("quote") if s.label == "direct"]
    assert len(direct) == 3
    assert all(s.attrs["speaker"] == "Ali Khamenei" for s in direct)
    assert (244, 343) in [(s.start, s.end) for s in direct]
    he_said = next(s for s in direct if a.span_text(s).startswith("Americans are still engaged"))
    assert he_said.attrs["speaker"] == "Ali Khamenei"

    def voice(start: str) -> str:
        (label,) = [s.label for s in a.layer("sentence") if a.span_text(s).startswith(start)]
        return label

    assert voice("In reality, however, European") == "own"
    in_reality = next(s for s in a.layer("sentence") if a.span_text(s).startswith("In reality"))
    assert (in_reality.start, in_reality.end) == (1315, 1563)
    assert voice("Tehran rejects any coordination") == "own"
    assert voice("Iran will never coordinate with") == "attributed"
