"""The plugin archive that `pulumi plugin install resource datadog-crossorg <version> --file` takes.

Its files sit at the root of the .tar.gz, which the CLI unpacks as the plugin folder:

    PulumiPlugin.yaml   runtime: python; installing creates ./venv from requirements.txt
    requirements.txt    this distribution's own dependencies (pulumi, requests, ...)
    __main__.py         the engine runs `python <plugin folder> <engine address>`
    schema.json         the package schema (also served by GetSchema)
    datadog_crossorg/   this package's sources, importable because the folder is sys.path[0]

The bytes depend only on the sources and the version (sorted entries, fixed times and owners).
"""

from __future__ import annotations

import gzip
import io
import tarfile
from importlib import metadata
from pathlib import Path

from datadog_crossorg import __version__
from datadog_crossorg.native.schema import PACKAGE

DISTRIBUTION = "pulumi-datadog-crossorg"
NATIVE_DIR = Path(__file__).resolve().parent
PACKAGE_DIR = NATIVE_DIR.parent
_SKIP_DIRS = {"__pycache__"}
_SKIP_SUFFIXES = {".pyc", ".pyo"}


def archive_name(version: str = __version__) -> str:
    return f"pulumi-resource-{PACKAGE}-v{version}.tar.gz"


def requirements() -> list[str]:
    """The installed distribution's requirements, without optional extras."""
    try:
        required = metadata.requires(DISTRIBUTION) or []
    except metadata.PackageNotFoundError:
        raise RuntimeError(
            f"{DISTRIBUTION} is not installed, so its requirements are unknown; install it "
            "(pip install -e .) and build again"
        ) from None
    return sorted(r for r in required if "extra ==" not in r)


def manifest(version: str = __version__) -> str:
    return (
        f"# {PACKAGE} {version}: `pulumi plugin install` creates ./venv from requirements.txt\n"
        "runtime: python\n"
    )


def files(version: str = __version__) -> dict[str, bytes]:
    """Archive path -> content."""
    found = {
        "PulumiPlugin.yaml": manifest(version).encode(),
        "requirements.txt": ("\n".join(requirements()) + "\n").encode(),
        "__main__.py": (NATIVE_DIR / "__main__.py").read_bytes(),
        "schema.json": (NATIVE_DIR / "schema.json").read_bytes(),
    }
    for path in sorted(PACKAGE_DIR.rglob("*")):
        relative = path.relative_to(PACKAGE_DIR.parent)
        if (
            path.is_file()
            and path.suffix not in _SKIP_SUFFIXES
            and not (_SKIP_DIRS & set(relative.parts))
        ):
            found[relative.as_posix()] = path.read_bytes()
    return found


def build(out_dir: Path, version: str = __version__) -> Path:
    """Write the archive into `out_dir` (created if needed) and return its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / archive_name(version)
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, content in sorted(files(version).items()):
            info = tarfile.TarInfo(name)
            info.size = len(content)
            info.mode = 0o644
            info.mtime = 0
            tar.addfile(info, io.BytesIO(content))
    target.write_bytes(gzip.compress(raw.getvalue(), mtime=0))
    return target
