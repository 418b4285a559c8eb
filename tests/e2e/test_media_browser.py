"""Real Chromium, real camera path: one page publishes through Plenary, another plays it.

Chromium gathers no ICE candidate on the loopback interface, and none at all without a
default route, so the scenario runs in a private network namespace made for this test
(`unshare -n`, as root): a veth pair with two test addresses and a default route that exist
only in there. The server serves a tiny test page next to the real `client/js/media.js`
(copied into a client folder of the test's own); pages come from 127.0.0.1, which keeps
Chromium's candidates free of mDNS names.

Run by pytest (the tests below re-run this file as a script inside the namespace), or by
hand: `unshare -n .venv/bin/python tests/e2e/test_media_browser.py [--cross]`. With
`--cross` the viewer's page comes from a second Plenary process on a Redis of the test's
own: that process pulls the publisher from the first over a relay leg and serves the
browser itself.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from netns import make_network

pytestmark = [pytest.mark.browser, pytest.mark.media]

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu",
         "--use-fake-device-for-media-stream=fps=30", "--use-fake-ui-for-media-stream",
         "--disable-background-networking", "--disable-component-update", "--no-first-run",
         "--disable-sync"]
VETH = ("plm0", "plm1")
ADDRESSES = ("10.203.0.1", "10.203.0.2")
RESULT = "MEDIA-RESULT "

PAGE = """<!doctype html><meta charset="utf-8"><title>media test</title>
<video id="v" autoplay playsinline muted></video>
<script type="module">
import { publish, watch } from './js/media.js';
const params = new URLSearchParams(location.hash.slice(1));
const ws = new WebSocket(`ws://${location.host}/ws`);
let next = 1; const waiting = new Map();
ws.onmessage = (e) => {
  for (const m of [JSON.parse(e.data)].flat()) {
    const w = waiting.get(m.id);
    if (!w) continue;
    waiting.delete(m.id);
    if (m.type === 'ok') w.resolve(m.data);
    else w.reject(new Error(m.error.code + ': ' + m.error.message));
  }
};
const call = (type, data) => new Promise((resolve, reject) => {
  const id = next++; waiting.set(id, { resolve, reject });
  ws.send(JSON.stringify({ id, type, data }));
});
window.status_ = 'starting';
ws.onopen = async () => {
  try {
    await call('hello', { token: params.get('token') });
    const snapshot = await call('session.join', { session: 'opening', mode: 'remote' });
    const ice = snapshot.media.ice_servers;
    if (params.get('role') === 'publish') {
      const stream = await navigator.mediaDevices.getUserMedia(
        { video: { width: 640, height: 360 }, audio: true });
      const handle = await publish(
        call, { session: 'opening', kind: 'camera', stream, iceServers: ice });
      window.publisher = handle.publisher;
      document.getElementById('v').srcObject = stream;
    } else {
      const handle = await watch(call, params.get('publisher'), ice);
      document.getElementById('v').srcObject = handle.stream;
      window.viewer = handle;
    }
    window.status_ = 'ok';
  } catch (err) {
    window.status_ = 'error: ' + err.message;
  }
};
</script>
"""

PLAYBACK = """async () => {
  const v = document.getElementById('v');
  const q = v.getVideoPlaybackQuality();
  let decoded = 0, codec = null;
  const stats = await window.viewer.pc.getStats();
  const codecs = {};
  stats.forEach((s) => { if (s.type === 'codec') codecs[s.id] = s.mimeType; });
  stats.forEach((s) => {
    if (s.type === 'inbound-rtp' && s.kind === 'video') {
      decoded = s.framesDecoded; codec = codecs[s.codecId] || null;
    }
  });
  return {time: v.currentTime, frames: q.totalVideoFrames, decoded, codec,
          width: v.videoWidth, height: v.videoHeight};
}"""


def test_a_browser_publishes_and_another_plays_it() -> None:
    check_playback(run_scenario())


def test_a_browser_watches_a_publisher_on_another_process() -> None:
    result = run_scenario("--cross")
    check_playback(result)
    assert result["legs"] == 1, "the viewer's process pulled the publisher over one leg"


def run_scenario(*args: str) -> dict[str, Any]:
    assert os.geteuid() == 0, "the network namespace of this test needs root"
    assert Path(CHROMIUM).exists(), "Debian's chromium package provides /usr/bin/chromium"
    run = subprocess.run(["unshare", "-n", sys.executable, __file__, *args],
                         capture_output=True, text=True, timeout=240, cwd=ROOT)
    lines = [line for line in run.stdout.splitlines() if line.startswith(RESULT)]
    assert lines, f"no result:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    return dict(json.loads(lines[-1][len(RESULT):]))


def check_playback(result: dict[str, Any]) -> None:
    assert result.get("error") is None, result
    first, last = result["first"], result["last"]
    assert last["decoded"] >= first["decoded"] + 30, "the viewer keeps decoding frames"
    assert last["time"] >= first["time"] + 1.0, "the video element plays on"
    assert (last["width"], last["height"]) == (640, 360)
    assert last["codec"] == "video/VP8", "relayed as the publisher sent it"


# -- the scenario, inside the namespace -----------------------------------------------------------
def _network() -> None:
    make_network(VETH, ADDRESSES)


async def _scenario(client_dir: Path, cross: bool) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT / "tests"))
    from playwright.async_api import async_playwright

    from harness import RedisServer, Server, create_event

    env = {"PLENARY_CLIENT_DIR": str(client_dir)}
    redis = RedisServer() if cross else None
    servers: list[Server] = []
    try:
        if redis is not None:
            redis.start()
            servers = [Server(redis.url, env=env).start(), Server(redis.url, env=env).start()]
        else:
            servers = [Server(env=env).start()]
        event = create_event(servers[0])
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            try:
                result = await _pages(browser, servers[0].http, servers[-1].http, event)
                if cross and result.get("error") is None:
                    result["legs"] = _legs(servers[0])
                return result
            finally:
                await browser.close()
    finally:
        for server in servers:
            server.stop()
        if redis is not None:
            redis.stop()


def _legs(origin: Any) -> int:
    """The relay legs the publisher's process sends (from its /metrics)."""
    import re
    import urllib.request

    with urllib.request.urlopen(origin.http + "/metrics", timeout=10) as response:
        body = response.read().decode()
    found = re.search(r'^plenary_media_peers\{role="leg_out"\} (\S+)$', body, re.M)
    return int(float(found.group(1))) if found else -1


async def _pages(browser: Any, base: str, viewer_base: str, event: Any) -> dict[str, Any]:
    speaker = await browser.new_page()
    await speaker.goto(f"{base}/test.html#role=publish&token={event.token('speaker')}")
    await speaker.wait_for_function("window.status_ !== 'starting'", timeout=30_000)
    status = await speaker.evaluate("window.status_")
    if status != "ok":
        return {"error": f"publisher: {status}"}
    publisher = await speaker.evaluate("window.publisher")
    viewer = await browser.new_page()
    await viewer.goto(f"{viewer_base}/test.html#role=watch&publisher={publisher}"
                      f"&token={event.token('attendee')}")
    await viewer.wait_for_function("window.status_ !== 'starting'", timeout=30_000)
    status = await viewer.evaluate("window.status_")
    if status != "ok":
        return {"error": f"viewer: {status}"}
    await viewer.wait_for_function(
        "document.getElementById('v').currentTime > 0.5", timeout=60_000)
    first = await viewer.evaluate(PLAYBACK)
    await viewer.wait_for_timeout(3000)  # watch it play for a while
    last = await viewer.evaluate(PLAYBACK)
    return {"error": None, "first": first, "last": last}


def main() -> None:
    import asyncio

    _network()
    client_dir = Path(tempfile.mkdtemp(prefix="plenary-media-e2e-"))
    try:
        (client_dir / "js").mkdir()
        shutil.copy(ROOT / "client" / "js" / "media.js", client_dir / "js" / "media.js")
        (client_dir / "test.html").write_text(PAGE)
        try:
            result = asyncio.run(_scenario(client_dir, "--cross" in sys.argv))
        except Exception as exc:
            result = {"error": f"{type(exc).__name__}: {exc}"}
        print(RESULT + json.dumps(result), flush=True)
    finally:
        shutil.rmtree(client_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
