"""A test network for real browsers doing WebRTC: Chromium gathers no ICE candidate on the
loopback interface, nor any without a default route (shared/notes). A test re-runs itself
inside a private network namespace (`unshare -n`, as root) and calls `make_network` there:
a veth pair with two test addresses and a default route, which exist only in that namespace.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any


def make_network(veth: tuple[str, str], addresses: tuple[str, str]) -> None:
    a, b = veth
    for command in (["ip", "link", "set", "lo", "up"],
                    ["ip", "link", "add", a, "type", "veth", "peer", "name", b],
                    ["ip", "addr", "add", f"{addresses[0]}/24", "dev", a],
                    ["ip", "addr", "add", f"{addresses[1]}/24", "dev", b],
                    ["ip", "link", "set", a, "up"], ["ip", "link", "set", b, "up"],
                    ["ip", "route", "add", "default", "via", addresses[1], "dev", a]):
        subprocess.run(command, check=True)


# -- a browser test that runs itself in a namespace ----------------------------------------------
HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
FAKE_MEDIA = ["--use-fake-device-for-media-stream=fps=30", "--use-fake-ui-for-media-stream"]
MARK = "SCENARIO-RESULT "


def run_in_namespace(script: str, *args: str, timeout: float = 240) -> dict[str, Any]:
    """Run `script` (a test module) again inside a private network namespace, as root, and
    return the result its `scenario_main` printed."""
    assert os.geteuid() == 0, "the network namespace of this test needs root"
    run = subprocess.run(["unshare", "-n", sys.executable, script, *args],
                         capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    lines = [line for line in run.stdout.splitlines() if line.startswith(MARK)]
    assert lines, f"no result:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    result: dict[str, Any] = json.loads(lines[-1][len(MARK):])
    return result


def scenario_main(scenario: Callable[[], Awaitable[None]], veth: tuple[str, str],
                  addresses: tuple[str, str]) -> None:
    """Inside the namespace: make the test network, run the scenario, print its result
    (`{"error": None}`, or the error) for `run_in_namespace`."""
    sys.path[:0] = [str(HERE), str(ROOT / "tests")]
    make_network(veth, addresses)
    try:
        asyncio.run(scenario())
        result: dict[str, Any] = {"error": None}
    except Exception as exc:
        result = {"error": f"{type(exc).__name__}: {str(exc)[:2000]}"}
    print(MARK + json.dumps(result), flush=True)
