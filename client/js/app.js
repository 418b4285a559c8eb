// The app shell: header (language, connection state), toasts, and the hash router.
//   #/join?event=…&code=…   join form       #/agenda            the event's sessions
//   #/session/<id>[/<view>] a session, in the attendee, moderator or speaker view
//   #/screen[/<session>]    the room screen        #/admin[/<event>]   the organisers' pages

import { h, fill } from './dom.js';
import { LANGUAGES, errorText, lang, setLang, t } from './i18n.js';
import { fetchAgenda, joinEvent, loadAuth, readClaims, saveAuth } from './auth.js';
import { applyBrand } from './brand.js';
import { Connection, socketUrl } from './connection.js';
import { joinView } from './views/join.js';
import { agendaView } from './views/agenda.js';
import { sessionView } from './views/session.js';
import { screenView } from './views/screen.js';
import { adminView } from './views/admin.js';

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
  brandFor((app.auth && app.auth.event) || params.get('event'));
  // The room screen and the organisers' pages need no attendee's token.
  if (page === 'screen') return mount(screenView(app, rest[0], params));
  if (page === 'admin') return mount(adminView(app, rest, params));
  if (page === 'signed-in') return signedIn(params);
  if (page === 'join' || !app.auth) return mount(joinView(app, params));
  if (page === 'session' && rest[0]) return mount(sessionView(app, rest[0], rest[1]));
  return mount(agendaView(app));
}

/** Back from the organisation's sign-in (oidc.py): the token is in the fragment. */
function signedIn(params) {
  const token = params.get('token') || '';
  const claims = readClaims(token);
  if (!claims) { app.go('#/join'); return; }
  if (params.get('next') === 'admin') {
    sessionStorage.setItem('plenary.admin', token);
    app.go('#/admin');
    return;
  }
  saveAuth({ token, role: claims.role, event: claims.event, name: claims.name, mode: 'remote' });
  app.go('#/agenda');
}

function mount(view) {
  if (app.current && app.current.destroy) app.current.destroy();
  app.current = view;
  const main = document.getElementById('main');
  fill(main, view.el);
  const heading = main.querySelector('h1');
  if (heading) document.title = `${heading.textContent} · Plenary`;
  // A new page: the keyboard starts at its top, as after a page load (a view that builds
  // its heading later moves the focus there itself).
  if (!document.activeElement || document.activeElement === document.body) {
    main.focus({ preventScroll: true });
  }
}

/** The event's name, logo and accent in the top bar (once per event). */
let brandedEvent = null;
function brandFor(eventId) {
  if (!eventId || eventId === brandedEvent) return;
  brandedEvent = eventId;
  fetchAgenda(eventId).then((agenda) => { if (brandedEvent === eventId) applyBrand(agenda); }, () => {});
}

// -- the theme: the system's until the person picks one, then remembered --------------------
const THEME_KEY = 'plenary.theme';
function savedTheme() {
  try { return localStorage.getItem(THEME_KEY); } catch { return null; }
}
function isDark() {
  const chosen = document.documentElement.dataset.theme;
  return chosen ? chosen === 'dark' : window.matchMedia('(prefers-color-scheme: dark)').matches;
}
function renderTheme() {
  const button = document.getElementById('theme-toggle');
  button.setAttribute('aria-pressed', String(isDark()));
  document.getElementById('theme-label').textContent = t('app.dark_theme');
  button.title = t('app.dark_theme');
}
function toggleTheme() {
  const next = isDark() ? 'light' : 'dark';
  document.documentElement.dataset.theme = next;
  try { localStorage.setItem(THEME_KEY, next); } catch { /* private mode */ }
  renderTheme();
}
if (savedTheme() === 'light' || savedTheme() === 'dark') document.documentElement.dataset.theme = savedTheme();
document.getElementById('theme-toggle').addEventListener('click', toggleTheme);
window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', renderTheme);

/** The one connection for the stored token (made on first use, kept across sessions). */
function connect() {
  const auth = app.auth;
  if (app.connection && app.connection.token === auth.token && app.connection.mode === auth.mode) {
    return app.connection;
  }
  disconnect();
  const conn = new Connection({ url: socketUrl(), token: auth.token, mode: auth.mode });
  conn.on('status', showStatus);
  conn.on('closed', async ({ code, reason }) => {
    if (code === 4401 && await renewToken(conn)) return; // the page, and what was typed, stay
    notify(code === 4401 ? t('error.unauthorized') : t('error.closed_policy', { reason }));
    if (code === 4401) app.go('#/join');
  });
  conn.on('refused', (err) => notify(err));
  conn.on('error', (err) => notify(err));
  app.connection = conn.start();
  return conn;
}

/** The token expired (4401): join again with the kept code, as the same person, and resume
 * on the same connection object (its topics, seqs and waiting commands). */
async function renewToken(conn) {
  const auth = loadAuth();
  if (!auth || !auth.code || auth.token !== conn.token) return false;
  try {
    const { token, role } = await joinEvent(auth.event, auth.name, auth.code, auth.token);
    app.auth = { ...auth, token, role };
    saveAuth(app.auth);
    conn.token = token;
    conn.stopped = false;
    conn.retryNow();
    return true;
  } catch {
    return false;
  }
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

// Toasts: one per distinct message (a repeat restarts its timer instead of stacking),
// dismissable, and for a rate limit a countdown that ends when the wait does. Screen readers
// hear each message once through #alerts, not every tick of a countdown.
const TOAST_MS = 6000;
const toasts = new Map(); // key (the text, or code:field for an error) -> toast

/** Tell the user something: a sentence, or a protocol error (shown in their language). */
export function notify(what, kind = 'error') {
  const error = typeof what === 'string' ? null : what;
  const key = error ? `${error.code}:${error.field || ''}` : what;
  const toast = toasts.get(key) || makeToast(key, kind);
  const waitMs = error && error.code === 'rate_limited' && error.retry_after
    ? error.retry_after * 1000 : 0;
  const until = Date.now() + Math.max(waitMs, TOAST_MS);
  toast.render = () => {
    const left = Math.ceil((until - Date.now()) / 1000);
    return error ? errorText(waitMs ? { ...error, retry_after: Math.max(1, left) } : error) : what;
  };
  toast.text.textContent = toast.render();
  alertNow(toast.text.textContent);
  clearInterval(toast.timer);
  toast.timer = setInterval(() => {
    if (Date.now() >= until) { dropToast(key); return; }
    if (waitMs) toast.text.textContent = toast.render();
  }, 1000);
}

function makeToast(key, kind) {
  const text = h('span', { class: 'toast-text' });
  const close = h('button', { type: 'button', class: 'toast-close', 'aria-label': t('toast.dismiss'),
    onclick: () => dropToast(key) }, '×');
  const toast = { el: h('div', { class: `toast toast-${kind}` }, text, close), text, timer: null };
  document.getElementById('toasts').append(toast.el);
  toasts.set(key, toast);
  return toast;
}

function dropToast(key) {
  const toast = toasts.get(key);
  if (!toast) return;
  clearInterval(toast.timer);
  toast.el.remove();
  toasts.delete(key);
}

function alertNow(text) {
  const region = document.getElementById('alerts');
  region.textContent = '';
  requestAnimationFrame(() => { region.textContent = text; });
}

function renderChrome() {
  const select = document.getElementById('lang-select');
  fill(select, Object.entries(LANGUAGES).map(([code, name]) => h('option', { value: code }, name)));
  select.value = lang();
  document.getElementById('lang-label').textContent = t('app.language');
  document.getElementById('skip-link').textContent = t('app.skip');
  if (!brandedEvent) document.getElementById('brand-name').textContent = t('app.title');
  renderTheme();
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
