"""Benchmark: one 640x360 30 fps VP8 speaker relayed to N viewers, Plenary vs aiortc MediaRelay.

    .venv/bin/python tests/bench/media_relay.py --viewers 40
    .venv/bin/python tests/bench/media_relay.py --viewers 10 --per-process 5 --seconds 10 \
        --probes 2 --skip-mediarelay
    .venv/bin/python tests/bench/media_relay.py --processes 4 --viewers 120 --skip-mediarelay
    .venv/bin/python tests/bench/media_relay.py --processes 4 --spread others \
        --viewers 30,60 --skip-mediarelay
    .venv/bin/python tests/bench/media_relay.py --viewers 10 --audio-only --skip-mediarelay

With `--audio-only` (issue 17) the speaker sends audio too, and each count is run twice on
the same server: full viewers (video and audio), then audio-only viewers (`media.subscribe
{"audio_only": true}`: the same offer, no video forwarded); frames counted are then video
and audio frames together, and no probe decodes (`--probes 0`).

With `--processes P` (> 1) Plenary runs as P processes on a private Redis, the speaker on
the first (the origin); viewers are spread round-robin over all of them (`--spread all`) or
over all but the origin (`--spread others`: what the origin then does is one relay leg per
other process, however many viewers those serve). `--viewers` may list several counts, run
one after the other on the same processes: `--spread others --viewers 30,60` shows whether
the origin's CPU grows with viewers that sit elsewhere. Each run prints, besides the figures
below, every process's CPU and its peers by role, the origin's CPU, the time from a
viewer's subscribe reply to its first frame (p50 / max), and the machine's load average.

The speaker is an aiortc peer in this process sending synthetic frames that carry their
send time (32 black/white blocks in the top rows). Viewers are aiortc peers spread over
viewer processes (`--per-process`, about 10 each: one process cannot carry 40). Most viewers
only count complete encoded frames (no decoding: cheap), `--probes` viewers decode and read
the stamp for the publish-to-receive latency. The same run is then repeated against a
minimal aiortc `MediaRelay` server (decode once, encode per viewer) for comparison.

The speaker's bitrate is capped at `--bitrate` (default 800 kbit/s, about what Chromium sends
for 640x360; aiortc would otherwise climb to 1.5 Mbit/s): the relay's cost per viewer grows
with the packets it forwards. Printed per run: the kbit/s each viewer receives, frames per
second per viewer (min / median), p50/p99 latency, server CPU
(% of one core, total and per viewer, from /proc/<pid>/stat), and encodes: for Plenary the
server's `plenary_media_viewer_encodes_total` over the window (must be 0), for MediaRelay
the encoder calls counted in its server process. Not collected by pytest (no test_ prefix).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import os
import queue
import re
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import av
import websockets
from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.mediastreams import AudioStreamTrack, MediaStreamError, VideoStreamTrack

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from plenary.features.media import aiortc_hooks  # noqa: E402

WIDTH, HEIGHT = 640, 360
BLOCK = 16  # stamp bit size in pixels
BITS = 32


# -- the speaker -----------------------------------------------------------------------------------
class StampedVideo(VideoStreamTrack):
    """640x360 frames at 30 fps: a moving gradient, some noise, and the send time stamped."""

    def __init__(self) -> None:
        super().__init__()
        self._pattern = bytes((x * 3) & 0xFF for x in range(WIDTH * 2))
        self._n = 0

    async def recv(self) -> av.VideoFrame:
        pts, time_base = await self.next_timestamp()
        self._n += 1
        frame = av.VideoFrame(WIDTH, HEIGHT, "yuv420p")
        y = frame.planes[0]
        stride = y.line_size
        stamp = int(time.time() * 1000) & 0xFFFFFFFF
        bits = b"".join((b"\xeb" if stamp >> (BITS - 1 - i) & 1 else b"\x10") * BLOCK
                        for i in range(BITS))
        stamp_row = (bits + b"\x80" * (WIDTH - len(bits)))[:WIDTH] + b"\x80" * (stride - WIDTH)
        offset = (self._n * 4) % WIDTH
        row = self._pattern[offset:offset + WIDTH] + b"\x80" * (stride - WIDTH)
        noise_rows = 8
        noise = b"".join(os.urandom(WIDTH // 4) * 4 + b"\x80" * (stride - WIDTH)
                         for _ in range(noise_rows))
        body = row * (HEIGHT - 2 * BLOCK - noise_rows)
        y.update(stamp_row * (2 * BLOCK) + body + noise)
        for plane in frame.planes[1:]:
            plane.update(b"\x80" * plane.buffer_size)
        frame.pts, frame.time_base = pts, time_base
        return frame


def read_stamp(frame: av.VideoFrame) -> int:
    plane = frame.planes[0]
    data = bytes(plane)
    row = BLOCK // 2 * plane.line_size
    value = 0
    for i in range(BITS):
        value = value << 1 | (data[row + i * BLOCK + BLOCK // 2] > 128)
    return value


# -- signalling over a socket (Plenary, or the MediaRelay comparison server) -----------------------
class Signal:
    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.next = 1
        self.waiting: dict[int, asyncio.Future[Any]] = {}
        self.reader = asyncio.ensure_future(self._read())

    @classmethod
    async def open(cls, url: str, token: str, plenary: bool) -> Signal:
        ws = await websockets.connect(url, max_size=2**22, compression=None)
        signal = cls(ws)
        if plenary:
            await signal.call("hello", {"token": token})
            await signal.call("session.join", {"session": "opening", "mode": "remote"})
        return signal

    async def _read(self) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            async for frame in self.ws:
                message = json.loads(frame)
                for item in message if isinstance(message, list) else [message]:
                    future = self.waiting.pop(item.get("id"), None)
                    if future is not None and not future.done():
                        future.set_result(item)

    async def call(self, kind: str, data: dict[str, Any], timeout: float = 60) -> Any:
        rid = self.next
        self.next += 1
        future = asyncio.get_running_loop().create_future()
        self.waiting[rid] = future
        await self.ws.send(json.dumps({"id": rid, "type": kind, "data": data}))
        reply = await asyncio.wait_for(future, timeout)
        if reply["type"] == "error":
            raise RuntimeError(f"{kind}: {reply['error']}")
        return reply["data"]

    async def close(self) -> None:
        await self.ws.close()
        self.reader.cancel()


def peer() -> RTCPeerConnection:
    return RTCPeerConnection(RTCConfiguration(iceServers=[]))


async def offer(pc: RTCPeerConnection) -> str:
    await pc.setLocalDescription(await pc.createOffer())
    return str(pc.localDescription.sdp)


def cap_bitrate(bps: int) -> None:
    """The speaker's encoder follows the receiver's REMB up to aiortc's 1.5 Mbit/s; a browser
    sends 640x360 at about 0.8 Mbit/s, so cap it there (by default) to be comparable."""
    from aiortc.codecs import vpx

    vpx.MAX_BITRATE = bps
    vpx.DEFAULT_BITRATE = min(vpx.DEFAULT_BITRATE, bps)


async def run_speaker(url: str, token: str, plenary: bool, audio: bool = False,
                      ) -> tuple[Signal, RTCPeerConnection, str]:
    signal = await Signal.open(url, token, plenary)
    pc = peer()
    pc.addTransceiver(StampedVideo(), direction="sendonly")
    if audio:
        pc.addTransceiver(AudioStreamTrack(), direction="sendonly")
    reply = await signal.call("media.publish", {"session": "opening", "kind": "camera",
                                                "sdp": await offer(pc)})
    await pc.setRemoteDescription(RTCSessionDescription(reply["sdp"], "answer"))
    return signal, pc, reply["publisher"]


# -- viewers (in viewer processes) -----------------------------------------------------------------
class _Count(queue.Queue):
    """Stands in for a receiver's decoder queue: counts complete frames, decodes nothing."""

    def __init__(self, viewer: Viewer) -> None:
        super().__init__()
        self.viewer = viewer

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        if item is None:
            super().put(item, block, timeout)
        else:
            self.viewer.frame(len(item[1].data))


class Viewer:
    def __init__(self, probe: bool, audio: bool = False, audio_only: bool = False) -> None:
        self.probe = probe
        self.audio_only = audio_only
        self.asked = 0.0
        self.first_at = 0.0
        self.pc = peer()
        self.pc.addTransceiver("video", direction="recvonly")
        if audio or audio_only:
            self.pc.addTransceiver("audio", direction="recvonly")
        self.frames = 0
        self.bytes = 0
        self.latencies: list[float] = []
        self.first = asyncio.Event()
        self.tasks: list[asyncio.Task[None]] = []
        self.pc.on("track", self._on_track)

    def frame(self, size: int = 0) -> None:
        self.frames += 1
        self.bytes += size
        if not self.first.is_set():
            self.first_at = time.monotonic()
            self.first.set()

    def _on_track(self, track: MediaStreamTrack) -> None:
        receiver = next(t.receiver for t in self.pc.getTransceivers()
                        if t.receiver.track is track)
        if not self.probe:
            aiortc_hooks.tap_decoder(receiver, _Count(self))
        self.tasks.append(asyncio.ensure_future(self._read(track)))

    async def _read(self, track: MediaStreamTrack) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                frame = await track.recv()
                if self.probe and isinstance(frame, av.VideoFrame):
                    now = int(time.time() * 1000) & 0xFFFFFFFF
                    self.latencies.append(((now - read_stamp(frame)) & 0xFFFFFFFF) / 1000)
                    self.frame()

    async def watch(self, signal: Signal, publisher: str) -> None:
        only = {"audio_only": True} if self.audio_only else {}
        reply = await signal.call("media.subscribe", {"publisher": publisher,
                                                      "sdp": await offer(self.pc), **only})
        self.asked = time.monotonic()
        await self.pc.setRemoteDescription(RTCSessionDescription(reply["sdp"], "answer"))

    def reset(self) -> None:
        self.frames = self.bytes = 0
        self.latencies = []

    async def close(self) -> None:
        await self.pc.close()
        for task in self.tasks:
            task.cancel()


async def viewer_process(args: argparse.Namespace) -> None:
    signals, viewers = [], []
    tokens = args.token.split(",")
    urls = args.url.split(",")
    for i in range(args.count):
        signal = await Signal.open(urls[i % len(urls)], tokens[i % len(tokens)], args.plenary)
        viewer = Viewer(probe=i < args.probes, audio=args.audio, audio_only=args.audio_only)
        await viewer.watch(signal, args.publisher)
        signals.append(signal)
        viewers.append(viewer)
    try:
        await asyncio.wait_for(asyncio.gather(*(v.first.wait() for v in viewers)), 90)
    except TimeoutError:
        states = [v.pc.connectionState for v in viewers if not v.first.is_set()]
        print(f"NOT READY: {len(states)} of {len(viewers)} viewers without a frame, their "
              f"connection states {sorted(states)}", flush=True)
        return
    print("READY", flush=True)
    line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    seconds = float(line.split()[1])
    for v in viewers:
        v.reset()
    await asyncio.sleep(seconds)
    result = {"fps": [v.frames / seconds for v in viewers if not v.probe],
              "probe_fps": [v.frames / seconds for v in viewers if v.probe],
              "latencies": [x for v in viewers for x in v.latencies],
              "kbps": [v.bytes * 8 / 1000 / seconds for v in viewers if not v.probe],
              "first_frame_s": [v.first_at - v.asked for v in viewers]}
    print("RESULT " + json.dumps(result), flush=True)
    for v in viewers:
        await v.close()
    for s in signals:
        await s.close()


# -- the MediaRelay comparison server --------------------------------------------------------------
def mediarelay_server(port: int) -> None:
    """A minimal signalling server around aiortc's MediaRelay (decode once, encode per viewer)."""
    import uvicorn
    from aiortc.codecs import vpx
    from aiortc.contrib.media import MediaRelay
    from starlette.applications import Starlette
    from starlette.routing import WebSocketRoute
    from starlette.websockets import WebSocket

    counts = {"encodes": 0}
    encode = vpx.Vp8Encoder.encode

    def counted(self: Any, frame: Any, force_keyframe: bool = False) -> Any:
        counts["encodes"] += 1
        return encode(self, frame, force_keyframe)

    vpx.Vp8Encoder.encode = counted  # type: ignore[method-assign]
    relay = MediaRelay()
    sources: dict[str, MediaStreamTrack] = {}
    pcs: set[RTCPeerConnection] = set()

    async def publish(data: dict[str, Any]) -> dict[str, Any]:
        pc = peer()
        pcs.add(pc)
        pc.on("track", lambda track: sources.__setitem__("p", track))
        await pc.setRemoteDescription(RTCSessionDescription(data["sdp"], "offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        return {"publisher": "p", "sdp": pc.localDescription.sdp}

    async def subscribe(data: dict[str, Any]) -> dict[str, Any]:
        pc = peer()
        pcs.add(pc)
        await pc.setRemoteDescription(RTCSessionDescription(data["sdp"], "offer"))
        pc.addTrack(relay.subscribe(sources["p"]))
        await pc.setLocalDescription(await pc.createAnswer())
        return {"sdp": pc.localDescription.sdp}

    async def stats(data: dict[str, Any]) -> dict[str, Any]:
        return dict(counts)

    handlers = {"media.publish": publish, "media.subscribe": subscribe, "stats": stats}

    async def ws(websocket: WebSocket) -> None:
        await websocket.accept()
        with contextlib.suppress(Exception):
            while True:
                message = json.loads(await websocket.receive_text())
                data = await handlers[message["type"]](message.get("data") or {})
                await websocket.send_text(json.dumps({"type": "ok", "id": message["id"],
                                                      "data": data}))

    app = Starlette(routes=[WebSocketRoute("/ws", ws)])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


# -- the orchestra ---------------------------------------------------------------------------------
def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def metric(base: str, name: str) -> float:
    with urllib.request.urlopen(base + "/metrics", timeout=10) as response:
        body = response.read().decode()
    found = re.search(rf"^{name} (\S+)$", body, re.M)
    return float(found.group(1)) if found else 0.0


def peer_counts(base: str) -> dict[str, int]:
    with urllib.request.urlopen(base + "/metrics", timeout=10) as response:
        body = response.read().decode()
    return {role: int(float(n)) for role, n in
            re.findall(r'^plenary_media_peers\{role="(\w+)"\} (\S+)$', body, re.M)}


@dataclasses.dataclass
class Target:
    """What viewers connect to: one or more server processes (the first is the origin)."""

    urls: list[str]
    pids: list[int]
    http: list[str] = dataclasses.field(default_factory=list)

    def viewer_urls(self, spread: str) -> list[str]:
        return self.urls[1:] if spread == "others" and len(self.urls) > 1 else self.urls


async def one_run(label: str, target: Target, viewers: int, tokens: tuple[str, list[str]],
                  plenary: bool, args: argparse.Namespace, counter: Any) -> dict[str, Any]:
    signal, pc, publisher = await run_speaker(target.urls[0], tokens[0], plenary,
                                              audio=args.audio)
    urls = target.viewer_urls(args.spread)
    procs = []
    left, probes, n = viewers, args.probes, 0
    while left > 0:
        count = min(args.per_process, left)
        mine = ",".join(tokens[1][viewers - left:viewers - left + count])
        # each viewer process spreads its viewers over the servers, round-robin
        here = ",".join(urls[(n + k) % len(urls)] for k in range(min(count, len(urls))))
        n += count
        probe_here = min(probes, 1, count)
        probes -= probe_here
        left -= count
        procs.append(await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--role", "viewers", "--url", here, "--token", mine,
            "--publisher", publisher, "--count", str(count), "--probes", str(probe_here),
            *(["--plenary"] if plenary else []),
            *(["--audio"] if args.audio else []),
            *(["--viewer-audio-only"] if args.audio_only else []),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE))
    for proc in procs:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), 300)
        if not line.startswith(b"READY"):
            raise RuntimeError(f"{label}: a viewer process failed: {line!r}")
    await asyncio.sleep(2)  # let the keyframe bursts settle
    roles = [peer_counts(base) for base in target.http]
    before_cpu = [cpu_seconds(pid) for pid in target.pids]
    before_fwd = [metric(base, "plenary_media_frames_forwarded_total") for base in target.http]
    before_enc = await counter()
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write(f"MEASURE {args.seconds}\n".encode())
        await proc.stdin.drain()
    results = []
    for proc in procs:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), args.seconds + 60)
        results.append(json.loads(line.decode().split(" ", 1)[1]))
    elapsed = time.monotonic() - started
    cpus = [(cpu_seconds(pid) - b) / elapsed * 100 for pid, b in zip(target.pids, before_cpu,
                                                                      strict=True)]
    encodes = await counter() - before_enc
    forwarded = [(metric(base, "plenary_media_frames_forwarded_total") - b) / elapsed
                 for base, b in zip(target.http, before_fwd, strict=True)]
    for proc in procs:
        await proc.wait()
    await pc.close()
    await signal.close()
    fps = [f for r in results for f in r["fps"] + r["probe_fps"]]
    lat = sorted(x for r in results for x in r["latencies"])
    kbps = [k for r in results for k in r["kbps"]]
    first = sorted(x for r in results for x in r["first_frame_s"])
    cpu = sum(cpus)
    return {
        "run": label, "processes": len(target.pids), "spread": args.spread, "viewers": viewers,
        "kbps_per_viewer": round(statistics.median(kbps)) if kbps else None,
        "fps_min": round(min(fps), 1), "fps_median": round(statistics.median(fps), 1),
        "latency_p50_ms": round(lat[len(lat) // 2] * 1000) if lat else None,
        "latency_p99_ms": round(lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000)
        if lat else None,
        "first_frame_p50_ms": round(first[len(first) // 2] * 1000),
        "first_frame_max_ms": round(first[-1] * 1000),
        "server_cpu_pct": round(cpu, 1), "server_cpu_pct_per_viewer": round(cpu / viewers, 2),
        "origin_cpu_pct": round(cpus[0], 1),
        "cpu_pct_per_process": [round(c, 1) for c in cpus],
        "peers_per_process": roles or None,
        "frames_forwarded_per_s_per_process": [round(f) for f in forwarded] or None,
        "encodes_in_window": int(encodes),
        "encodes_per_viewer_per_s": round(encodes / viewers / elapsed, 2),
        "loadavg_1min_at_start": round(load_before, 2), "cores": os.cpu_count(),
    }


async def orchestrate(args: argparse.Namespace) -> None:
    from harness import RedisServer, Server, create_event, free_port, wait_port

    counts = [int(v) for v in str(args.viewers).split(",")]
    redis = RedisServer() if args.processes > 1 else None
    servers: list[Server] = []
    try:
        if redis is not None:
            redis.start()
        env = {"PLENARY_MEDIA_MAX_VIEWERS": str(args.max_viewers)}
        servers = [Server(redis.url if redis else None, env=env).start()
                   for _ in range(args.processes)]
        event = create_event(servers[0])
        # one person per viewer: each has its own rate limits, as in a real audience
        tokens = (event.token("speaker"), [event.token("attendee") for _ in range(max(counts))])
        target = Target([s.ws for s in servers], [s.proc.pid for s in servers if s.proc],
                        [s.http for s in servers])

        async def plenary_encodes() -> float:
            return sum(metric(s.http, "plenary_media_viewer_encodes_total") for s in servers)

        for viewers in counts:
            if not args.compare_audio_only:
                print(json.dumps(await one_run("plenary", target, viewers, tokens, True, args,
                                               plenary_encodes)), flush=True)
                continue
            runs = []
            for audio_only in (False, True):  # the same server: full viewers, then audio only
                args.audio_only = audio_only
                runs.append(await one_run("plenary-audio-only" if audio_only else
                                          "plenary-full", target, viewers, tokens, True, args,
                                          plenary_encodes))
                print(json.dumps(runs[-1]), flush=True)
            full, audio = (r["server_cpu_pct_per_viewer"] for r in runs)
            print(json.dumps({"audio_only_cpu_per_viewer_vs_full": round(audio / full, 2)
                              if full else None}), flush=True)
            args.audio_only = False
    finally:
        for i, server in enumerate(servers):
            server.stop()
            for line in server.output().splitlines():
                if "plenary.media" in line or "Traceback" in line:
                    print(f"process {i}: {line}", file=sys.stderr)
        if redis is not None:
            redis.stop()
    if args.skip_mediarelay:
        return
    port = free_port()
    relay = subprocess.Popen([sys.executable, __file__, "--role",  # noqa: ASYNC220
                              "mediarelay-server", "--port", str(port)])
    try:
        wait_port(port, proc=relay)
        url = f"ws://127.0.0.1:{port}/ws"
        stats_signal = await Signal.open(url, "", False)

        async def relay_encodes() -> float:
            return float((await stats_signal.call("stats", {}))["encodes"])

        for viewers in counts:
            print(json.dumps(await one_run("aiortc-MediaRelay", Target([url], [relay.pid]),
                                           viewers, tokens, False, args, relay_encodes)),
                  flush=True)
        await stats_signal.close()
    finally:
        relay.terminate()
        relay.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--viewers", default="10",
                        help="viewer count, or several (30,60) run one after the other")
    parser.add_argument("--processes", type=int, default=1,
                        help="Plenary processes (more than 1: on a private Redis)")
    parser.add_argument("--spread", choices=("all", "others"), default="all",
                        help="viewers on every process, or on all but the origin")
    parser.add_argument("--max-viewers", type=int, default=0,
                        help="PLENARY_MEDIA_MAX_VIEWERS for each process (0: no cap)")
    parser.add_argument("--per-process", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--probes", type=int, default=2)
    parser.add_argument("--skip-mediarelay", action="store_true")
    parser.add_argument("--bitrate", type=int, default=800_000,
                        help="the speaker's maximum bitrate (bit/s)")
    parser.add_argument("--audio-only", dest="compare_audio_only", action="store_true",
                        help="run full viewers, then audio-only ones (the speaker sends audio)")
    parser.add_argument("--audio", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--viewer-audio-only", dest="audio_only", action="store_true",
                        help=argparse.SUPPRESS)
    parser.add_argument("--role", default="orchestra")
    parser.add_argument("--url", default="")
    parser.add_argument("--token", default="")
    parser.add_argument("--publisher", default="")
    parser.add_argument("--count", type=int, default=0)
    parser.add_argument("--plenary", action="store_true")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    if args.role == "viewers":
        asyncio.run(viewer_process(args))
    elif args.role == "mediarelay-server":
        mediarelay_server(args.port)
    else:
        if args.compare_audio_only:
            args.audio, args.probes = True, 0
        cap_bitrate(args.bitrate)
        asyncio.run(orchestrate(args))


if __name__ == "__main__":
    main()
