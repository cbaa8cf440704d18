"""Incremental stories in the store: adding articles in batches and grouping each batch
against the stored state gives exactly what a full regroup of the same store gives."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from unspun.article import Article
from unspun.cli import main
from unspun.store import Store
from unspun.stories.candidates import candidate_pairs
from unspun.stories.group import Settings, group
from unspun.stories.incremental import incremental_candidates, update_stories

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

# small thresholds, so that a corpus of a few hundred documents crosses them as it grows: LSH
# buckets grow past max_bucket (stored pairs lose their candidacy) and sentences of stories with
# many versions become too common to count, so stored pairs must be verified again (without
# that, one batch of this corpus groups differently from a full regroup)
SMALL = Settings(max_bucket=6, common_df=4, chunk=97)


def _records(n: int, seed: int) -> list[dict]:
    storygen = pytest.importorskip("storygen")
    try:
        return list(storygen.generate(n, seed))
    except SystemExit as exc:  # the generator's bases live in ../shared/data
        pytest.skip(str(exc))


def _add(store: Store, records: list[dict]) -> None:
    with store.transaction():
        for r in records:
            store.add(Article.from_text(r["text"], source={"path": r["id"], "url": None, "format": "text",
                                                           "record": None}))


def _settle(i: int, j: int) -> bool:
    """A settler that depends on the pair alone (as the embedding settler does)."""
    return (i * 7 + j * 3) % 5 < 2


def _stored(db: Path) -> list[tuple]:
    with Store(db, readonly=True) as store:
        return store.conn.execute("SELECT id, kind, size, json, comparison FROM stories ORDER BY id").fetchall()


@pytest.fixture(scope="module")
def records():
    recs = _records(900, 5)
    recs = [recs[i] for i in np.random.default_rng(5).permutation(len(recs))]  # versions of a story spread out
    for i, r in enumerate(recs):
        r["id"] = f"d{i:05d}"
    return recs


@pytest.mark.parametrize("settle", [None, _settle])
def test_batches_added_one_by_one_equal_a_full_regroup(tmp_path, records, settle):
    db = tmp_path / "news.db"
    batches = [records[:300], records[300:450], records[450:451], records[451:700], [], records[700:]]
    totals = {"dropped": 0, "reverified": 0}
    modes = []
    with Store(db) as store:
        for batch in batches:
            _add(store, batch)
            up = update_stories(store, SMALL, settle=settle, max_versions=4)
            modes.append(up.mode)
            totals["dropped"] += up.dropped
            totals["reverified"] += up.reverified
            # after every batch: what a full grouping of the same store gives
            full = group(store.texts(), SMALL, settle=settle)
            assert up.result == full
        incremental = up.result
    assert modes == ["full"] + ["incremental"] * (len(batches) - 1)
    # the thresholds were crossed, so the comparison covers the hard part
    assert totals["dropped"] > 0 and totals["reverified"] > 0
    sizes = [len(s["members"]) for s in incremental["stories"] if s["kind"] == "copy"]
    assert max(sizes) >= 3 and any(s["kind"] == "event" for s in incremental["stories"])
    # copy stories whose versions came in different batches
    batch_of = {r["id"]: k for k, b in enumerate(batches) for r in b}
    assert any(len({batch_of[m["source"]["path"]] for m in s["members"]}) > 1
               for s in incremental["stories"] if s["kind"] == "copy")
    # the stored stories (with their comparisons) equal those of a rebuild of the same store
    stored = _stored(db)
    with Store(db) as store:
        rebuilt = update_stories(store, SMALL, settle=settle, rebuild=True, max_versions=4)
    assert rebuilt.mode == "full" and rebuilt.result == incremental
    assert _stored(db) == stored


def test_incremental_candidates_are_the_full_candidates():
    rng = np.random.default_rng(3)
    base = rng.integers(0, 10, size=(300, 16), dtype=np.uint32)  # few values: buckets that grow past 5
    sig = base.copy()
    sig[::17] = 0xFFFFFFFF  # documents without shingles
    bands, rows, max_bucket = 8, 2, 5
    first = 180
    before = candidate_pairs(sig[:first], bands, rows, max_bucket)
    fresh, kept = incremental_candidates(sig, first, before, bands, rows, max_bucket)
    after = candidate_pairs(sig, bands, rows, max_bucket)
    joined = np.concatenate((before[kept], fresh))
    joined = joined[np.lexsort((joined[:, 1], joined[:, 0]))]
    assert (~kept).any() and len(fresh)
    assert joined.tolist() == after.tolist()


def test_full_regroup_when_articles_are_reanalysed_or_settings_change(tmp_path, records):
    db = tmp_path / "news.db"
    with Store(db) as store:
        _add(store, records[:120])
        assert update_stories(store, SMALL).mode == "full"
        _add(store, records[120:160])
        assert update_stories(store, SMALL).mode == "incremental"
        assert not store.stories_dirty
        first = store.article(next(store.ids()))
        with store.transaction():
            store.replace(first)
        up = update_stories(store, SMALL)
        assert (up.mode, up.reason) == ("full", "stored articles were re-analysed")
        up = update_stories(store, Settings(max_bucket=7, common_df=12))
        assert (up.mode, up.reason) == ("full", "the grouping settings changed")
        assert update_stories(store, Settings(max_bucket=7, common_df=12)).mode == "incremental"
        # the last article removed and another stored under its rowid: not the article grouped there
        last = store.last_rowid()
        with store.transaction():
            store.conn.execute("DELETE FROM articles_fts WHERE rowid = ?", (last,))
            store.conn.execute("DELETE FROM articles WHERE rowid = ?", (last,))
        _add(store, records[160:161])
        up = update_stories(store, Settings(max_bucket=7, common_df=12))
        assert (up.mode, up.reason) == ("full", "articles were removed from the store")


def test_cli_groups_added_articles_and_rebuilds(tmp_path, capsys, records):
    db = tmp_path / "news.db"
    with Store(db) as store:
        _add(store, records[:150])
    assert main(["stories", "--db", str(db), "--format", "json", "--no-embeddings"]) == 0
    err = capsys.readouterr().err
    assert "from scratch" in err
    with Store(db) as store:
        _add(store, records[150:200])
    assert main(["stories", "--db", str(db), "--format", "json", "--no-embeddings"]) == 0
    captured = capsys.readouterr()
    assert "50 added articles grouped against 150" in captured.err
    incremental = json.loads(captured.out)
    assert main(["stories", "--db", str(db), "--format", "json", "--no-embeddings", "--rebuild"]) == 0
    captured = capsys.readouterr()
    assert "from scratch (--rebuild)" in captured.err and json.loads(captured.out) == incremental
    assert main(["stories", str(tmp_path), "--rebuild"]) == 2
    assert "--rebuild needs --db" in capsys.readouterr().err


def test_stories_saved_elsewhere_are_saved_again(tmp_path, records):
    """Stories saved by another path (``unspun index`` compares fewer versions) are not kept as if
    this grouping had saved them: the next incremental run saves all of them again."""
    from unspun.stories.save import save_stories

    db = tmp_path / "news.db"
    with Store(db) as store:
        _add(store, records[:200])
        update_stories(store, SMALL, max_versions=4)
        _add(store, records[200:260])
        save_stories(store, group(store.texts(), SMALL), max_versions=2)
        up = update_stories(store, SMALL, max_versions=4)
        assert up.mode == "incremental" and up.rewritten == up.stored > 0
    stored = _stored(db)
    assert any(row[2] > 2 for row in stored)
    with Store(db) as store:
        update_stories(store, SMALL, rebuild=True, max_versions=4)
    assert _stored(db) == stored
