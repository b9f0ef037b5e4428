"""The outside tools the API-description tests use, and how a test gets them (or skips, saying why).

- swagger2openapi, oas-validate, openapi-to-postmanv2, newman: npm packages pinned in tools/api/package.json,
  installed by `make doc-tools` (which `make test` runs when npm is present) into tools/api/node_modules.
- openapi-generator: the `openapi-generator-cli` PyPI package (requirements-dev.txt) ships the jar; it needs Java.

CI sets REQUIRE_API_TOOLS=1: a missing tool then fails the test instead of skipping it.
"""
import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NODE_BIN = ROOT / "tools" / "api" / "node_modules" / ".bin"


def require_node_tool(name: str) -> str:
    path = NODE_BIN / name
    if path.exists() and shutil.which("node"):
        return str(path)
    _missing(f"{name} is not installed (run `make doc-tools`: it needs node and npm)")


def require_java() -> str:
    java = shutil.which("java")
    if java:
        return java
    _missing("Java is not installed: the openapi-generator test needs Java 17 (e.g. apt-get install openjdk-17-jre)")


def _missing(reason: str):
    if os.environ.get("REQUIRE_API_TOOLS"):
        pytest.fail(f"REQUIRE_API_TOOLS is set but {reason}")
    pytest.skip(reason)
