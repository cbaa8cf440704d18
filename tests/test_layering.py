"""Structure: the package's layers import downward only (read from the source, so a
function-level import counts), and nothing is loaded that the default path does not use.

- ``unspun.text`` (quote scanning, reporting-verb lexicons) imports neither stages nor models;
- ``unspun.models`` does not import ``unspun.stages``;
- the web views import their shared helpers from ``unspun.web.helpers``, never the app;
- the Spark engine does not import the CLI (``spark_main`` is the CLI's entry point for Spark
  and is the one exception);
- the frozen-state sentence heads (``sentence.npz``) are not read where the sentence model
  replaces them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "unspun"


def imported(path: Path) -> set[str]:
    """Every module name ``path`` imports, at any depth of the file."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
    return out


def offenders(folder: str, banned: tuple[str, ...], skip: tuple[str, ...] = ()) -> list[str]:
    files = sorted((SRC / folder).rglob("*.py"))
    assert files, f"no modules under {folder}"
    return [f"{p.relative_to(SRC)}: {m}" for p in files if p.name not in skip
            for m in sorted(imported(p)) if m == banned or any(m == b or m.startswith(b + ".") for b in banned)]


@pytest.mark.parametrize("folder, banned, skip", [
    ("text", ("unspun.stages", "unspun.models", "unspun.pipeline"), ()),
    ("models", ("unspun.stages", "unspun.pipeline"), ()),
    ("web/views", ("unspun.web.app",), ()),
    ("engines", ("unspun.cli",), ("spark_main.py",)),
])
def test_imports_go_down(folder, banned, skip):
    assert offenders(folder, banned, skip) == []


def test_the_check_finds_an_upward_import(tmp_path):
    """The scanner sees a function-level ``from X import Y`` (so the test above can fail)."""
    mod = tmp_path / "m.py"
    mod.write_text("def f():\n    from unspun.stages.cues import find_cues\n    return find_cues\n")
    assert "unspun.stages.cues" in imported(mod)


def test_cli_outlet_is_one_constant():
    """The CLI and the Spark engine keep ``--outlet`` under the same hint key, from ``unspun.options``."""
    from unspun.cli import index
    from unspun.options import CLI_OUTLET

    assert index.CLI_OUTLET is CLI_OUTLET == "cli_outlet"
    assert "unspun.options.CLI_OUTLET" in imported(SRC / "engines" / "spark.py")


def test_sentence_heads_are_read_only_when_used():
    """The shipped folder's sentence model gives subjectivity and bias, so analysing an article
    never reads ``sentence.npz``; the heads are still there for a call without the text."""
    import unspun
    from unspun.models.heads import load_heads
    from unspun.models.runtime import DEFAULT_DIR

    heads = load_heads(str(DEFAULT_DIR))
    if heads.sentence_model is None:
        pytest.skip(f"{DEFAULT_DIR} has no sentence model")
    article = unspun.analyze((SRC.parents[1] / "examples" / "harbour-strike.txt").read_text(encoding="utf-8"))
    assert article.producer["models"]["sentences"].startswith("sentence-model@")
    assert any("bias" in s.attrs for s in article.layer("sentence"))
    assert "sentence" not in vars(heads)
    assert set(heads.judgements) == {"subjectivity", "bias"} and "sentence" in vars(heads)
