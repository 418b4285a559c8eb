"""The client's state module under Node's own test runner (tests/client/*.test.js): no
browser, a few milliseconds. Fails when node is missing rather than skipping."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_client_state_under_node() -> None:
    node = shutil.which("node")
    assert node is not None, "node (20+) is needed for tests/client"
    done = subprocess.run([node, "--test", "tests/client/"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
