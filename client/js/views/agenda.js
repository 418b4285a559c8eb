// The agenda: the event's sessions, the visitor's identity and where they sit.

import { h, fill } from '../dom.js';
import { errorText, t } from '../i18n.js';
import { clearAuth, fetchAgenda, saveAuth } from '../auth.js';
import { modeChoice } from './join.js';

export function agendaView(app) {
  const auth = app.auth;
  const list = h('ul', { class: 'agenda', 'aria-busy': 'true' });
  const title = h('h1', {}, t('agenda.title'));
  const el = h('section', { class: 'page' });

  const mode = modeChoice(auth.mode, 'agenda-mode');
  mode.el.addEventListener('change', () => {
    saveAuth({ ...auth, mode: mode.value() });
    app.auth = { ...auth, mode: mode.value() };
  });

  function render(agenda) {
    title.textContent = agenda.title;
    list.removeAttribute('aria-busy');
    if (!agenda.sessions.length) { fill(list, h('li', {}, t('agenda.empty'))); return; }
    fill(list, agenda.sessions.map((s) => h('li', { class: 'card agenda-item' },
      h('h2', {}, h('a', { href: `#/session/${encodeURIComponent(s.id)}`, class: 'session-link' }, s.title)),
      when(s),
      s.speakers && s.speakers.length ? h('p', { class: 'muted' }, t('agenda.speakers', { names: s.speakers.join(', ') })) : null,
      s.description ? h('p', {}, s.description) : null)));
  }

  function when(s) {
    if (!s.starts_at) return null;
    const start = new Date(s.starts_at);
    const end = s.ends_at ? new Date(s.ends_at) : null;
    const fmt = { weekday: 'short', hour: '2-digit', minute: '2-digit' };
    const text = start.toLocaleString(document.documentElement.lang, fmt)
      + (end ? ` – ${end.toLocaleTimeString(document.documentElement.lang, { hour: '2-digit', minute: '2-digit' })}` : '');
    return h('p', { class: 'muted' }, h('time', { datetime: s.starts_at }, text));
  }

  fill(el,
    h('div', { class: 'row spread' }, title,
      h('button', { type: 'button', class: 'link', onclick: () => { clearAuth(); app.disconnect(); app.go('#/join'); } }, t('agenda.sign_out'))),
    h('p', { class: 'muted' }, t('agenda.signed_in', { name: auth.name, role: t(`role.${auth.role}`) })),
    mode.el, list);
  fetchAgenda(auth.event).then(render, (err) => {
    list.removeAttribute('aria-busy');
    fill(list, h('li', { class: 'form-error' }, errorText(err)));
  });
  return { el };
}
