"""The relay's figures on /metrics, read at scrape time from the process's own counts.

- `plenary_media_peers{role}`: peer connections held, by role: `publisher`, `viewer`,
  `leg_in` (pulled from another process), `leg_out` (sent to another process's leg);
- `plenary_media_frames_forwarded_total`, `plenary_media_frames_dropped_total` (lost by a
  viewer that fell behind), `plenary_media_viewer_encodes_total` (always 0: nothing is
  encoded per viewer), `plenary_media_keyframe_requests_total` (PLIs sent upstream);
- `plenary_media_leg_received_bytes_total{publisher, source}` and
  `plenary_media_leg_bitrate_bps{publisher, source}`: what each leg into this process
  received, in all and over the last housekeeping round.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from .forwarder import RelayStats


class MediaCollector:
    def __init__(self, stats: RelayStats, counts: Callable[[], dict[str, int]],
                 received: Callable[[], dict[tuple[str, str], int]],
                 bitrates: Callable[[], dict[tuple[str, str], float]]) -> None:
        self._stats = stats
        self._counts = counts
        self._received = received
        self._bitrates = bitrates

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        peers = GaugeMetricFamily("plenary_media_peers", "Media peer connections held, by role",
                                  labels=["role"])
        for role, count in self._counts().items():
            peers.add_metric([role], count)
        yield peers
        s = self._stats
        for name, doc, value in (
                ("plenary_media_frames_forwarded", "Encoded frames handed to viewers' senders",
                 s.forwarded),
                ("plenary_media_frames_dropped", "Frames lost by viewers that fell behind",
                 s.dropped),
                ("plenary_media_viewer_encodes",
                 "Frames a viewer's sender had to encode (the relay keeps 0)", s.encoded),
                ("plenary_media_keyframe_requests", "Keyframe requests (PLI) sent upstream",
                 s.keyframe_requests)):
            yield CounterMetricFamily(name, doc, value=value)
        received = CounterMetricFamily("plenary_media_leg_received_bytes",
                                       "Encoded bytes each relay leg into this process received",
                                       labels=["publisher", "source"])
        for (publisher, source), count in self._received().items():
            received.add_metric([publisher, source], count)
        yield received
        legs = GaugeMetricFamily("plenary_media_leg_bitrate_bps",
                                 "Bits per second each relay leg into this process received",
                                 labels=["publisher", "source"])
        for (publisher, source), bps in self._bitrates().items():
            legs.add_metric([publisher, source], bps)
        yield legs
