"""dev.py, the README's two commands: a .venv made by another Python is recognized, not trusted."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from types import ModuleType

from tests.support.paths import ROOT


def _dev_in(folder: Path) -> ModuleType:
    """dev.py as if checked out in `folder` (with the engine build module it imports)."""
    shutil.copy(ROOT / "dev.py", folder / "dev.py")
    (folder / "engine").mkdir()
    shutil.copy(ROOT / "engine" / "build.py", folder / "engine" / "build.py")
    shutil.copy(ROOT / "engine" / "go.mod", folder / "engine" / "go.mod")
    spec = importlib.util.spec_from_file_location("dev_under_test", folder / "dev.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(folder))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(folder))
        sys.modules.pop("engine", None)
        sys.modules.pop("engine.build", None)
    return module


def _fake_python(venv: Path, script: str) -> None:
    bin_dir = venv / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "python").write_text(f"#!/bin/sh\n{script}\n")
    (bin_dir / "python").chmod(0o755)


def test_a_venv_of_an_older_python_is_named_and_recreated(tmp_path: Path) -> None:
    _fake_python(tmp_path / ".venv", "echo 3.9.18; exit 1")
    dev = _dev_in(tmp_path)
    problem = dev._venv_python_problem()
    assert problem and "3.9.18" in problem and "3.11" in problem


def test_a_venv_whose_python_is_gone_is_recreated(tmp_path: Path) -> None:
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "python").symlink_to(tmp_path / "no-such-python")
    dev = _dev_in(tmp_path)
    assert dev._venv_python_problem() == "it has no working python"


def test_a_good_venv_is_kept(tmp_path: Path) -> None:
    _fake_python(tmp_path / ".venv", "echo 3.11.7; exit 0")
    assert _dev_in(tmp_path)._venv_python_problem() is None
