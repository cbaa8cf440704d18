"""MinHash signatures, LSH banding and sentence verification: the candidate stage of `unspun stories`."""

import numpy as np
import pytest

from unspun.stories.candidates import candidate_pairs, estimate_pairs, threshold
from unspun.stories.features import features
from unspun.stories.minhash import EMPTY, MinHash, shingles
from unspun.stories.verify import compare_sentences


def random_sets(rng, n_pairs, size, jaccard):
    """Pairs of uint64 sets of ``size`` with the given Jaccard similarity."""
    shared = int(round(2 * size * jaccard / (1 + jaccard)))
    out = []
    for _ in range(n_pairs):
        x = rng.integers(0, 2**63, size=2 * size - shared, dtype=np.uint64)
        out += [x[:size], x[size - shared:]]
    return out


def test_signature_agreement_estimates_jaccard():
    rng = np.random.default_rng(7)
    mh = MinHash(num_perm=256, seed=3)
    for j in (0.1, 0.3, 0.6, 0.9):
        sets = random_sets(rng, 20, 300, j)
        sig = mh.signatures(sets)
        est = np.mean([(sig[2 * k] == sig[2 * k + 1]).mean() for k in range(20)])
        assert abs(est - j) < 0.03, (j, est)


def test_signatures_are_deterministic_and_empty_is_marked():
    rng = np.random.default_rng(1)
    sets = [rng.integers(0, 2**63, size=50, dtype=np.uint64), np.zeros(0, dtype=np.uint64)]
    a = MinHash(64, seed=5).signatures(sets)
    b = MinHash(64, seed=5).signatures(list(reversed(sets)))[::-1]
    assert (a == b).all()
    assert (a[1] == EMPTY).all() and not (a[0] == EMPTY).any()
    assert not (MinHash(64, seed=6).signatures(sets)[0] == a[0]).all()


def test_shingles_stay_inside_sentences():
    words = np.array([1, 2, 3, 4, 5], dtype=np.uint32)
    one = shingles(words, np.zeros(5, dtype=np.uint16), 2)
    split = shingles(words, np.array([0, 0, 0, 1, 1], dtype=np.uint16), 2)
    assert len(one) == 4 and len(split) == 3  # (3, 4) crosses the sentence end
    short = shingles(words, np.array([0, 1, 1, 1, 1], dtype=np.uint16), 2)
    assert len(short) == 4  # a one-word sentence still gives a shingle


def test_banding_finds_similar_pairs_at_the_expected_rate():
    rng = np.random.default_rng(11)
    bands, rows = 32, 2
    mh = MinHash(bands * rows, seed=2)
    for j in (0.1, 0.25, 0.5):
        sets = random_sets(rng, 150, 200, j)
        pairs = candidate_pairs(mh.signatures(sets), bands, rows)
        found = {(int(a), int(b)) for a, b in pairs if b == a + 1 and a % 2 == 0}
        expected = 1 - (1 - j ** rows) ** bands
        assert abs(len(found) / 150 - expected) < 0.12, (j, len(found) / 150, expected)


def test_unrelated_documents_are_not_candidates_and_big_buckets_are_skipped():
    rng = np.random.default_rng(3)
    sets = [rng.integers(0, 2**63, size=100, dtype=np.uint64) for _ in range(200)]
    mh = MinHash(64, seed=1)
    assert len(candidate_pairs(mh.signatures(sets), 32, 2)) == 0
    same = [sets[0]] * 60
    assert len(candidate_pairs(mh.signatures(same), 32, 2, max_bucket=50)) == 0
    assert len(candidate_pairs(mh.signatures(same[:10]), 32, 2, max_bucket=50)) == 45


def test_threshold_and_bad_parameters():
    assert threshold(64, 2) == pytest.approx(0.1040, abs=1e-3)
    with pytest.raises(ValueError):
        candidate_pairs(np.zeros((3, 10), dtype=np.uint32), 6, 2)


def test_features_ignore_case_punctuation_and_stopwords():
    a = features("The Mayor said: the strike ENDS today! Crews return.")
    b = features("the mayor said the strike ends today. crews return")
    assert (a.words == b.words).all() and (a.sids == b.sids).all()
    assert a.sentences == 2 and len(a.words) == 6  # mayor strike ends today / crews return
    assert features("").sentences == 0 and features("the of and").sentences == 0


def test_verify_tells_copies_from_same_topic_texts():
    wire = ("Authorities ordered the evacuation of twelve thousand people from the valley on Wednesday. "
            "Engineers said the dam was sound but water must be released within two days. "
            "Buses took residents of eleven villages to schools and sports halls in Marlow. "
            "Farmers said the release would flood thousands of hectares of winter wheat.")
    cut = ("Engineers said the dam was sound but water must be released within two days, a disaster of the "
           "government's making. Buses took residents of eleven villages to schools and sports halls in Marlow.")
    other = ("The valley dam has worried engineers for years. Wheat farmers in Marlow met on Wednesday to demand "
             "that authorities explain the evacuation plan. Schools in the region closed for two days.")
    fw, fc, fo = features(wire), features(cut), features(other)
    copy = compare_sentences(fw.words, fw.sids, fc.words, fc.sids)
    assert copy.copy and copy.aligned == 2
    assert copy.cover_b == 1.0 and 0.3 < copy.cover_a < 0.7  # the cut version is all wire; the wire half in it
    independent = compare_sentences(fw.words, fw.sids, fo.words, fo.sids)
    assert not independent.copy and independent.aligned == 0


def test_pair_estimate_bounds_the_candidates():
    rng = np.random.default_rng(5)
    sets = random_sets(rng, 40, 100, 0.4) + [rng.integers(0, 2**63, size=100, dtype=np.uint64) for _ in range(50)]
    sig = MinHash(64, seed=4).signatures(sets)
    for rows in (1, 2, 3):
        found = len(candidate_pairs(sig, 64 // rows, rows))
        assert found <= estimate_pairs(sig, 64 // rows, rows) <= found * (64 // rows)
