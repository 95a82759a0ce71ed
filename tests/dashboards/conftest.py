"""Fixtures of the dashboards' and notebooks' tests."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from pulumi.runtime.proto import analyzer_pb2_grpc

import datadog_crossorg.policy


@pytest.fixture
def served_pack() -> Iterator[analyzer_pb2_grpc.AnalyzerStub]:
    pack_dir = Path(datadog_crossorg.policy.__file__).parent
    assert (pack_dir / "PulumiPolicy.yaml").is_file()
    process = subprocess.Popen(
        [sys.executable, "__main__.py"], cwd=pack_dir, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline())
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield analyzer_pb2_grpc.AnalyzerStub(channel)
    finally:
        process.terminate()
        process.wait(timeout=10)
