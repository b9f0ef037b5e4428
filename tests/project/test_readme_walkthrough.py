"""The README's walkthrough works as written: its bash blocks, run in order in one shell against a server started
like `make run` (fresh SQLite database with the sample data), all succeed and answer what the README shows.

The only change made to the blocks is the port (the server listens on a free one instead of 8000).
"""
import json
import re
import shutil
import subprocess

import pytest

from tests.make_run_server import ROOT, make_run_server

MARKER = "@@README-BLOCK@@"


def _walkthrough_blocks() -> list[tuple[str, str | None]]:
    """(bash block, the output block shown right after it, if any), in order."""
    text = (ROOT / "README.md").read_text()
    section = text.split("<!-- walkthrough:start -->", 1)[1].split("<!-- walkthrough:end -->", 1)[0]
    fences = re.findall(r"```(\w+)\n(.*?)```", section, flags=re.S)
    blocks = []
    for index, (language, body) in enumerate(fences):
        if language == "bash":
            following = fences[index + 1] if index + 1 < len(fences) else None
            blocks.append((body, following[1] if following and following[0] != "bash" else None))
    return blocks


def _expected_fragments(shown: str) -> list[str]:
    """What the shown output promises, loosely: its JSON keys, and its error code or status line exactly."""
    fragments = [f'"{key}"' for key in dict.fromkeys(re.findall(r'"(\w+)":', shown))]
    fragments += [f'"code":"{code}"' for code in re.findall(r'"code": "(\w+)"', shown)]
    fragments += re.findall(r"^(HTTP/1.1 \d+ .*|Idempotent-Replayed: true|\d{3})$", shown, flags=re.M)
    return fragments


def test_walkthrough_blocks_are_found():
    blocks = _walkthrough_blocks()

    assert len(blocks) >= 15
    assert all("127.0.0.1:8000" in block or "TOKEN=" in block or "ID=" in block for block, _ in blocks)


@pytest.mark.skipif(shutil.which("curl") is None, reason="the README's examples use curl, which is not installed")
def test_readme_walkthrough_works_as_written_on_a_fresh_make_run(tmp_path):
    blocks = _walkthrough_blocks()
    with make_run_server(tmp_path) as (base_url, env):
        script = "set -euo pipefail\n" + "".join(
            f"echo '{MARKER}'\n{block.replace('http://127.0.0.1:8000', base_url)}\n" for block, _ in blocks)
        result = subprocess.run(["bash", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                                timeout=300)
    server_log = (tmp_path / "server.log").read_text()

    assert result.returncode == 0, f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    outputs = result.stdout.split(MARKER + "\n")[1:]
    assert len(outputs) == len(blocks)
    for (block, shown), output in zip(blocks, outputs, strict=True):
        compact = output.replace(": ", ":").replace(", ", ",")
        for fragment in _expected_fragments(shown or ""):
            assert fragment.replace(": ", ":") in compact, f"{fragment} not in the output of:\n{block}\n{output}"
    # Every JSON the walkthrough printed parses, and no request was a server error.
    assert '"code":"server_error"' not in result.stdout
    assert not re.search(r'" 5\d\d ', server_log), server_log[-3000:]
    assert json.loads(outputs[0])["username"] == "john_doe"
