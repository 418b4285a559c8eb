// The live stage: the session's published video, and for speakers the buttons to share a
// camera or a screen. WebRTC lives in media.js (loaded on demand); without it, or without
// WebRTC in the browser, the stage says so and everything else works.

import { h, fill } from '../dom.js';
import { t } from '../i18n.js';

let mediaModule = null;
function loadMedia() {
  mediaModule = mediaModule || import('../media.js').catch(() => null);
  return mediaModule;
}

/** The session's stage, or with `room` a breakout room's (its members publish there). */
export function stagePanel(ctx, canPublish, room = null) {
  const { state, conn, app } = ctx;
  // `canPublish` may be a function: an attendee publishes while a moderator has them on stage.
  const mayPublish = typeof canPublish === 'function' ? canPublish : () => canPublish;
  const call = (type, data) => conn.call(type, data);
  const id = room ? 'room-stage' : 'stage';
  const videos = h('div', { class: 'videos', id: `${id}-videos` });
  const note = h('p', { class: 'muted', id: `${id}-note` }, t(room ? 'stage.room_waiting' : 'stage.waiting'));
  const buttons = h('div', { class: 'row wrap' });
  const el = h(room ? 'div' : 'section', { class: room ? 'room-stage' : 'card panel stage', id, 'aria-labelledby': `${id}-h` },
    h(room ? 'h3' : 'h2', { id: `${id}-h` }, t(room ? 'stage.room_title' : 'stage.title')), videos, note, canPublish ? buttons : null);
  buttons.hidden = !mayPublish();
  const publishers = () => (room ? state.roomPublishers : state.publishers);
  const scope = () => (room ? { room } : { session: ctx.sessionId });
  if (room) {
    // The room's initial list (the session snapshot only covers the session's stage).
    conn.call('media.list', { room }).then((reply) => {
      state.reply('media.list', { room }, reply);
      sync();
    }, () => {});
  }
  const watching = new Map(); // publisher id -> {node, handle}
  const mine = new Map(); // kind -> publish handle
  let destroyed = false;
  const iceServers = () => state.iceServers || [];

  async function sync() {
    showOrHide();
    const media = await loadMedia();
    if (destroyed) return;
    if (!media || typeof RTCPeerConnection === 'undefined') {
      // Without WebRTC there is nothing to show; say so only when there would be.
      note.textContent = publishers().length || canPublish ? t('stage.no_media') : note.textContent;
      return;
    }
    const myIds = new Set([...mine.values()].map((m) => m.publisher));
    const wanted = new Map(publishers().filter((p) => !myIds.has(p.id)).map((p) => [p.id, p]));
    for (const [id, entry] of watching) {
      if (!wanted.has(id)) { entry.handle?.stop(); entry.node.remove(); watching.delete(id); }
    }
    for (const [id, p] of wanted) {
      if (watching.has(id)) continue;
      const label = t(p.kind === 'screen' ? 'stage.video_screen' : 'stage.video_camera', { name: p.name || '' });
      const video = h('video', { autoplay: true, playsinline: true, muted: p.kind === 'screen', class: `video video-${p.kind}`, 'aria-label': label });
      // Each video says whose it is, on screen and to a screen reader.
      const figure = h('figure', { class: 'video-tile', dataset: { publisher: id } }, video,
        h('figcaption', { class: 'video-name' }, label));
      const entry = { node: figure, handle: null };
      watching.set(id, entry);
      videos.append(figure);
      media.watch(call, id, iceServers()).then((handle) => {
        if (!watching.has(id) || destroyed) { handle.stop(); return; }
        entry.handle = handle;
        video.srcObject = handle.stream;
      }, (err) => app.notify(err));
    }
    note.hidden = watching.size > 0 || mine.size > 0;
  }

  // In the room the stage is on the wall: an attendee there sees this card only while
  // something is live, so the poll and the questions come first on a phone.
  const hideWhenQuiet = !canPublish && !room && ctx.app.auth && ctx.app.auth.mode === 'in_room';
  function showOrHide() {
    if (hideWhenQuiet) el.hidden = publishers().length === 0;
  }
  showOrHide();

  async function share(kind) {
    const media = await loadMedia();
    if (!media || !navigator.mediaDevices) { app.notify(t('stage.no_media')); return; }
    try {
      const stream = kind === 'screen'
        ? await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false })
        : await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
      const handle = await media.publish(call, { ...scope(), kind, stream, iceServers: iceServers() });
      mine.set(kind, handle);
      const preview = h('video', { autoplay: true, playsinline: true, muted: true, class: 'video preview',
        dataset: { kind }, 'aria-label': t('stage.mine') });
      preview.srcObject = stream;
      videos.prepend(preview);
      handle.preview = preview;
      renderButtons();
      sync();
    } catch (err) {
      app.notify(err);
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
      ? h('button', { type: 'button', class: 'danger', onclick: () => stop(kind) }, t(`stage.stop_${kind}`))
      : h('button', { type: 'button', onclick: () => share(kind) }, t(`stage.${kind}`)))));
  }
  renderButtons();

  return {
    el,
    update(area) {
      if (area === 'floor' || area === 'all') {
        buttons.hidden = !mayPublish();
        if (!mayPublish()) for (const kind of [...mine.keys()]) stop(kind); // the grant ended
      }
      if (area === 'media' || area === 'all') sync();
    },
    destroy() {
      destroyed = true;
      for (const entry of watching.values()) entry.handle?.stop();
      for (const kind of [...mine.keys()]) stop(kind);
    },
  };
}
