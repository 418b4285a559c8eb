// The app shell: header (language, connection state), toasts, and the hash router.
//   #/join?event=…&code=…   join form       #/agenda            the event's sessions
//   #/session/<id>[/<view>] a session, in the attendee, moderator or speaker view

import { announce, h, fill } from './dom.js';
import { LANGUAGES, errorText, lang, setLang, t } from './i18n.js';
import { loadAuth } from './auth.js';
import { Connection, socketUrl } from './connection.js';
import { joinView } from './views/join.js';
import { agendaView } from './views/agenda.js';
import { sessionView } from './views/session.js';

const app = {
  connection: null,
  auth: null,
  current: null, // the mounted view: {el, destroy?()}
  notify,
  connect,
  disconnect,
  go: (hash) => { window.location.hash = hash; },
};
window.plenary = app; // for the console and for tests that look inside

function parseHash() {
  const raw = window.location.hash.replace(/^#\/?/, '');
  const [path, query = ''] = raw.split('?');
  return { parts: path.split('/').filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(query) };
}

function route() {
  const { parts, params } = parseHash();
  app.auth = loadAuth();
  const [page, ...rest] = parts;
  if (page === 'join' || !app.auth) return mount(joinView(app, params));
  if (page === 'session' && rest[0]) return mount(sessionView(app, rest[0], rest[1]));
  return mount(agendaView(app));
}

function mount(view) {
  if (app.current && app.current.destroy) app.current.destroy();
  app.current = view;
  const main = document.getElementById('main');
  fill(main, view.el);
  const heading = main.querySelector('h1');
  if (heading) document.title = `${heading.textContent} · Plenary`;
}

/** The one connection for the stored token (made on first use, kept across sessions). */
function connect() {
  const auth = app.auth;
  if (app.connection && app.connection.token === auth.token && app.connection.mode === auth.mode) {
    return app.connection;
  }
  disconnect();
  const conn = new Connection({ url: socketUrl(), token: auth.token, mode: auth.mode });
  conn.on('status', showStatus);
  conn.on('closed', ({ code, reason }) => {
    if (code === 1008 && /removed/.test(reason || '')) { // a moderator removed this person
      announce(t('live.removed'));
      notify(t('live.removed'));
      return;
    }
    notify(code === 4401 ? t('error.unauthorized') : t('error.closed_policy', { reason }));
    if (code === 4401) app.go('#/join');
  });
  conn.on('refused', (err) => { if (err.code !== 'forbidden') notify(errorText(err)); });
  conn.on('error', (err) => notify(errorText(err)));
  app.connection = conn.start();
  return conn;
}

function disconnect() {
  if (app.connection) app.connection.stop();
  app.connection = null;
  showStatus({ state: 'idle' });
}

let lastStatus = { state: 'idle' };
function showStatus(status) {
  lastStatus = status;
  const el = document.getElementById('conn-status');
  el.dataset.state = status.state;
  const text = { connecting: t('conn.connecting'), online: t('conn.online'),
    reconnecting: t('conn.reconnecting', { s: status.seconds }), offline: t('conn.offline') };
  el.textContent = text[status.state] || '';
}

/** A message the user can read and dismiss (errors mostly). */
export function notify(message, kind = 'error') {
  const box = document.getElementById('toasts');
  const toast = h('div', { class: `toast toast-${kind}` },
    h('span', {}, message),
    h('button', { type: 'button', class: 'link', onclick: () => toast.remove() }, t('dismiss')));
  box.append(toast);
  setTimeout(() => toast.remove(), 8000);
}

function renderChrome() {
  const select = document.getElementById('lang-select');
  fill(select, Object.entries(LANGUAGES).map(([code, name]) => h('option', { value: code }, name)));
  select.value = lang();
  document.getElementById('lang-label').textContent = t('app.language');
  document.getElementById('skip-link').textContent = t('app.skip');
  document.getElementById('brand').textContent = t('app.title');
  showStatus(lastStatus);
}

document.getElementById('lang-select').addEventListener('change', (e) => setLang(e.target.value));
window.addEventListener('langchange', () => {
  renderChrome();
  // A view that can relabel itself keeps its state (and the session it joined).
  if (app.current && app.current.relabel) app.current.relabel();
  else route();
});
window.addEventListener('hashchange', route);
renderChrome();
route();
