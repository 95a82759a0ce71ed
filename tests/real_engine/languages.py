"""Projects of the native provider in the languages that need a generated SDK (Python, TypeScript,
Go), for the real CLI: each runs the plugin from this checkout (`plugins:` in Pulumi.yaml), and
the TypeScript and Go programs are README's snippets, completed the same way for both.

npm and Go downloads land where the machine keeps them (npm's cache, GOMODCACHE), so after the
first run a project installs from disk.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from datadog_crossorg import __version__
from datadog_crossorg.emulator import Emulator
from datadog_crossorg.native.archive import NATIVE_DIR
from datadog_crossorg.native.schema import PACKAGE
from datadog_crossorg.testing.pulumi_cli import PulumiCLI
from tests.real_engine.cli_world import VENV
from tests.support.paths import ROOT

README = ROOT / "README.md"
# The @pulumi/pulumi npm release the TypeScript programs run on: no newer than the CLI (3.274.1;
# npm has no 3.274.x, so the latest release below it).
NODE_SDK_VERSION = "3.270.0"
TS_PROJECT = "crossorg-ts"
TS_RUN_ENV = {"PULUMI_NODEJS_TRANSPILE_ONLY": "true"}
GO_PROJECT = "crossorg-go"
# The Go SDK module: the CLI's own version (engine/go.mod), from the module proxy.
GO_SDK_VERSION = "v3.274.1"


def readme_snippet(language: str) -> str:
    """The first ```<language> block of README's native section."""
    native = README.read_text(encoding="utf-8").split("<!-- native:begin -->", 1)[1]
    found = re.search(rf"```{language}\n(.*?)```", native, re.S)
    assert found, f"README's native section shows no {language} program"
    return found.group(1)


def _project_file(target: Path, name: str, runtime: Any, *, plugin: bool = True) -> None:
    """Pulumi.yaml; with `plugin` it runs the plugin from this checkout, else the installed one."""
    project: dict[str, Any] = {"name": name, "runtime": runtime}
    if plugin:
        project["plugins"] = {"providers": [{"name": PACKAGE, "path": str(NATIVE_DIR)}]}
    (target / "Pulumi.yaml").write_text(yaml.safe_dump(project, sort_keys=False))


def python_project(
    target: Path, *, virtualenv: Path = VENV, plugin: bool = True, program: str = "import pulumi\n"
) -> Path:
    """A Python program; on this checkout's virtualenv unless given one of its own."""
    target.mkdir(parents=True)
    runtime = {"name": "python", "options": {"virtualenv": str(virtualenv)}}
    _project_file(target, "crossorg-python", runtime, plugin=plugin)
    (target / "__main__.py").write_text(program)
    return target


def default_provider_keys(emu: Emulator, key_pair: str) -> dict[str, str]:
    """Stack config giving the default provider `key_pair`'s keys."""
    keys = emu.keys(key_pair)
    return {
        f"{PACKAGE}:apiKey": keys.api_key,
        f"{PACKAGE}:appKey": keys.app_key,
        f"{PACKAGE}:apiUrl": emu.url,
    }


def printed_code(stdout: str, first_line: str) -> str:
    """The code `pulumi import` prints after its notes, from the line starting `first_line`."""
    assert "Please copy the following code into your Pulumi application" in stdout, stdout
    lines = stdout.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith(first_line)), None)
    assert start is not None, stdout
    return "\n".join(lines[start:]).strip() + "\n"


def run(command: list[str], cwd: Path, timeout: float = 600) -> None:
    """A build tool's command (npm, go); its output in the failure."""
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"$ {' '.join(command)}\n{done.stdout}{done.stderr}"


def typescript_project(target: Path, cli_for: Callable[[Path], PulumiCLI]) -> Path:
    """A Node.js project running README's TypeScript program, its SDK added with README's
    `pulumi package add` (the plugin must be installed in the CLI's PULUMI_HOME)."""
    target.mkdir(parents=True)
    (target / "Pulumi.yaml").write_text(
        yaml.safe_dump({"name": TS_PROJECT, "runtime": "nodejs"}, sort_keys=False)
    )
    package = {
        "name": TS_PROJECT,
        "main": "index.ts",
        "devDependencies": {"@types/node": "^20", "typescript": "^5"},
        "dependencies": {"@pulumi/pulumi": NODE_SDK_VERSION},
    }
    (target / "package.json").write_text(json.dumps(package, indent=2))
    tsconfig = {
        "compilerOptions": {
            "strict": True,
            "target": "es2020",
            "module": "commonjs",
            "moduleResolution": "node",
        },
        "files": ["index.ts"],
    }
    (target / "tsconfig.json").write_text(json.dumps(tsconfig, indent=2))
    (target / "index.ts").write_text(readme_snippet("ts"))
    run(["npm", "install", "--no-audit", "--no-fund", "--prefer-offline"], target)
    cli_for(target).run("package", "add", f"{PACKAGE}@{__version__}")
    typecheck(target)
    return target


def typecheck(project: Path) -> None:
    """`tsc --noEmit`: the program compiles against the generated SDK. (The CLI's runs then
    only transpile, TS_RUN_ENV, which saves ts-node's type check on every command.)"""
    run(["npx", "--no-install", "tsc", "--noEmit", "-p", "."], project)


# The payments org's admin role (the emulator's key pair for payments holds it).
PAYMENTS_ADMINS = "role:e5a00c43-d0d5-4dd5-bea0-1462ee8b9015"


def readme_program_config(emu: Emulator, project: str) -> dict[str, Any]:
    """The stack config README's TypeScript and Go programs read, for the offline Datadog."""
    values: dict[str, Any] = {"hubOrgId": emu.org_uuid("hub"), "apiUrl": emu.url}
    for org in ("payments", "search"):
        values[f"{org}ApiKey"] = emu.keys(org).api_key
        values[f"{org}AppKey"] = emu.keys(org).app_key
    values["paymentsEditors"] = [PAYMENTS_ADMINS]
    return {f"{project}:{k}": v for k, v in values.items()}


def provider_urn(stack: str, project: str, name: str) -> str:
    return f"urn:pulumi:{stack}::{project}::pulumi:providers:{PACKAGE}::{name}"


def declared(code: str) -> str:
    """Imported code to add to a program: without its import lines and unprotected, so that
    `destroy` may delete what was imported."""
    kept = [line for line in code.splitlines() if not line.startswith("import ")]
    return "\n".join(kept).replace("protect: true,", "").replace("Protect(true),", "") + "\n"


def go_project(target: Path, cli_for: Callable[[Path], PulumiCLI]) -> Path:
    """A Go project running README's Go program on the SDK of the CLI's own version; README's
    `pulumi package add` generates the SDK, adds its `replace` and runs `go mod tidy`."""
    target.mkdir(parents=True)
    (target / "Pulumi.yaml").write_text(
        yaml.safe_dump({"name": GO_PROJECT, "runtime": "go"}, sort_keys=False)
    )
    (target / "go.mod").write_text(
        f"module {GO_PROJECT}\n\ngo 1.24\n\nrequire github.com/pulumi/pulumi/sdk/v3 {GO_SDK_VERSION}\n"
    )
    (target / "main.go").write_text(readme_snippet("go"))
    cli_for(target).run("package", "add", f"{PACKAGE}@{__version__}")
    return target


def go_declared(code: str, alias: str) -> str:
    """The statements of the Go program `pulumi import` printed (inside its `pulumi.Run`), to
    paste before README's final `return nil`: with README's SDK alias, unprotected, and `err`
    assigned rather than declared again."""
    lines = code.splitlines()
    start = next(i for i, line in enumerate(lines) if "pulumi.Run(func(ctx" in line) + 1
    end = max(i for i, line in enumerate(lines) if line.strip() == "return nil")
    body = "\n".join(lines[start:end])
    body = re.sub(r"\b\w+ \"example\.com/[^\"]*\"", "", body)
    body = body.replace("datadogcrossorg.", f"{alias}.").replace(", pulumi.Protect(true)", "")
    return body.replace("_, err :=", "_, err =") + "\n"


def _append(program: str, declaration: str) -> str:
    return program + declaration


def _before_final_return(program: str, declaration: str) -> str:
    head, tail = program.rsplit("\t\treturn nil\n", 1)
    return head + declaration + "\t\treturn nil\n" + tail


@dataclass(frozen=True)
class Language:
    """What differs between README's TypeScript and Go programs, for one shared lifecycle."""

    fence: str  # README's code fence, e.g. ```ts
    project: str
    program: str  # the program's file
    make: Callable[[Path, Callable[[Path], PulumiCLI]], Path]
    two_types: str  # the source of payments-to-hub's types, and of the one-type change
    one_type: str
    code_start: str  # the first line of the code `pulumi import` prints
    new_connection: str  # how that code makes the imported connection (format: name)
    sink: str  # how that code sets the sink (format: uuid)
    declare: Callable[[str], str]  # printed code -> what to add to the program
    insert: Callable[[str, str], str]  # program, declaration -> the program declaring it too
    adopt: str  # how the adopt fix reads in this language
    check: Callable[[Path], None]  # compile-checks the project after an edit
    env: dict[str, str]  # for the CLI's runs


TYPESCRIPT = Language(
    fence="ts",
    project=TS_PROJECT,
    program="index.ts",
    make=typescript_project,
    two_types='["metrics", "logs"]',
    one_type='["metrics"]',
    code_start="import ",
    new_connection='new datadog_crossorg.OrgConnection("{}"',
    sink='sinkOrgId: "{}"',
    declare=lambda code: declared(code).replace("datadog_crossorg.", "crossorg."),
    insert=_append,
    adopt="adopt: true",
    check=typecheck,
    env=TS_RUN_ENV,
)
GO = Language(
    fence="go",
    project=GO_PROJECT,
    program="main.go",
    make=go_project,
    two_types='pulumi.StringArray{pulumi.String("metrics"), pulumi.String("logs")}',
    one_type='pulumi.StringArray{pulumi.String("metrics")}',
    code_start="package main",
    new_connection='datadogcrossorg.NewOrgConnection(ctx, "{}"',
    sink='SinkOrgId: pulumi.String("{}")',
    declare=lambda code: go_declared(code, "crossorg"),
    insert=_before_final_return,
    adopt="Adopt: pulumi.Bool(true)",
    check=lambda project: run(["go", "vet", "."], project),
    env={},
)


def error_lines(result_output: str, marker: str) -> str:
    """The first `error:` line the CLI prints under a line holding `marker` (like
    "(payments-to-hub)"), with the line after it, joined."""
    lines = result_output.splitlines()
    for index, line in enumerate(lines):
        if marker in line and index + 1 < len(lines) and "error:" in lines[index + 1]:
            return " ".join(" ".join(lines[index + 1 : index + 3]).split())
    raise AssertionError(f"no error shown under {marker}:\n{result_output}")


def no_stack_trace(output: str) -> bool:
    """No Python traceback, Node.js stack or Go panic in what the CLI printed."""
    signs = ("Traceback", '  File "', "\n    at ", "goroutine ", "panic:")
    return not any(sign in output for sign in signs)
