"""The identity guard (``benchmarks/identity.py``) on the bundled examples: what the current code
writes for each is byte for byte what the recorded manifest says (re-record the manifest, with the
command in the script's docstring, when a change means to change results)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "benchmarks" / "labels" / "identity.json"


@pytest.fixture(scope="module")
def identity():
    spec = importlib.util.spec_from_file_location("identity_bench", ROOT / "benchmarks" / "identity.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def examples_now(identity):
    return identity.run(["examples"], models=True, polnear=200, limit=None, progress=False)


def test_examples_are_byte_identical(identity, examples_now):
    recorded = json.loads(MANIFEST.read_text(encoding="utf-8"))
    assert recorded["models"] is True
    assert set(examples_now) >= {"examples/harbour-strike.txt", "examples/harbour-strike.html"}
    differing, unrecorded = identity.compare(recorded["hashes"], examples_now)
    assert (differing, unrecorded) == ([], []), (
        f"analysis output changed for {differing + unrecorded}: if meant, re-record {MANIFEST.name} "
        "(python benchmarks/identity.py --record benchmarks/labels/identity.json)")


def test_check_lists_a_changed_input(identity, examples_now, tmp_path, capsys):
    """A manifest whose hash for one example differs: ``--check`` names that input and exits 1."""
    assert identity.compare({}, examples_now) == ([], list(examples_now))
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps({"models": True, "hashes": dict(examples_now, **{
        "examples/harbour-strike.txt": "0" * 64})}))
    assert identity.main(["--check", str(tampered), "--sets", "examples"]) == 1
    out = capsys.readouterr().out
    assert "differs: examples/harbour-strike.txt\n" in out and out.count("differs:") == 1


def test_bad_manifest_and_set_exit_2(identity, tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    assert identity.main(["--check", str(bad), "--sets", "examples"]) == 2
    assert "bad.json: not an identity manifest" in capsys.readouterr().err
    assert identity.main(["--check", str(MANIFEST), "--sets", "nope"]) == 2
    assert "unknown set 'nope'" in capsys.readouterr().err
    assert identity.main(["--check", str(MANIFEST), "--sets", "examples", "--no-models"]) == 2
    assert "recorded with models=True" in capsys.readouterr().err


def test_missing_shared_data_is_skipped_with_a_reason(identity, monkeypatch, tmp_path):
    monkeypatch.setattr(identity, "SHARED", tmp_path / "absent")
    for name in ("ptc", "polnear"):
        found, reason = identity.inputs(name)
        assert found == [] and "not found at" in reason
