"""pytest configuration for the doctests of ``src/unspun`` (``--doctest-modules``, set in
pyproject.toml). Collecting the doctests imports every module of the package; importing one
loads no model and starts neither Spark nor Java (those are loaded on first use)."""

import importlib.util

# The training modules below define torch modules at import time, and torch comes only with
# the optional ``[train]`` extra (README's development install is ``.[test]``). Without torch
# they are left out of doctest collection instead of failing it; with torch (CI installs
# ``[train]``) they are imported and collected like every other module.
TORCH_MODULES = ["attrmodel", "heads", "sentmodel", "simodel", "spans", "tcmarked", "techniques"]
collect_ignore = [] if importlib.util.find_spec("torch") else [f"train/{m}.py" for m in TORCH_MODULES]
