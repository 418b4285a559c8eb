// The browser side of live media: publish a camera or a screen, watch a publisher.
//
// Signalling goes over the Plenary socket through `call(type, data)` (a function returning
// a Promise of the reply's data, rejecting on error). SDP is complete, without trickle: an
// offer is sent once ICE gathering has finished. The server relays the publisher's encoded
// frames to every viewer as they are, so viewers receive the publisher's codec; VP8 is
// preferred because every browser decodes it.

const GATHER_TIMEOUT_MS = 5000;

function newPeer(iceServers) {
  // An explicit (maybe empty) list: no public STUN server is ever contacted by default.
  return new RTCPeerConnection({ iceServers: iceServers || [] });
}

/** Resolve once ICE gathering is complete (or after a timeout, with what was gathered). */
function gathered(pc) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      if (pc.iceGatheringState !== 'complete') return;
      pc.removeEventListener('icegatheringstatechange', done);
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      pc.removeEventListener('icegatheringstatechange', done);
      resolve();
    }, GATHER_TIMEOUT_MS);
    pc.addEventListener('icegatheringstatechange', done);
  });
}

async function completeOffer(pc) {
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  return pc.localDescription.sdp;
}

function preferVp8(transceiver) {
  const caps = window.RTCRtpSender && RTCRtpSender.getCapabilities
    ? RTCRtpSender.getCapabilities('video') : null;
  if (!caps || !transceiver.setCodecPreferences) return;
  const isVp8 = (c) => c.mimeType.toLowerCase() === 'video/vp8';
  const codecs = [...caps.codecs.filter(isVp8), ...caps.codecs.filter((c) => !isVp8(c))];
  try { transceiver.setCodecPreferences(codecs); } catch (_) { /* keep the defaults */ }
}

/**
 * Publish `stream` (camera + microphone, or a screen) to a session or a breakout room.
 * Returns {publisher, pc, stop(), setEnabled(kind, on)}.
 */
export async function publish(call, { session, room, kind, stream, iceServers, lang }) {
  const pc = newPeer(iceServers);
  for (const track of stream.getTracks()) {
    const transceiver = pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
    if (track.kind === 'video') preferVp8(transceiver);
  }
  let publisher = null;
  try {
    const where = room ? { room } : { session };
    // An interpretation channel (kind 'interpretation') says its language (issue 17).
    const extra = lang ? { lang } : {};
    const reply = await call('media.publish', { ...where, kind, ...extra, sdp: await completeOffer(pc) });
    publisher = reply.publisher;
    await pc.setRemoteDescription({ type: 'answer', sdp: reply.sdp });
  } catch (err) {
    pc.close();
    if (publisher) call('media.unpublish', { publisher }).catch(() => {});
    throw err;
  }
  let stopped = false;
  return {
    publisher,
    pc,
    stream,
    /** Mute the microphone (kind 'audio') or blank the camera (kind 'video') without
     * renegotiating: the viewers keep their connection. */
    setEnabled(trackKind, on) {
      for (const track of stream.getTracks()) if (track.kind === trackKind) track.enabled = on;
      // Viewers are told (`media.state`), so their tiles can say "muted" / "camera off".
      return call('media.state', { publisher, [trackKind]: on });
    },
    stop() {
      if (stopped) return;
      stopped = true;
      call('media.unpublish', { publisher }).catch(() => {});
      pc.close();
      for (const track of stream.getTracks()) track.stop();
    },
  };
}

/**
 * Watch a publisher. Returns {stream, pc, stop(), setVideo(on)}; `stream` gets its tracks as
 * they come. `audioOnly`: no video is forwarded until `setVideo(true)` (the video
 * transceiver is negotiated all the same, so switching never renegotiates); `video: false`:
 * no video transceiver at all (an interpretation channel sends none).
 */
export async function watch(call, publisherId, iceServers, { audioOnly = false, video = true } = {}) {
  const pc = newPeer(iceServers);
  if (video) pc.addTransceiver('video', { direction: 'recvonly' });
  pc.addTransceiver('audio', { direction: 'recvonly' });
  const stream = new MediaStream();
  pc.addEventListener('track', (event) => stream.addTrack(event.track));
  let viewer = null;
  try {
    const only = audioOnly ? { audio_only: true } : {};
    const reply = await call('media.subscribe', { publisher: publisherId, sdp: await completeOffer(pc), ...only });
    viewer = reply.viewer;
    await pc.setRemoteDescription({ type: 'answer', sdp: reply.sdp });
  } catch (err) {
    pc.close();
    throw err;
  }
  let stopped = false;
  return {
    stream,
    pc,
    viewer,
    /** Video on (true) or audio only (false), on the same connection (`media.view`). */
    setVideo(on) { return call('media.view', { viewer, video: on }); },
    stop() {
      if (stopped) return;
      stopped = true;
      if (viewer) call('media.unsubscribe', { viewer }).catch(() => {});
      pc.close();
    },
  };
}
