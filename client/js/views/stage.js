// The live stage: the session's published video, and for speakers the buttons to share a
// camera or a screen. WebRTC lives in media.js (loaded on demand); without it, or without
// WebRTC in the browser, the stage says so and everything else works.

import { h, fill } from '../dom.js';
import { errorText, t } from '../i18n.js';

let mediaModule = null;
function loadMedia() {
  mediaModule = mediaModule || import('../media.js').catch(() => null);
  return mediaModule;
}

export function stagePanel(ctx, canPublish) {
  const { state, conn, app } = ctx;
  const call = (type, data) => conn.call(type, data);
  const videos = h('div', { class: 'videos', id: 'stage-videos' });
  const note = h('p', { class: 'muted', id: 'stage-note' }, t('stage.waiting'));
  const buttons = h('div', { class: 'row wrap' });
  const el = h('section', { class: 'card panel stage', id: 'stage', 'aria-labelledby': 'stage-h' },
    h('h2', { id: 'stage-h' }, t('stage.title')), videos, note, canPublish ? buttons : null);
  const watching = new Map(); // publisher id -> {node, handle}
  const mine = new Map(); // kind -> publish handle
  let destroyed = false;
  const iceServers = () => state.iceServers || [];

  async function sync() {
    const media = await loadMedia();
    if (destroyed) return;
    if (!media || typeof RTCPeerConnection === 'undefined') {
      // Without WebRTC there is nothing to show; say so only when there would be.
      note.textContent = state.publishers.length || canPublish ? t('stage.no_media') : t('stage.waiting');
      return;
    }
    const myIds = new Set([...mine.values()].map((m) => m.publisher));
    const wanted = new Map(state.publishers.filter((p) => !myIds.has(p.id)).map((p) => [p.id, p]));
    for (const [id, entry] of watching) {
      if (!wanted.has(id)) { entry.handle?.stop(); entry.node.remove(); watching.delete(id); }
    }
    for (const [id, p] of wanted) {
      if (watching.has(id)) continue;
      const video = h('video', { autoplay: true, playsinline: true, muted: p.kind === 'screen', class: `video video-${p.kind}`, 'aria-label': p.kind });
      const entry = { node: video, handle: null };
      watching.set(id, entry);
      videos.append(video);
      media.watch(call, id, iceServers()).then((handle) => {
        if (!watching.has(id) || destroyed) { handle.stop(); return; }
        entry.handle = handle;
        video.srcObject = handle.stream;
      }, (err) => app.notify(errorText(err)));
    }
    note.hidden = watching.size > 0 || mine.size > 0;
    note.textContent = t('stage.waiting');
  }

  async function share(kind) {
    const media = await loadMedia();
    if (!media || !navigator.mediaDevices) { app.notify(t('stage.no_media')); return; }
    try {
      const stream = kind === 'screen'
        ? await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false })
        : await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
      const handle = await media.publish(call, { session: ctx.sessionId, kind, stream, iceServers: iceServers() });
      mine.set(kind, handle);
      const preview = h('video', { autoplay: true, playsinline: true, muted: true, class: 'video preview', dataset: { kind } });
      preview.srcObject = stream;
      videos.prepend(preview);
      handle.preview = preview;
      renderButtons();
      sync();
    } catch (err) {
      app.notify(errorText(err));
    }
  }

  function stop(kind) {
    const handle = mine.get(kind);
    if (!handle) return;
    handle.stop();
    handle.preview?.remove();
    mine.delete(kind);
    renderButtons();
    sync();
  }

  function renderButtons() {
    fill(buttons, ['camera', 'screen'].map((kind) => (mine.has(kind)
      ? h('button', { type: 'button', class: 'danger', onclick: () => stop(kind) }, `${t('stage.stop')} (${t(`stage.${kind}`)})`)
      : h('button', { type: 'button', onclick: () => share(kind) }, t(`stage.${kind}`)))));
  }
  renderButtons();

  return {
    el,
    update(area) { if (area === 'media' || area === 'all') sync(); },
    destroy() {
      destroyed = true;
      for (const entry of watching.values()) entry.handle?.stop();
      for (const kind of [...mine.keys()]) stop(kind);
    },
  };
}
