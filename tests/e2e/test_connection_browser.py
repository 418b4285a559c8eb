"""The client's connection module, in Chromium, against a scripted socket: seqs dedupe,
gaps resync, resume asks for the last seq of each topic, back-off grows with jitter."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Browser

from conftest import TIMEOUT_MS
from harness import Server

pytestmark = pytest.mark.browser

SCRIPT = """
async () => {
  const { Connection } = await import('/js/connection.js');
  const sockets = [];
  class FakeSocket {
    constructor(url) { this.url = url; this.sent = []; sockets.push(this);
      setTimeout(() => this.onopen && this.onopen(), 0); }
    send(text) { this.sent.push(JSON.parse(text)); }
    close(code = 1006) { this.onclose && this.onclose({ code, reason: '' }); }
    deliver(message) { this.onmessage({ data: JSON.stringify(message) }); }
  }
  window.WebSocket = FakeSocket;
  const tick = () => new Promise((r) => setTimeout(r, 0));
  const conn = new Connection({ url: 'ws://x/ws', token: 'T', mode: 'in_room' });
  const seen = [];
  const stale = [];
  const delays = [];
  conn.on('room.message', (d) => seen.push(d.n));
  conn.on('stale', (topic) => stale.push(topic));
  conn.on('status', (s) => { if (s.state === 'reconnecting') delays.push(s.seconds); });
  conn.start();
  await tick();
  const first = sockets[0];
  const hello1 = first.sent[0];
  const queued = conn.call('qa.vote', { question: 'q1', up: true });
  const queuedBeforeHello = first.sent.length;
  first.deliver({ type: 'ok', id: hello1.id, data: { user: { id: 'u1' }, resumed: {} } });
  await tick();
  const vote = first.sent[1];
  first.deliver([{ type: 'ok', id: vote.id, data: { votes: 3 } }]);
  const votes = (await queued).votes;
  conn.setTopics({ 'room:r1': 10 });
  const m = (seq, n) => ({ type: 'room.message', topic: 'room:r1', seq, data: { n } });
  first.deliver([m(11, 'a'), m(12, 'b'), m(12, 'b-again'), m(11, 'a-again'), m(13, 'c')]);
  first.deliver(m(15, 'after-gap'));
  const pending = conn.call('room.leave', { room: 'r1' }); // not keyed: rejected, not retried
  first.close(1006);
  let failed = null;
  try { await pending; } catch (err) { failed = err.code; }
  // Back-off: wait for the reconnect, then check what the new hello asks for.
  while (sockets.length < 2) await new Promise((r) => setTimeout(r, 50));
  await tick();
  const hello2 = sockets[1].sent[0];
  sockets[1].deliver({ type: 'ok', id: hello2.id, data: { user: { id: 'u1' },
    resumed: { 'room:r1': false } } });
  await tick();
  sockets[1].close(4401);
  return { hello1: hello1.data, queuedBeforeHello, votes, seen, stale, failed,
           resume: hello2.data.resume, staleAfter: stale.slice(1), delays,
           sockets: sockets.length, state: conn.state, forgotten: !conn.seqs.has('room:r1') };
}
"""


async def test_connection_dedupes_resyncs_resumes_and_backs_off(browser: Browser,
                                                                server: Server) -> None:
    page = await browser.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    await page.goto(f"{server.http}/#/join")
    result: dict[str, Any] = await page.evaluate(SCRIPT)

    assert result["hello1"] == {"token": "T", "mode": "in_room"}
    assert result["queuedBeforeHello"] == 1  # the vote waited for hello's reply
    assert result["votes"] == 3
    assert result["seen"] == ["a", "b", "c", "after-gap"]  # replays dropped, in order
    assert result["stale"][0] == "room:r1"  # the gap 13 → 15 asks for a fresh room join
    assert result["failed"] == "disconnected"
    assert result["resume"] == {"room:r1": 15}
    assert result["staleAfter"] == ["room:r1"]  # resumed: false → rejoin
    assert result["forgotten"]
    assert result["delays"] == [1]  # first step: 0.25–0.5 s, shown rounded up
    assert result["sockets"] == 2 and result["state"] == "offline"  # 4401: no retry
