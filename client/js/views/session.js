// A session: joins it (the snapshot), keeps its state current from events, follows breakout
// moves, recovers after reconnects, and shows the attendee, moderator or speaker view.

import { announce, countdown, h, fill } from '../dom.js';
import { errorText, t } from '../i18n.js';
import { readClaims } from '../auth.js';
import { EVENT_TYPES, SessionState } from '../state.js';
import { attendeeQA, moderatorQA, speakerQA } from './qa.js';
import { attendeePolls, moderatorPolls, speakerPolls } from './polls.js';
import { breakoutChooser, moderatorBreakouts, roomPanel } from './breakouts.js';
import { stagePanel } from './stage.js';
import { captionerDesk, captionsPanel } from './captions.js';
import { attendeeSurveys, moderatorSurveys } from './surveys.js';
import { engagementPanel } from './engagement.js';
import { screenControls } from './screen.js';
import { liveStage } from './livestage.js';
import { floorPanel } from './floor.js';
import { chatPanel } from './chat.js';
import { reportBackControls, sharedReportsPanel } from './reportback.js';

// Told to the person, changing no state: announced as they arrive (the live room).
const NOTICES = ['qa.dismissed', 'qa.merged', 'user.muted'];

export function sessionView(app, sessionId, requested) {
  const auth = app.auth;
  const claims = readClaims(auth.token) || {};
  const user = { id: claims.sub, name: auth.name || claims.name, role: auth.role || claims.role };
  const staff = user.role === 'moderator' || user.role === 'speaker';
  const view = pickView(user.role, requested);
  const conn = app.connect();
  const state = new SessionState(user);
  const el = h('section', { class: `page session view-${view}`, 'aria-busy': 'true' });
  const unsubscribe = [];
  let panels = [];
  let joined = false;
  let joining = null;

  /** Every feature action goes through here: its reply updates the state (state.js, like
   * events do); failures become a readable message. */
  async function act(type, data) {
    try {
      const reply = await conn.call(type, data);
      state.reply(type, data, reply);
      return reply;
    } catch (err) {
      app.notify(err);
      return null;
    }
  }

  const ctx = { app, conn, state, user, staff, sessionId, act, view, enterRoom, leaveRoom,
    refresh: (area) => update(area) };

  // -- joining and recovering -------------------------------------------------------------
  function join() {
    if (joining) return joining;
    joining = conn.call('session.join', { session: sessionId, mode: auth.mode || 'remote' })
      .then(async (snapshot) => {
        state.load(snapshot);
        conn.setTopics(snapshot.topics, snapshot.epochs);
        joined = true;
        el.removeAttribute('aria-busy');
        await followRoom(snapshot.breakout);
        // A first join builds the page; a rejoin (after a resume the server could not
        // serve) refreshes it in place, keeping what the user was typing.
        if (panels.length) update('all'); else build();
      })
      .catch((err) => {
        el.removeAttribute('aria-busy');
        fill(el, backLink(), h('p', { class: 'form-error', role: 'alert' }, errorText(err)));
      })
      .finally(() => { joining = null; });
    return joining;
  }

  /** After a snapshot: be in the room it says (members), keep visiting (staff), or leave
   * a room that closed while we were away. */
  async function followRoom(breakout) {
    const mine = breakout && breakout.my_room;
    const open = breakout && breakout.state === 'open';
    if (mine) await enterRoom(mine, !state.room || state.room.id !== mine.id);
    else if (state.room && staff && open) await enterRoom(state.room, false);
    else if (state.room) leaveRoom(true);
  }

  function onReady({ reconnect }) {
    // A first hello, or a resume that left the user topic unknown (no event had come on
    // it yet, so missed moves could not be replayed): take a fresh snapshot.
    const userTopic = `user:${user.id}`;
    if (!reconnect || !joined || !conn.seqs.has(userTopic)) join();
  }

  function onStale(topic) {
    if (topic.startsWith('session:') || topic.startsWith('user:')) join();
    else if (topic.startsWith('room:') && state.room) enterRoom(state.room, false);
  }

  let entering = null; // the room a room.join is in flight for
  async function enterRoom(room, tell = true) {
    if (entering === room.id) return;
    entering = room.id;
    const reply = await conn.call('room.join', { room: room.id }).catch((err) => {
      app.notify(err);
      return null;
    });
    if (entering !== room.id) return; // moved elsewhere meanwhile
    entering = null;
    if (!reply) return;
    conn.setTopics(reply.topics, reply.epochs);
    state.enterRoom({ ...room, ...(reply.room || {}) }, reply);
    if (tell) announce(t(staff ? 'brc.visiting' : 'br.moved', { room: state.room.name }));
    update('room');
  }

  function leaveRoom(tell = true) {
    entering = null;
    if (!state.room) return;
    conn.forget(`room:${state.room.id}`);
    state.leaveRoom();
    if (tell) announce(t('br.back'));
    update('room');
  }

  function onMoved(data) {
    if (data.room) {
      if (state.room && state.room.id === data.room.id) return;
      if (state.room) conn.forget(`room:${state.room.id}`);
      enterRoom({ ...data.room, ends_at: data.ends_at });
    } else {
      leaveRoom();
      if (view === 'attendee') document.getElementById('qa-panel')?.scrollIntoView({ block: 'nearest' });
    }
  }

  function onEvent(type) {
    return (data, message) => {
      if (!joined) return;
      if (type === 'poll.state') announcePoll(data.poll);
      tellLiveRoom(type, data);
      if (type === 'room.closed' && state.room && message.topic === `room:${state.room.id}`) {
        leaveRoom();
        return;
      }
      const area = state.apply(type, data, message);
      if (area) update(area);
    };
  }

  /** What the live room says out loud: a hand lowered by a moderator, the stage, notices. */
  function tellLiveRoom(type, data) {
    const say = (key, vars) => { announce(t(key, vars)); app.notify(t(key, vars), 'info'); };
    if (type === 'hand' && !data.raised && data.by === 'moderator') say('hand.lowered_by_moderator');
    if (type === 'stage') {
      const now = (data.on_stage || []).some((g) => g.user === user.id);
      if (now && !state.amOnStage()) say('hand.brought_on_stage');
      if (!now && state.amOnStage()) say('hand.stage_ended');
    }
    if (type === 'qa.dismissed') say('qa.dismissed_notice');
    if (type === 'qa.merged') say('qa.merged_notice');
    if (type === 'user.muted') say(data.muted ? 'live.muted' : 'live.unmuted');
  }

  function announcePoll(poll) {
    const before = poll && state.polls.get(poll.id);
    if (poll && poll.state === 'open' && (!before || before.state !== 'open')) {
      announce(t('poll.new_open', { title: poll.title }));
    }
  }

  // -- rendering ----------------------------------------------------------------------------
  let built = false;
  function build() {
    for (const panel of panels) if (panel.destroy) panel.destroy();
    panels = makePanels(view, ctx);
    const layout = h('div', { class: `layout mode-${auth.mode || 'remote'}` }, panels.map((p) => p.el));
    fill(el, header(), layout);
    update('all');
    // Once the session is there, the keyboard starts at its title (not at <body>), unless
    // the person already moved on.
    const active = document.activeElement;
    if (!built && (!active || active === document.body || active.id === 'main')) {
      el.querySelector('h1')?.focus({ preventScroll: true });
    }
    built = true;
  }

  function update(area) {
    for (const panel of panels) panel.update(area);
    if (area === 'presence' || area === 'session' || area === 'media' || area === 'all') renderHeaderState();
  }

  const presenceEl = h('p', { class: 'presence muted', id: 'presence' });
  const liveEl = h('span', { class: 'badge', id: 'live-badge' });
  // Everyone is told while the stage is recorded (issue 17).
  const recEl = h('span', { class: 'badge badge-rec', id: 'rec-badge', role: 'status', hidden: true });
  function header() {
    const tabs = staff ? h('nav', { class: 'tabs', 'aria-label': t('session.views') },
      viewsFor(user.role).map((v) => h('a', {
        href: `#/session/${encodeURIComponent(sessionId)}/${v}`,
        'aria-current': v === view ? 'page' : null,
      }, t(`view.${v}`)))) : null;
    return h('div', { class: 'session-head' },
      h('a', { href: '#/agenda', class: 'back' }, t('session.back')),
      h('div', { class: 'row wrap title-row' }, h('h1', { tabindex: '-1' }, (state.session && state.session.title) || sessionId), liveEl, recEl),
      presenceEl, tabs);
  }

  function renderHeaderState() {
    const p = state.presence || {};
    presenceEl.textContent = t('session.presence', { online: p.online || 0, in_room: p.in_room || 0, remote: p.remote || 0 });
    const live = state.session && state.session.live;
    // Issue 17: the badge follows the stage: a live camera or screen is "On stage" even
    // before the moderator marks the session live.
    const onStage = !live && (state.publishers || []).some((p) => p.kind === 'camera' || p.kind === 'screen');
    liveEl.textContent = live ? t('session.live') : (onStage ? t('media.on_stage') : t('session.not_live'));
    liveEl.dataset.live = live ? 'yes' : (onStage ? 'stage' : 'no');
    const recording = !!(state.session && state.session.recording);
    recEl.hidden = !recording;
    recEl.textContent = recording ? t('rec.badge') : '';
  }

  function backLink() {
    return h('a', { href: '#/agenda', class: 'back' }, t('session.back'));
  }

  // Countdowns (poll close, breakout end) tick once a second wherever they are shown.
  const ticker = setInterval(() => {
    for (const node of el.querySelectorAll('[data-ends-at]')) {
      node.textContent = t(node.dataset.label, { t: countdown(Number(node.dataset.endsAt)) });
    }
  }, 1000);

  unsubscribe.push(conn.on('ready', onReady), conn.on('stale', onStale),
    conn.on('breakout.moved', onMoved),
    ...[...EVENT_TYPES, 'room.closed', ...NOTICES].map((type) => conn.on(type, onEvent(type))));
  fill(el, backLink(), h('p', { class: 'muted' }, t('session.loading')));
  if (conn.ready) join();

  return {
    el,
    relabel: () => { if (joined) build(); },
    destroy() {
      clearInterval(ticker);
      for (const off of unsubscribe) off();
      for (const panel of panels) if (panel.destroy) panel.destroy();
      if (conn.ready && joined) conn.call('session.leave', { session: sessionId }).catch(() => {});
    },
  };
}

function viewsFor(role) {
  if (role === 'moderator') return ['moderator', 'speaker', 'attendee'];
  if (role === 'speaker') return ['speaker', 'attendee'];
  if (role === 'captioner' || role === 'interpreter') return ['captioner', 'attendee'];
  return ['attendee'];
}

function pickView(role, requested) {
  const allowed = viewsFor(role);
  return allowed.includes(requested) ? requested : allowed[0];
}

function makePanels(view, ctx) {
  if (view === 'moderator') {
    return [sessionControls(ctx), screenControls(ctx), floorPanel(ctx, true), moderatorQA(ctx), chatPanel(ctx, true),
      moderatorPolls(ctx), moderatorSurveys(ctx), moderatorBreakouts(ctx), reportBackControls(ctx), roomPanel(ctx),
      engagementPanel(ctx)];
  }
  if (view === 'speaker') {
    return [liveStage(ctx, 'presenter'), captionsPanel(ctx), floorPanel(ctx, false), sharedReportsPanel(ctx), speakerQA(ctx),
      speakerPolls(ctx), chatPanel(ctx, false)];
  }
  if (view === 'captioner') return [captionerDesk(ctx), stagePanel(ctx, false), captionsPanel(ctx)];
  // Phone first: someone in the room lands on the running poll and the questions; the stage
  // (with the reactions and the raised hand) comes after. Online, the stage leads.
  if (ctx.app.auth && ctx.app.auth.mode === 'in_room') {
    return [roomPanel(ctx), breakoutChooser(ctx), attendeePolls(ctx), attendeeSurveys(ctx), attendeeQA(ctx),
      liveStage(ctx, 'attendee'), captionsPanel(ctx), sharedReportsPanel(ctx), chatPanel(ctx, false)];
  }
  return [roomPanel(ctx), breakoutChooser(ctx), liveStage(ctx, 'attendee'), captionsPanel(ctx), sharedReportsPanel(ctx),
    attendeePolls(ctx), attendeeSurveys(ctx), attendeeQA(ctx), chatPanel(ctx, false)];
}

/** The moderator's switches: the session live or ended, Q&A moderated or not. */
function sessionControls(ctx) {
  const { state, act, sessionId } = ctx;
  const liveButton = h('button', { type: 'button', id: 'session-live' });
  const moderated = h('input', { type: 'checkbox', id: 'session-moderated' });
  const recordButton = h('button', { type: 'button', id: 'session-record', 'aria-pressed': 'false' });
  recordButton.addEventListener('click', async () => {
    const recording = !(state.session && state.session.recording);
    const reply = await act('session.update', { session: sessionId, recording });
    if (reply) ctx.refresh('session');
  });
  const qaOpen = h('input', { type: 'checkbox', id: 'session-qa-open' });
  const chatOpen = h('input', { type: 'checkbox', id: 'session-chat-open' });
  for (const [box, field] of [[qaOpen, 'qa_open'], [chatOpen, 'chat_open']]) {
    box.addEventListener('change', async () => {
      const reply = await act('session.update', { session: sessionId, [field]: box.checked });
      if (reply) ctx.refresh('session');
    });
  }
  liveButton.addEventListener('click', async () => {
    const live = !(state.session && state.session.live);
    const reply = await act('session.update', { session: sessionId, live });
    if (reply) ctx.refresh('session');
  });
  moderated.addEventListener('change', async () => {
    const reply = await act('session.update', { session: sessionId, qa_moderated: moderated.checked });
    if (reply) ctx.refresh('session');
  });
  const el = h('section', { class: 'card panel controls', 'aria-labelledby': 'controls-h' },
    h('h2', { id: 'controls-h' }, t('mod.session')),
    h('div', { class: 'row wrap' }, liveButton, recordButton,
      h('label', { class: 'choice', for: 'session-moderated' }, moderated, ' ', t('mod.moderated')),
      h('label', { class: 'choice', for: 'session-qa-open' }, qaOpen, ' ', t('mod.qa_open')),
      h('label', { class: 'choice', for: 'session-chat-open' }, chatOpen, ' ', t('mod.chat_open'))));
  return {
    el,
    update() {
      const live = state.session && state.session.live;
      liveButton.textContent = live ? t('mod.end') : t('mod.go_live');
      liveButton.className = live ? 'danger' : 'primary';
      moderated.checked = !!(state.session && state.session.qa_moderated);
      const recording = !!(state.session && state.session.recording);
      recordButton.textContent = recording ? t('rec.stop') : t('rec.start');
      recordButton.setAttribute('aria-pressed', recording ? 'true' : 'false');
      qaOpen.checked = !(state.session && state.session.qa_open === false);
      chatOpen.checked = !(state.session && state.session.chat_open === false);
    },
  };
}
