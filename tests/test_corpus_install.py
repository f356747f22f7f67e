"""The light install: comparing needs no corpus dependency; the corpus commands name their extra (issue 12)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS_ONLY = ("duckdb", "pyarrow", "faiss")
# Runs storydiff with the corpus extra's modules made unimportable, as on `pip install storydiff`.
BLOCKED = ("import sys\n"
           "for m in {mods!r}: sys.modules[m] = None\n"
           "from storydiff.cli import main\n"
           "main(sys.argv[1:])\n")


def _without_corpus_extra(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-c", BLOCKED.format(mods=CORPUS_ONLY), *args], capture_output=True,
                          text=True, timeout=300, env=env, cwd=ROOT)


@pytest.mark.issue(12)
def test_core_dependencies_leave_the_corpus_extra_out():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = lambda reqs: {r.split(">")[0].split("=")[0].split("<")[0].split("[")[0].strip() for r in reqs}  # noqa: E731
    core, extras = names(project["dependencies"]), project["optional-dependencies"]
    assert not core & {"duckdb", "pyarrow", "faiss-cpu", "threadpoolctl", "python-dateutil"}
    assert {"duckdb", "pyarrow", "faiss-cpu"} <= names(extras["corpus"])
    assert any("corpus" in r for r in extras["all"]) and any("corpus" in r for r in extras["spark"])


@pytest.mark.issue(12)
def test_compare_runs_without_the_corpus_extra():
    res = _without_corpus_extra("compare", "examples/bridge-original.txt", "examples/bridge-republished.txt",
                                "-f", "json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["schema"] == "storydiff.comparison/1"
    res = _without_corpus_extra("--help")
    assert res.returncode == 0 and "corpus" in res.stdout  # registered, whatever is installed


@pytest.mark.issue(12)
def test_corpus_command_without_the_extra_names_it_in_one_line(tmp_path):
    res = _without_corpus_extra("corpus", "add", str(tmp_path / "c.db"), str(ROOT / "examples"))
    assert res.returncode == 2
    assert res.stderr.strip().splitlines() == [
        "storydiff: error: the corpus engine needs duckdb, pyarrow and faiss-cpu, which are not installed; "
        "install the corpus extra: pip install 'storydiff[corpus]'"]
    assert not (tmp_path / "c.db").exists()
    # help needs nothing beyond the core
    assert _without_corpus_extra("corpus", "add", "--help").returncode == 0


@pytest.mark.issue(12)
@pytest.mark.parametrize("args", [["corpus", "clusters", "x.db"], ["corpus", "stemma", "x.db"],
                                  ["compare", "--corpus", "x.db", "a", "b"]])
def test_missing_duckdb_is_a_clear_error_in_process(monkeypatch, capsys, args):
    from storydiff.cli import main

    monkeypatch.setitem(sys.modules, "duckdb", None)
    with pytest.raises(SystemExit) as e:
        main(args)
    err = capsys.readouterr().err
    assert e.value.code == 2
    assert err.strip() == ("storydiff: error: the corpus engine needs duckdb, which is not installed; "
                           "install the corpus extra: pip install 'storydiff[corpus]'")


def test_api_without_the_extra_raises_backend_unavailable(monkeypatch):
    import storydiff.corpus
    from storydiff.errors import BackendUnavailable

    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(BackendUnavailable, match=r"storydiff\[corpus\]"):
        storydiff.corpus.require()
    with pytest.raises(BackendUnavailable, match="pyarrow"):
        storydiff.corpus.load_document("x.db", "a")
