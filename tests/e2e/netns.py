"""A test network for real browsers doing WebRTC: Chromium gathers no ICE candidate on the
loopback interface, nor any without a default route (shared/notes). A test re-runs itself
inside a private network namespace (`unshare -n`, as root) and calls `make_network` there:
a veth pair with two test addresses and a default route, which exist only in that namespace.
"""

from __future__ import annotations

import subprocess


def make_network(veth: tuple[str, str], addresses: tuple[str, str]) -> None:
    a, b = veth
    for command in (["ip", "link", "set", "lo", "up"],
                    ["ip", "link", "add", a, "type", "veth", "peer", "name", b],
                    ["ip", "addr", "add", f"{addresses[0]}/24", "dev", a],
                    ["ip", "addr", "add", f"{addresses[1]}/24", "dev", b],
                    ["ip", "link", "set", a, "up"], ["ip", "link", "set", b, "up"],
                    ["ip", "route", "add", "default", "via", addresses[1], "dev", a]):
        subprocess.run(command, check=True)
