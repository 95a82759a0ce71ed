"""Build the real Pulumi engine from the Go module proxy, once per machine, into a cache folder.

    python3 engine/build.py          build (or reuse) and print the bin folder

`dev.py test` and `dev.py demo` call `ensure_engine()` whenever `go` is on PATH. The folder
`~/.cache/datadog-crossorg/pulumi-<version>-<sources hash>/bin` (or `$DATADOG_CROSSORG_CACHE`)
then holds:

- `pulumi`: the CLI, package `cmd/pulumi` of `github.com/pulumi/pulumi/pkg/v3`, built through
  engine/go.mod: pkg/v3's own go.mod `replace`s the SDK with a local path, so `go install
  …@version` refuses it; our module requires pkg/v3 and sdk/v3 at one version and repeats its
  non-local replace (clipboard).
- `pulumi-language-yaml`: `github.com/pulumi/pulumi-yaml`, through engine/yaml/go.mod.
- `pulumi-language-python`: ours (engine/cmd/pulumi-language-python; the proxy serves no version
  of Pulumi's), with `pulumi-language-python-exec`, the SDK's program runner, copied from the
  sdk/v3 module it ships in.
- `pulumi-language-nodejs` and `pulumi-language-go`: ours (engine/cmd/, on engine/internal/langhost
  with the Python one; the proxy serves no version of Pulumi's either). The Node.js host runs
  programs with the `@pulumi/pulumi` npm package's runner, the Go host builds them with `go`.
- `pulumi-resource-pulumi-python` and `pulumi-analyzer-policy-python`: ours (engine/scripts/),
  the small executables the CLI's distribution carries for Python.

Versions are pinned in engine/go.mod and engine/yaml/go.mod only; this file reads them there. The
folder name hashes every source under engine/, so a change there builds anew and an old folder is
never half-reused. The build goes to a temporary folder, renamed into place when complete.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ENGINE = Path(__file__).resolve().parent
CLI_MODULE = "github.com/pulumi/pulumi/pkg/v3"
SDK_MODULE = "github.com/pulumi/pulumi/sdk/v3"
YAML_MODULE = "github.com/pulumi/pulumi-yaml"
EXECUTABLES = (
    "pulumi",
    "pulumi-language-python",
    "pulumi-language-python-exec",
    "pulumi-language-nodejs",
    "pulumi-language-go",
    "pulumi-language-yaml",
    "pulumi-resource-pulumi-python",
    "pulumi-analyzer-policy-python",
)
# The Python SDK the project requires may not be newer than the CLI (the engine speaks the
# protocol of its own version); dev.py checks the installed one against this.


class EngineBuildError(RuntimeError):
    """The engine could not be built; the message says which step and what go printed."""


def required_version(go_mod: Path, module: str) -> str:
    """The version `go_mod` requires of `module` (the pin)."""
    match = re.search(rf"^\s*(?:require\s+)?{re.escape(module)}\s+(v\S+)", go_mod.read_text(), re.M)
    if not match:
        raise EngineBuildError(f"{go_mod} pins no version of {module}")
    return match.group(1)


def pulumi_version() -> str:
    return required_version(ENGINE / "go.mod", CLI_MODULE)


def yaml_version() -> str:
    return required_version(ENGINE / "yaml" / "go.mod", YAML_MODULE)


def _sources_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted(ENGINE.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(ENGINE).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def cache_root() -> Path:
    configured = os.environ.get("DATADOG_CROSSORG_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "datadog-crossorg"


def bin_dir() -> Path:
    """Where this checkout's engine lives (built or not)."""
    return cache_root() / f"pulumi-{pulumi_version()}-{_sources_hash()}" / "bin"


def is_built(folder: Path | None = None) -> bool:
    folder = folder or bin_dir()
    return all((folder / name).is_file() for name in EXECUTABLES)


def _go(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(["go", *args], cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode:
        raise EngineBuildError(
            f"`go {' '.join(args)}` in {cwd} failed (exit {done.returncode}):\n"
            f"{done.stderr.strip()[-4000:]}"
        )
    return done.stdout


def build(target: Path, log=print) -> None:
    """Build every executable into `target` (a new, empty folder)."""
    env = {**os.environ, "GOFLAGS": "-buildvcs=false -mod=readonly"}
    version = pulumi_version()
    ldflags = f"-X {SDK_MODULE}/go/common/version.Version={version}"
    log(
        f"engine: building pulumi {version} and our Python, Node.js and Go language hosts (go build)"
    )
    _go(
        [
            "build",
            "-trimpath",
            "-ldflags",
            ldflags,
            "-o",
            f"{target}/",
            f"{CLI_MODULE}/cmd/pulumi",
            "./cmd/pulumi-language-python",
            "./cmd/pulumi-language-nodejs",
            "./cmd/pulumi-language-go",
        ],
        ENGINE,
        env,
    )
    yaml = yaml_version()
    log(f"engine: building pulumi-language-yaml {yaml}")
    yaml_flags = f"-X {YAML_MODULE}/pkg/version.Version={yaml}"
    _go(
        [
            "build",
            "-trimpath",
            "-ldflags",
            yaml_flags,
            "-o",
            f"{target}/",
            f"{YAML_MODULE}/cmd/pulumi-language-yaml",
        ],
        ENGINE / "yaml",
        env,
    )
    sdk_dir = Path(_go(["list", "-m", "-f", "{{.Dir}}", SDK_MODULE], ENGINE, env).strip())
    runner = sdk_dir / "python" / "cmd" / "pulumi-language-python-exec"
    if not runner.is_file():
        raise EngineBuildError(f"the SDK module ships no program runner at {runner}")
    for source in [runner, *(ENGINE / "scripts").iterdir()]:
        copied = target / source.name
        shutil.copyfile(source, copied)
        copied.chmod(0o755)


def ensure_engine(log=print) -> Path | None:
    """The bin folder of a complete engine: reused when built, else built now. None without go."""
    if shutil.which("go") is None:
        return None
    folder = bin_dir()
    if is_built(folder):
        log(f"engine: pulumi {pulumi_version()} ready in {folder} (cached)")
        return folder
    folder.parent.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(dir=folder.parent.parent, prefix=".building-") as tmp:
        staged = Path(tmp) / "bin"
        staged.mkdir()
        build(staged, log)
        folder.parent.mkdir(parents=True, exist_ok=True)
        if not is_built(folder):  # another build may have finished meanwhile
            if folder.exists():
                shutil.rmtree(folder)
            staged.rename(folder)
    log(f"engine: built in {time.monotonic() - started:.0f} s into {folder}")
    for stale in folder.parent.parent.glob("pulumi-*"):
        if stale != folder.parent:  # builds of older engine sources (about 220 MB each)
            shutil.rmtree(stale, ignore_errors=True)
    return folder


if __name__ == "__main__":
    try:
        built = ensure_engine()
    except EngineBuildError as exc:
        print(f"engine: {exc}", file=sys.stderr)
        sys.exit(1)
    if built is None:
        print("engine: `go` is not on PATH; nothing built", file=sys.stderr)
        sys.exit(1)
    print(built)
