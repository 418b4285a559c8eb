// The live stage: the session's published video, and for speakers the buttons to share a
// camera or a screen. WebRTC lives in media.js (loaded on demand); without it, or without
// WebRTC in the browser, the stage says so and everything else works.

import { h, fill } from '../dom.js';
import { t } from '../i18n.js';
import { langName } from '../i18n-media.js'; // and its strings

// Issue 17: the floor's audio while a language channel plays (ducked, not silenced).
const FLOOR_UNDER = 0.1;
const LISTEN_KEY = 'plenary.listen';
const BOOTH_LANGS = ['en', 'fr', 'es', 'ar', 'zh', 'ru'];

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
  // Issue 17: the language picker (viewers), the booth (interpreters), a downgrade notice.
  const picker = h('select', { id: `${id}-lang`, onchange: () => { listen(picker.value); } });
  const pickerRow = h('label', { class: 'row wrap stage-listen', hidden: true }, t('media.listen'), picker);
  const notice = h('p', { class: 'notice', id: `${id}-notice`, role: 'status', hidden: true });
  const interpreter = !room && state.user && state.user.role === 'interpreter';
  const booth = interpreter ? h('div', { class: 'row wrap booth', id: `${id}-booth` }) : null;
  const channels = h('div', { hidden: true }); // the chosen language's <audio> elements
  const heading = h(room ? 'h3' : 'h2', { id: `${id}-h` }, t(room ? 'stage.room_title' : 'stage.title'));
  const el = h(room ? 'div' : 'section', { class: room ? 'room-stage' : 'card panel stage', id, 'aria-labelledby': `${id}-h` },
    heading, pickerRow, notice, videos, note,
    canPublish ? buttons : null, booth, channels);
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
  const watching = new Map(); // publisher id -> {node, handle, video, marks, audioOnly}
  const listening = new Map(); // interpretation publisher id -> {node, handle}
  const mine = new Map(); // kind -> publish handle
  let destroyed = false;
  let chosen = room ? '' : (localStorage.getItem(LISTEN_KEY) || ''); // '' : the floor
  const iceServers = () => state.iceServers || [];
  const channelOf = (p) => p.kind === 'interpretation';

  function listen(lang) {
    chosen = lang;
    try { localStorage.setItem(LISTEN_KEY, lang); } catch (_) { /* private mode */ }
    sync();
  }

  /** The floor's audio: full, or ducked under a language channel that is playing. */
  function duck() {
    const under = [...listening.values()].some((c) => c.handle && c.handle.stream.getAudioTracks().length);
    for (const entry of watching.values()) entry.video.volume = entry.volume * (under ? FLOOR_UNDER : 1);
  }

  function renderPicker() {
    if (room) return;
    const langs = [...new Set(publishers().filter(channelOf).map((p) => p.lang))].sort();
    if (chosen && !langs.includes(chosen)) langs.push(chosen); // chosen: kept while a booth changes
    pickerRow.hidden = langs.length === 0;
    fill(picker, h('option', { value: '' }, t('media.floor')),
      langs.map((lang) => h('option', { value: lang }, langName(t, lang))));
    picker.value = chosen;
  }

  function marksOf(p) {
    return [p.audio === false ? t('media.mic_off') : null, p.video === false ? t('media.cam_off') : null]
      .filter(Boolean).join(' · ');
  }

  function tileControls(id, entry, label) {
    // Its label is "Volume"; whose it is, the tile's name says (aria-describedby).
    const volume = h('input', { type: 'range', min: '0', max: '1', step: '0.05', value: '1', class: 'volume',
      'aria-label': t('media.volume'), 'aria-describedby': entry.nameId,
      oninput: () => { entry.volume = Number(volume.value); duck(); } });
    const audioOnly = h('button', { type: 'button', class: 'small', dataset: { action: 'audio-only' },
      onclick: () => setAudioOnly(id, !entry.audioOnly) }, t('media.audio_only'));
    const full = h('button', { type: 'button', class: 'small', dataset: { action: 'fullscreen' },
      onclick: () => entry.figure.requestFullscreen?.().catch(() => {}) }, t('media.fullscreen'));
    entry.audioOnlyButton = audioOnly;
    return h('div', { class: 'row wrap tile-controls' }, volume, audioOnly, full);
  }

  async function setAudioOnly(id, on) {
    const entry = watching.get(id);
    if (!entry || !entry.handle) return;
    try {
      await entry.handle.setVideo(!on);
      showAudioOnly(entry, on);
      if (!on) notice.hidden = true;
    } catch (err) { app.notify(err); }
  }

  function showAudioOnly(entry, on) {
    entry.audioOnly = on;
    entry.figure.classList.toggle('audio-only', on);
    entry.audioOnlyButton.textContent = t(on ? 'media.show_video' : 'media.audio_only');
    entry.audioOnlyButton.setAttribute('aria-pressed', on ? 'true' : 'false');
  }

  // The relay moved one of our viewers to audio only: say so, with the way back.
  const offDowngraded = conn.on('media.downgraded', (d) => {
    for (const entry of watching.values()) {
      if (entry.handle && entry.handle.viewer === d.viewer) {
        showAudioOnly(entry, true);
        notice.textContent = t('media.downgraded');
        notice.hidden = false;
      }
    }
  });

  function syncChannels(media, myIds) {
    const wanted = new Map(publishers().filter((p) => channelOf(p) && chosen && p.lang === chosen
      && !myIds.has(p.id)).map((p) => [p.id, p]));
    for (const [cid, entry] of listening) {
      if (!wanted.has(cid)) { entry.handle?.stop(); entry.node.remove(); listening.delete(cid); }
    }
    // Every partner of the channel is received: a hand-over is a change of microphone.
    for (const cid of wanted.keys()) {
      if (listening.has(cid)) continue;
      const audio = h('audio', { autoplay: true, dataset: { channel: cid } });
      const entry = { node: audio, handle: null };
      listening.set(cid, entry);
      channels.append(audio);
      media.watch(call, cid, iceServers(), { video: false }).then((handle) => {
        if (!listening.has(cid) || destroyed) { handle.stop(); return; }
        entry.handle = handle;
        audio.srcObject = handle.stream;
        handle.stream.addEventListener('addtrack', duck);
        duck();
      }, (err) => app.notify(err));
    }
    duck();
  }

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
    renderPicker();
    syncChannels(media, myIds);
    const wanted = new Map(publishers().filter((p) => !myIds.has(p.id) && !channelOf(p)).map((p) => [p.id, p]));
    for (const [id, entry] of watching) {
      if (!wanted.has(id)) { entry.handle?.stop(); entry.node.remove(); watching.delete(id); }
    }
    for (const [id, p] of wanted) {
      const held = watching.get(id);
      if (held) { held.marks.textContent = marksOf(p); held.marks.hidden = !held.marks.textContent; continue; }
      const label = t(p.kind === 'screen' ? 'stage.video_screen' : 'stage.video_camera', { name: p.name || '' });
      const video = h('video', { autoplay: true, playsinline: true, muted: p.kind === 'screen', class: `video video-${p.kind}`, 'aria-label': label });
      // Each video says whose it is, on screen and to a screen reader.
      const marks = h('span', { class: 'video-marks', dataset: { marks: id } }, marksOf(p));
      marks.hidden = !marks.textContent;
      const figure = h('figure', { class: 'video-tile', dataset: { publisher: id } }, video,
        h('figcaption', { class: 'video-name', id: `${id}-name` }, label), marks);
      // The controls sit under the picture, outside it: the name stays on the video.
      const cell = h('div', { class: 'video-cell' }, figure);
      const entry = { node: cell, figure, handle: null, video, marks, volume: 1, audioOnly: false, nameId: `${id}-name` };
      cell.append(tileControls(id, entry, label));
      watching.set(id, entry);
      videos.append(cell);
      media.watch(call, id, iceServers()).then((handle) => {
        if (!watching.has(id) || destroyed) { handle.stop(); return; }
        entry.handle = handle;
        video.srcObject = handle.stream;
        duck();
      }, (err) => app.notify(err));
    }
    note.hidden = watching.size > 0 || mine.size > 0 || el.classList.contains('quiet');
  }

  // In the room the stage is on the wall: an attendee there sees the video part only while
  // something is live (or they are on stage), so the poll and the questions come first on a
  // phone. The live room's tools (reactions, the raised hand) stay: the speaker is there.
  const hideWhenQuiet = canPublish !== true && !room && ctx.app.auth && ctx.app.auth.mode === 'in_room';
  function showOrHide() {
    if (!hideWhenQuiet) return;
    const quiet = publishers().length === 0 && !mayPublish();
    for (const part of [heading, videos, note]) part.hidden = quiet;
    el.classList.toggle('quiet', quiet);
    el.hidden = quiet && !el.querySelector('.live-tools');
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
      : h('button', { type: 'button', onclick: () => share(kind) }, t(`stage.${kind}`)))),
    mine.has('camera') ? switches(mine.get('camera'), ['audio', 'video']) : null);
    renderBooth();
  }

  /** Microphone and camera on and off, without renegotiating; viewers are told. */
  function switches(handle, kinds) {
    handle.on = handle.on || { audio: true, video: true };
    const labels = { audio: ['media.unmute', 'media.mute'], video: ['media.camera_on', 'media.camera_off'] };
    return kinds.map((kind) => h('button', {
      type: 'button', dataset: { switch: kind }, 'aria-pressed': handle.on[kind] ? 'false' : 'true',
      onclick: async () => {
        handle.on[kind] = !handle.on[kind];
        renderButtons();
        try { await handle.setEnabled(kind, handle.on[kind]); } catch (err) { app.notify(err); }
      },
    }, t(labels[kind][handle.on[kind] ? 1 : 0])));
  }

  // The interpreter's booth: a language, then an audio-only channel in it (and the floor
  // heard on the tiles above, like everyone's).
  let boothLang = BOOTH_LANGS[0];
  function renderBooth() {
    if (!booth) return;
    const live = mine.get('interpretation');
    if (live) {
      fill(booth, h('span', { class: 'badge', 'data-live': 'yes' }, t('media.booth_live', { lang: langName(t, live.lang) })),
        switches(live, ['audio']),
        h('button', { type: 'button', class: 'danger', onclick: () => stop('interpretation') }, t('media.booth_stop')));
      return;
    }
    const select = h('select', { id: `${id}-booth-lang`, onchange: () => { boothLang = select.value; } },
      BOOTH_LANGS.map((lang) => h('option', { value: lang }, langName(t, lang))));
    select.value = boothLang;
    fill(booth, h('label', { class: 'row wrap' }, t('media.booth_lang'), select),
      h('button', { type: 'button', class: 'primary', onclick: interpret }, t('media.booth_start')));
  }

  async function interpret() {
    const media = await loadMedia();
    if (!media || !navigator.mediaDevices) { app.notify(t('stage.no_media')); return; }
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
      const handle = await media.publish(call, { session: ctx.sessionId, kind: 'interpretation', lang: boothLang,
        stream, iceServers: iceServers() });
      handle.lang = boothLang;
      mine.set('interpretation', handle);
      renderButtons();
      sync();
    } catch (err) {
      app.notify(err);
    }
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
      offDowngraded();
      for (const entry of watching.values()) entry.handle?.stop();
      for (const entry of listening.values()) entry.handle?.stop();
      for (const kind of [...mine.keys()]) stop(kind);
    },
  };
}
