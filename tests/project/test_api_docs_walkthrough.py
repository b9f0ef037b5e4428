"""docs/api.md's examples work as written: every `bash` block in it, run in order in one shell against a server
started like `make run` (fresh SQLite database with the sample data), succeeds and answers what the block shown
right after it says.

The changes made to the blocks: the port (the server listens on a free one instead of 8000), and the project's
Python for `.venv/bin/python manage.py`, because the blocks run in a scratch folder (the examples save files).
"""
import json
import re
import shutil
import subprocess
import sys

import pytest

from tests.make_run_server import ROOT, make_run_server

DOC = ROOT / "docs" / "api.md"
MARKER = "@@API-DOC-BLOCK@@"
# A fenced block: its language and body, at a position in the text.
FENCE = re.compile(r"```(\w+)\n(.*?)```", flags=re.S)
# A number written as a path segment of the server's URL: /shows/1/, /orders/12/...
FIXED_ID = re.compile(r"127\.0\.0\.1:8000/(?:[\w.-]+/)*\d+(?:/|\b)")


def _bash_blocks() -> list[tuple[str, tuple[str, str] | None]]:
    """(bash block, (language, body) of the output block shown right after it, if any), in the order of the
    document.

    An output block belongs to a bash block only when nothing but blank lines separates them, so an example
    further down (an order's JSON, a `console` session) is never taken for an earlier block's output."""
    text = DOC.read_text()
    fences = list(FENCE.finditer(text))
    blocks = []
    for index, fence in enumerate(fences):
        if fence.group(1) != "bash":
            continue
        following = fences[index + 1] if index + 1 < len(fences) else None
        shown = None
        if (following is not None and following.group(1) in ("json", "text")
                and not text[fence.end():following.start()].strip()):
            shown = (following.group(1), following.group(2))
        blocks.append((fence.group(2), shown))
    return blocks


def _expected_fragments(shown: tuple[str, str] | None) -> list[str]:
    """What the shown output promises, loosely: its JSON keys and its error codes; and, exactly, each line of a
    `text` output that is not JSON (a status line, a header, `paid 33.00 16.50`)."""
    if shown is None:
        return []
    language, body = shown
    fragments = [f'"{key}"' for key in dict.fromkeys(re.findall(r'"(\w+)":', body))]
    # Error codes are lower-case words (a ticket's code is not one: it changes every run).
    fragments += [f'"code":"{code}"' for code in re.findall(r'"code": "([a-z_]+)"', body)]
    if language == "text":
        fragments += [line.strip() for line in body.splitlines()
                      if line.strip() and not re.search(r"[{}\[\]]|\.\.\.", line)]
    return fragments


def test_the_examples_are_found():
    blocks = [block for block, _ in _bash_blocks()]

    assert len(blocks) >= 25
    assert all("127.0.0.1:8000" in block or "TOKEN=" in block or "ID=" in block for block in blocks)
    # The walkthrough, the translated error, the catalogue and the sale from hold to door are all run.
    for path in ("/signup", "/shows/$SHOW_ID/hold/", "/movies/?search=", "/orders/", "/mark-paid/", "/checkin/",
                 "/tickets.pdf", "Accept-Language: es"):
        assert any(path in block for block in blocks), path


def test_no_example_assumes_an_id():
    """Ids come from earlier answers (shell variables), never a number written in a URL: on another database,
    or pasted in another order, a fixed id names something else."""
    for block, _ in _bash_blocks():
        assert FIXED_ID.findall(block) == [], f"a fixed id in:\n{block}"


@pytest.mark.skipif(shutil.which("curl") is None, reason="docs/api.md's examples use curl, which is not installed")
def test_api_docs_examples_work_as_written_on_a_fresh_make_run(tmp_path):
    blocks = _bash_blocks()
    scratch = tmp_path / "cwd"
    scratch.mkdir()
    with make_run_server(tmp_path) as (base_url, env):
        manage = f"{sys.executable} {ROOT / 'manage.py'}"
        script = "set -euo pipefail\n" + "".join(
            f"echo '{MARKER}'\n"
            f"{block.replace('http://127.0.0.1:8000', base_url).replace('.venv/bin/python manage.py', manage)}\n"
            for block, _ in blocks)
        result = subprocess.run(["bash", "-c", script], cwd=scratch, env=env, capture_output=True, text=True,
                                timeout=300)
    server_log = (tmp_path / "server.log").read_text()

    assert result.returncode == 0, f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    outputs = result.stdout.split(MARKER + "\n")[1:]
    assert len(outputs) == len(blocks)
    for (block, shown), output in zip(blocks, outputs, strict=True):
        compact = output.replace(": ", ":").replace(", ", ",")
        for fragment in _expected_fragments(shown):
            assert fragment.replace(": ", ":").replace(", ", ",") in compact, \
                f"{fragment} not in the output of:\n{block}\n{output}"
    # No request was a server error.
    assert '"code":"server_error"' not in result.stdout
    assert not re.search(r'" 5\d\d ', server_log), server_log[-3000:]
    assert json.loads(outputs[0])["username"] == "john_doe"
    # The files the ticket examples save are what they say.
    assert (scratch / "ticket.png").read_bytes().startswith(b"\x89PNG")
    assert (scratch / "tickets.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.skipif(shutil.which("curl") is None, reason="the README's examples use curl, which is not installed")
def test_the_readmes_taste_of_the_api_works_on_a_fresh_make_run(tmp_path):
    """The README's few curl lines (its bash block that signs up) work as pasted, and book seat 15."""
    taste = [body for language, body in FENCE.findall((ROOT / "README.md").read_text())
             if language == "bash" and "/signup" in body]
    assert len(taste) == 1
    assert FIXED_ID.findall(taste[0]) == [], "a fixed id in the README"
    with make_run_server(tmp_path) as (base_url, env):
        script = "set -euo pipefail\n" + taste[0].replace("http://127.0.0.1:8000", base_url)
        result = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                                timeout=120)

    assert result.returncode == 0, f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    assert '"seat_number":15,"status":"booked"' in result.stdout, result.stdout[-3000:]
