// The room screen: what the big screen shows, in large type and high contrast, switched live
// by a moderator (join code and QR, the running poll's results, the approved and pinned
// questions, or blank), with the reactions. It runs on a display token (the display link's
// key, or one a staff member's token obtains), so the wall shows exactly what attendees may
// see: every poll threshold is the server's.
//   #/screen?event=…&code=…  the display link     #/screen   choose the session
//   #/screen/<session>       the screen itself

import { h, fill } from '../dom.js';
import { errorText, t } from '../i18n.js';
import { api, fetchAgenda, loadAuth } from '../auth.js';
import { Connection, socketUrl } from '../connection.js';
import { SessionState, sortQuestions } from '../state.js';
import { resultsView } from './polls.js';
import { chosenLanguage, shownLines } from './captions.js';

const KEY = 'plenary.screen';
const SHOWS = ['code', 'poll', 'questions', 'blank'];
const EVENT_TYPES = ['qa.question', 'qa.votes', 'qa.removed', 'poll.state', 'poll.results',
  'poll.removed', 'session.updated'];
const REACTIONS = { clap: '👏', heart: '❤️', laugh: '😄', thumbs_up: '👍', party: '🎉', wow: '😮', think: '🤔' };

function loadScreen() {
  try { return JSON.parse(sessionStorage.getItem(KEY) || 'null'); } catch { return null; }
}

function saveScreen(auth) { sessionStorage.setItem(KEY, JSON.stringify(auth)); }

/** The display token: from the link's key, kept for this tab, or asked for by staff. */
async function displayAuth(params) {
  const event = params.get('event');
  const code = params.get('code');
  if (event && code) {
    const reply = await api('POST', `/api/events/${encodeURIComponent(event)}/join`, { code, name: '' });
    if (reply.role !== 'display') throw { code: 'forbidden', message: t('screen.not_display') };
    saveScreen({ token: reply.token, event: reply.event });
  }
  const stored = loadScreen();
  const staff = loadAuth();
  if (stored && (!staff || stored.event === staff.event || (event && code))) return stored;
  if (staff && (staff.role === 'moderator' || staff.role === 'speaker')) {
    const reply = await api('POST', `/api/events/${encodeURIComponent(staff.event)}/screen`, undefined,
      { token: staff.token });
    saveScreen({ token: reply.token, event: reply.event });
    return loadScreen();
  }
  throw { code: 'unauthorized', message: t('screen.need_link') };
}

export function screenView(app, sessionId, params) {
  // After the view it replaces is gone (its destroy may have just removed the class).
  queueMicrotask(() => document.body.classList.add('screen-mode'));
  const el = h('section', { class: 'screen', id: 'screen', 'aria-busy': 'true' },
    h('p', { class: 'screen-wait' }, t('screen.loading')));
  let stop = () => {};
  displayAuth(params).then((auth) => {
    if (params.get('code')) { app.go(sessionId ? `#/screen/${sessionId}` : '#/screen'); return; }
    if (!sessionId) { chooser(el, auth); return; }
    stop = live(el, auth, sessionId);
  }).catch((err) => {
    el.removeAttribute('aria-busy');
    fill(el, h('div', { class: 'screen-message' }, h('h1', {}, t('screen.title')),
      h('p', { role: 'alert' }, err.code === 'not_found' ? t('gone.text') : errorText(err))));
  });
  return {
    el,
    destroy() { stop(); document.body.classList.remove('screen-mode'); },
  };
}

/** Which session this screen is for: the live one first. */
function chooser(el, auth) {
  fetchAgenda(auth.event).then((agenda) => {
    el.removeAttribute('aria-busy');
    fill(el, h('div', { class: 'screen-message' }, h('h1', {}, agenda.title),
      h('p', {}, t('screen.choose')),
      h('ul', { class: 'screen-sessions' }, agenda.sessions.map((s) => h('li', {},
        h('a', { href: `#/screen/${encodeURIComponent(s.id)}`, class: 'screen-session' }, s.title))))));
  }, (err) => fill(el, h('p', { role: 'alert' }, errorText(err))));
}

function live(el, auth, sessionId) {
  const conn = new Connection({ url: socketUrl(), token: auth.token, mode: 'in_room' });
  const state = new SessionState({ role: 'display' });
  let show = 'code';
  let invite = null;
  let reactions = {};
  const stage = h('div', { class: 'screen-stage', id: 'screen-stage' });
  const corner = h('div', { class: 'screen-corner', id: 'screen-corner' });
  const reactionsEl = h('ul', { class: 'screen-reactions', id: 'screen-reactions', 'aria-label': t('screen.reactions') });
  const titleEl = h('h1', { class: 'screen-title' });
  // Live captions along the bottom, in the room's language (issue 17): read from the back.
  const captionsEl = h('div', { class: 'screen-captions', id: 'screen-captions', 'aria-live': 'polite' });
  fill(el, h('header', { class: 'screen-head' }, titleEl, reactionsEl), stage, captionsEl, corner);

  api('GET', `/api/events/${encodeURIComponent(auth.event)}/invite`, undefined, { token: auth.token })
    .then((reply) => { invite = reply; render(); }, () => {});

  function join() {
    conn.call('session.join', { session: sessionId, mode: 'in_room' }).then((snapshot) => {
      state.load(snapshot);
      conn.setTopics(snapshot.topics);
      show = (snapshot.screen && snapshot.screen.show) || 'code';
      reactions = (snapshot.reactions && snapshot.reactions.counts) || reactions;
      el.removeAttribute('aria-busy');
      render();
    }, (err) => fill(stage, h('p', { class: 'screen-message', role: 'alert' }, errorText(err))));
  }

  function render() {
    titleEl.textContent = (state.session && state.session.title) || '';
    el.dataset.show = show;
    renderReactions();
    renderCaptions();
    const code = invite && (invite.short_code || invite.code);
    fill(corner, show !== 'code' && code ? [h('span', {}, t('screen.join_at', { host: hostOf(invite.link) })),
      ' ', h('strong', { class: 'screen-code-small' }, code)] : null);
    if (show === 'blank') fill(stage);
    else if (show === 'poll') fill(stage, pollPart(state));
    else if (show === 'questions') fill(stage, questionsPart(state));
    else fill(stage, codePart(invite));
  }

  function renderCaptions() {
    const shown = shownLines(state.captions, chosenLanguage(state.captions, null));
    captionsEl.hidden = shown.length === 0;
    fill(captionsEl, shown.map((l) => h('p', { lang: l.lang }, l.text)));
  }

  function renderReactions() {
    const entries = Object.entries(reactions).filter(([, n]) => n > 0);
    fill(reactionsEl, entries.map(([name, n]) => h('li', { class: 'screen-reaction', dataset: { reaction: name } },
      h('span', { 'aria-hidden': 'true' }, REACTIONS[name] || name), ' ', h('span', { class: 'count' }, String(n)),
      h('span', { class: 'visually-hidden' }, ` ${name}`))));
  }

  const offs = [
    conn.on('ready', join),
    conn.on('stale', join),
    conn.on('screen.show', (d) => { if (d.session === sessionId && SHOWS.includes(d.show)) { show = d.show; render(); } }),
    conn.on('caption', (d) => { if (d.session === sessionId) { state.apply('caption', d); renderCaptions(); } }),
    conn.on('reactions', (d) => { if (!d.session || d.session === sessionId) { reactions = d.counts || {}; renderReactions(); } }),
    ...EVENT_TYPES.map((type) => conn.on(type, (d, message) => { if (state.apply(type, d, message)) render(); })),
  ];
  conn.start();
  return () => { for (const off of offs) off(); conn.stop(); };
}

function hostOf(link) {
  try { return new URL(link).host; } catch { return link; }
}

function codePart(invite) {
  if (!invite) return h('p', { class: 'screen-wait' }, t('screen.loading'));
  const code = invite.short_code || invite.code;
  return h('div', { class: 'screen-invite' },
    h('img', { class: 'screen-qr', id: 'screen-qr', alt: t('screen.qr_alt', { link: invite.link }),
      src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(invite.qr_svg)}` }),
    h('div', { class: 'screen-invite-text' },
      h('p', { class: 'screen-big' }, t('screen.join_at', { host: hostOf(invite.link) })),
      h('p', { class: 'screen-label' }, t('screen.code')),
      h('p', { class: 'screen-code', id: 'screen-code' }, code)));
}

function pollPart(state) {
  const all = [...state.polls.values()].filter((p) => p.state === 'open' || p.state === 'closed')
    .sort((a, b) => (a.state === 'open' ? 0 : 1) - (b.state === 'open' ? 0 : 1) || (b.created_at || 0) - (a.created_at || 0));
  const poll = all[0];
  if (!poll) return h('p', { class: 'screen-wait' }, t('screen.no_poll'));
  const results = state.results.get(poll.id);
  return h('div', { class: 'screen-poll polls big', id: 'screen-poll' },
    h('h2', {}, poll.title),
    poll.state === 'closed' ? h('p', { class: 'screen-label' }, t('screen.poll_closed')) : null,
    results ? resultsView(poll, results) : h('p', { class: 'screen-wait' }, t('screen.results_later')));
}

function questionsPart(state) {
  const shown = sortQuestions([...state.questions.values()].filter((q) => q.status === 'visible')).slice(0, 5);
  if (!shown.length) return h('p', { class: 'screen-wait' }, t('screen.no_questions'));
  return h('ol', { class: 'screen-questions', id: 'screen-questions' }, shown.map((q) => h('li', {
    class: `screen-question${q.pinned ? ' pinned' : ''}` },
  q.pinned ? h('span', { class: 'badge badge-pin' }, t('qa.pinned')) : null,
  h('span', { class: 'q-text' }, q.text),
  h('span', { class: 'screen-votes' }, String(q.votes || 0)))));
}

/** The moderator's switch for the room screen, in the moderator view. */
export function screenControls(ctx) {
  const { act, sessionId, conn } = ctx;
  let current = (ctx.state.screen && ctx.state.screen.show) || 'code';
  const choices = SHOWS.map((value) => h('button', { type: 'button', class: 'screen-choice', dataset: { show: value },
    onclick: async () => {
      const reply = await act('screen.show', { session: sessionId, show: value });
      if (reply) { current = reply.show; paint(); }
    } }, t(`screen.show.${value}`)));
  const off = conn.on('screen.show', (d) => { if (d.session === sessionId) { current = d.show; paint(); } });
  function paint() {
    for (const b of choices) b.setAttribute('aria-pressed', String(b.dataset.show === current));
  }
  const el = h('section', { class: 'card panel screen-controls', id: 'screen-controls', 'aria-labelledby': 'screen-h' },
    h('h2', { id: 'screen-h' }, t('screen.title')),
    h('div', { class: 'row wrap', role: 'group', 'aria-label': t('screen.shows') }, choices),
    h('p', {}, h('a', { href: `#/screen/${encodeURIComponent(sessionId)}`, target: '_blank', id: 'open-screen' }, t('screen.open'))));
  return {
    el,
    update(area) {
      if (area === 'all') current = (ctx.state.screen && ctx.state.screen.show) || current;
      paint();
    },
    destroy: off,
  };
}
