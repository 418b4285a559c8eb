// The agenda: the event's sessions in the event's time zone (named), the visitor's own time
// beside when it differs, what is live now and what comes next, rooms, tracks, descriptions,
// and "add to calendar" (the server's iCalendar feeds). A deleted event gets a clear page.

import { h, fill } from '../dom.js';
import { errorText, t } from '../i18n.js';
import { clearAuth, fetchAgenda, saveAuth } from '../auth.js';
import { modeChoice } from './join.js';
import { browserZone, offsetMinutes, zoneLabel } from '../zones.js';
import { loadRecordings, recordingsBlock } from './recordings.js';

const TICK_MS = 30_000; // "live now" and "next" move on while the page stays open

export function agendaView(app) {
  const auth = app.auth;
  const list = h('ul', { class: 'agenda', 'aria-busy': 'true' });
  const title = h('h1', {}, t('agenda.title'));
  const intro = h('div', { class: 'agenda-intro' });
  const el = h('section', { class: 'page' });
  let agenda = null;
  let recordings = {}; // session id -> its recordings (issue 17)

  const mode = modeChoice(auth.mode, 'agenda-mode');
  mode.el.addEventListener('change', () => {
    saveAuth({ ...auth, mode: mode.value() });
    app.auth = { ...auth, mode: mode.value() };
  });

  function signOut() { clearAuth(); app.disconnect(); app.go('#/join'); }

  function render() {
    if (!agenda) return;
    title.textContent = agenda.title;
    list.removeAttribute('aria-busy');
    const zone = agenda.timezone || 'UTC';
    fill(intro,
      agenda.description ? h('p', {}, agenda.description) : null,
      h('p', { class: 'muted zone-note', id: 'agenda-zone' }, t('agenda.zone', { zone: zoneLabel(zone, lang()) }),
        ' ', h('a', { href: feed(agenda.id), download: `${agenda.id}.ics`, id: 'agenda-ics' }, t('agenda.subscribe'))));
    if (!agenda.sessions.length) { fill(list, h('li', {}, t('agenda.empty'))); return; }
    const now = Date.now();
    const nextId = nextSession(agenda.sessions, now);
    fill(list, agenda.sessions.map((s) => item(s, zone, now, nextId)));
  }

  function item(s, zone, now, nextId) {
    const live = isLive(s, now);
    const badge = live ? h('span', { class: 'badge badge-live' }, t('agenda.live_now'))
      : s.id === nextId ? h('span', { class: 'badge badge-next' }, t('agenda.next')) : null;
    const where = [s.room, s.track ? t('agenda.track', { track: s.track }) : null].filter(Boolean).join(' · ');
    return h('li', { class: `card agenda-item${live ? ' is-live' : ''}`, dataset: { session: s.id } },
      h('div', { class: 'row wrap' }, badge,
        h('h2', {}, h('a', { href: `#/session/${encodeURIComponent(s.id)}`, class: 'session-link' }, s.title))),
      when(s, zone),
      where ? h('p', { class: 'muted where' }, where) : null,
      s.speakers && s.speakers.length ? h('p', { class: 'muted' }, t('agenda.speakers', { names: s.speakers.join(', ') })) : null,
      s.description ? h('p', { class: 'description' }, s.description) : null,
      s.starts_at ? h('a', { class: 'add-cal small', href: feed(agenda.id, s.id), download: `${s.id}.ics` }, t('agenda.add_calendar')) : null,
      recordingsBlock(auth, recordings[s.id], zone));
  }

  fill(el,
    h('div', { class: 'row spread' }, title,
      h('button', { type: 'button', class: 'link', onclick: signOut }, t('agenda.sign_out'))),
    h('p', { class: 'muted' }, t('agenda.signed_in', { name: auth.name, role: t(`role.${auth.role}`) })),
    intro, mode.el, list);
  loadRecordings(auth).then((found) => { recordings = found; render(); });
  fetchAgenda(auth.event).then((a) => { agenda = a; render(); }, (err) => {
    list.removeAttribute('aria-busy');
    if (err.code === 'not_found') { fill(el, goneView(signOut)); return; }
    fill(list, h('li', { class: 'form-error' }, errorText(err)));
  });
  const ticker = setInterval(render, TICK_MS);
  return { el, destroy: () => clearInterval(ticker) };
}

/** The page for a link whose event was deleted (or never existed). */
export function goneView(onLeave) {
  return h('div', { class: 'card stack gone', id: 'event-gone' },
    h('h1', {}, t('gone.title')),
    h('p', {}, t('gone.text')),
    h('button', { type: 'button', class: 'primary', onclick: onLeave }, t('gone.join_other')));
}

function feed(eventId, sessionId) {
  const base = `/api/events/${encodeURIComponent(eventId)}`;
  return sessionId ? `${base}/sessions/${encodeURIComponent(sessionId)}/calendar.ics` : `${base}/calendar.ics`;
}

function isLive(s, now) {
  if (!s.starts_at) return false;
  const start = Date.parse(s.starts_at);
  const end = s.ends_at ? Date.parse(s.ends_at) : start + 3600_000;
  return start <= now && now < end;
}

function nextSession(sessions, now) {
  const coming = sessions.filter((s) => s.starts_at && Date.parse(s.starts_at) > now)
    .sort((a, b) => Date.parse(a.starts_at) - Date.parse(b.starts_at));
  return coming.length ? coming[0].id : null;
}

function lang() { return document.documentElement.lang || 'en'; }

function when(s, zone) {
  if (!s.starts_at) return null;
  const start = new Date(s.starts_at);
  const end = s.ends_at ? new Date(s.ends_at) : null;
  const day = { timeZone: zone, weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' };
  const clock = { timeZone: zone, hour: '2-digit', minute: '2-digit' };
  const range = (z, withZone) => {
    const opts = { ...clock, timeZone: z };
    const text = start.toLocaleTimeString(lang(), opts) + (end ? ` – ${end.toLocaleTimeString(lang(), opts)}` : '');
    if (!withZone) return text;
    const name = new Intl.DateTimeFormat(lang(), { timeZone: z, timeZoneName: 'short' })
      .formatToParts(start).find((p) => p.type === 'timeZoneName');
    return name ? `${text} ${name.value}` : text;
  };
  const mine = browserZone();
  const differs = offsetMinutes(mine, start) !== offsetMinutes(zone, start);
  return h('p', { class: 'when' },
    h('time', { datetime: s.starts_at }, `${start.toLocaleDateString(lang(), day)}, ${range(zone, true)}`),
    differs ? h('span', { class: 'muted local-time' }, ' · ',
      t('agenda.your_time', { time: `${start.toLocaleDateString(lang(), { weekday: 'short', timeZone: mine })} ${range(mine, false)}` })) : null);
}
