// The organisers' pages: sign in with the admin key; list, create, edit and delete events;
// sessions with times in the event's zone; join codes shown, copied and rotated; agenda files
// imported and exported; webhooks and their deliveries. Every change is a call to the HTTP API.
//   #/admin               the events        #/admin/new    a new event
//   #/admin/<event>       one event: its definition, codes and webhooks

import { h, fill } from '../dom.js';
import { errorText, t } from '../i18n.js';
import { api } from '../auth.js';
import { allZones, browserZone, isoToWall, wallToIso } from '../zones.js';
import { webhooksPanel } from './webhooks.js';

const KEY = 'plenary.admin';
const ROLES = ['attendee', 'speaker', 'moderator', 'display'];

function adminKey() {
  try { return sessionStorage.getItem(KEY); } catch { return null; }
}

export function adminView(app, rest, params) {
  const el = h('section', { class: 'page admin', id: 'admin' });
  const key = params.get('key') || adminKey();
  if (!key) {
    fill(el, signIn(app));
    return { el };
  }
  const call = (method, path, body, type) => api(method, path, body, { token: key, type });
  const fail = (err) => {
    if (err.code === 'unauthorized') { sessionStorage.removeItem(KEY); app.go('#/admin'); }
    app.notify(errorText(err));
  };
  const ctx = { app, call, fail, key };
  if (!rest[0]) fill(el, eventList(ctx));
  else if (rest[0] === 'new') fill(el, editor(ctx, null));
  else {
    fill(el, h('p', { class: 'muted' }, t('admin.loading')));
    call('GET', `/api/events/${encodeURIComponent(rest[0])}/export`)
      .then((def) => fill(el, editor(ctx, def)), (err) => {
        if (err.code === 'not_found') fill(el, backLink(), h('p', { class: 'form-error', role: 'alert' }, t('gone.text')));
        else fail(err);
      });
  }
  return { el };
}

function backLink() {
  return h('a', { href: '#/admin', class: 'back' }, t('admin.back'));
}

function signIn(app) {
  const input = h('input', { id: 'admin-key', type: 'password', autocomplete: 'current-password', required: true });
  const error = h('p', { class: 'form-error', role: 'alert' });
  async function submit(e) {
    e.preventDefault();
    try {
      await api('GET', '/api/events', undefined, { token: input.value.trim() });
      sessionStorage.setItem(KEY, input.value.trim());
      app.go('#/admin');
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    } catch (err) {
      error.textContent = err.code === 'unauthorized' ? t('admin.bad_key') : errorText(err);
    }
  }
  const sso = h('p', { class: 'muted small', hidden: true },
    h('a', { href: '/auth/login?next=admin', id: 'oidc-admin' }, t('admin.sso')));
  fetch('/auth/config').then((r) => r.json()).then((c) => { sso.hidden = !c.enabled; }, () => {});
  return h('div', { class: 'narrow' },
    h('h1', {}, t('admin.title')),
    h('form', { class: 'card stack', onsubmit: submit },
      h('label', { for: 'admin-key' }, t('admin.key')), input, error,
      h('button', { type: 'submit', class: 'primary' }, t('admin.sign_in'))),
    sso);
}

// -- the list ---------------------------------------------------------------------------------
function eventList(ctx) {
  const { call, fail, app } = ctx;
  const list = h('ul', { class: 'admin-events', id: 'admin-events', 'aria-busy': 'true' });
  const file = h('input', { type: 'file', id: 'import-file', accept: '.json,.toml,application/json', class: 'visually-hidden' });
  file.addEventListener('change', async () => {
    const chosen = file.files[0];
    if (!chosen) return;
    const toml = chosen.name.endsWith('.toml');
    try {
      const event = await call('POST', '/api/events?replace=1', await chosen.text(), toml ? 'application/toml' : 'application/json');
      app.notify(t('admin.imported', { title: event.title }), 'ok');
      load();
    } catch (err) { fail(err); }
    file.value = '';
  });

  function load() {
    call('GET', '/api/events').then(({ events }) => {
      list.removeAttribute('aria-busy');
      if (!events.length) { fill(list, h('li', { class: 'muted' }, t('admin.none'))); return; }
      fill(list, events.map((e) => row(e)));
    }, fail);
  }

  function row(e) {
    const del = confirmButton(t('admin.delete'), t('admin.delete_confirm', { title: e.title }), async () => {
      try { await call('DELETE', `/api/events/${encodeURIComponent(e.id)}`); load(); } catch (err) { fail(err); }
    });
    return h('li', { class: 'card admin-event', dataset: { event: e.id } },
      h('div', { class: 'row spread wrap' },
        h('h2', {}, h('a', { href: `#/admin/${encodeURIComponent(e.id)}` }, e.title)),
        h('div', { class: 'row wrap' },
          h('a', { href: `#/admin/${encodeURIComponent(e.id)}`, class: 'button' }, t('admin.edit')),
          h('button', { type: 'button', onclick: () => download(call, e.id) }, t('admin.export')), del)),
      h('p', { class: 'muted' }, [e.id, e.short_code ? t('admin.short', { code: e.short_code }) : null,
        t('admin.sessions_n', { n: e.sessions }), e.timezone, dates(e)].filter(Boolean).join(' · ')));
  }

  load();
  return h('div', {},
    h('div', { class: 'row spread wrap' }, h('h1', {}, t('admin.title')),
      h('button', { type: 'button', class: 'link', onclick: () => { sessionStorage.removeItem(KEY); app.go('#/join'); } }, t('admin.sign_out'))),
    h('div', { class: 'row wrap admin-actions' },
      h('a', { href: '#/admin/new', class: 'button primary', id: 'new-event' }, t('admin.new')),
      h('label', { for: 'import-file', class: 'button' }, t('admin.import')), file),
    list);
}

function dates(e) {
  if (!e.starts_on) return null;
  return e.ends_on && e.ends_on !== e.starts_on ? `${e.starts_on} – ${e.ends_on}` : e.starts_on;
}

async function download(call, id) {
  const def = await call('GET', `/api/events/${encodeURIComponent(id)}/export`).catch(() => null);
  if (!def) return;
  const url = URL.createObjectURL(new Blob([JSON.stringify(def, null, 2)], { type: 'application/json' }));
  const a = h('a', { href: url, download: `${id}.json` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** A button that asks once more, in place (no browser dialog). */
function confirmButton(label, question, action) {
  const button = h('button', { type: 'button', class: 'danger-outline' }, label);
  let armed = false;
  button.addEventListener('click', () => {
    if (!armed) {
      armed = true;
      button.textContent = question;
      button.className = 'danger';
      setTimeout(() => { armed = false; button.textContent = label; button.className = 'danger-outline'; }, 5000);
      return;
    }
    action();
  });
  return button;
}

// -- the editor -------------------------------------------------------------------------------
function slug(text) {
  return String(text).toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64);
}

export function randomCode() {
  const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';
  const bytes = crypto.getRandomValues(new Uint8Array(10));
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

function input(id, label, value, attrs = {}) {
  const el = h(attrs.multiline ? 'textarea' : 'input', { id, name: id, value: value ?? '', ...attrs, multiline: null });
  if (attrs.multiline) el.value = value ?? '';
  return { el, field: h('div', { class: 'field' }, h('label', { for: id }, label), el) };
}

function editor(ctx, def) {
  const { call, fail, app } = ctx;
  const isNew = !def;
  const event = def || { id: '', title: '', timezone: browserZone(), sessions: [], codes: {} };
  const error = h('p', { class: 'form-error', role: 'alert', id: 'editor-error' });
  const f = {
    title: input('ev-title', t('admin.ev_title'), event.title, { required: true, maxlength: 200 }),
    id: input('ev-id', t('admin.ev_id'), event.id, { pattern: '[a-z0-9-]{1,64}', readonly: !isNew, spellcheck: 'false' }),
    short: input('ev-short', t('admin.ev_short'), event.short_code, { pattern: '[A-Za-z0-9]{4,24}', autocapitalize: 'characters', spellcheck: 'false' }),
    zone: input('ev-zone', t('admin.ev_zone'), event.timezone, { list: 'zones', required: true, spellcheck: 'false' }),
    starts: input('ev-starts', t('admin.ev_starts'), event.starts_on, { type: 'date' }),
    ends: input('ev-ends', t('admin.ev_ends'), event.ends_on, { type: 'date' }),
    description: input('ev-description', t('admin.ev_description'), event.description, { multiline: true, rows: 3 }),
    days: input('ev-days', t('admin.ev_days'), (event.days || []).join('\n'), { multiline: true, rows: 3 }),
  };
  const guests = h('input', { type: 'checkbox', id: 'ev-guests', checked: !!event.guests });
  if (isNew) f.title.el.addEventListener('input', () => { if (!f.id.el.dataset.touched) f.id.el.value = slug(f.title.el.value); });
  f.id.el.addEventListener('input', () => { f.id.el.dataset.touched = '1'; });
  const zones = h('datalist', { id: 'zones' }, allZones().map((z) => h('option', { value: z })));

  const sessions = h('ol', { class: 'admin-sessions', id: 'admin-sessions' });
  const rows = [];
  function addSession(s = {}) {
    const r = sessionRow(s, rows.length, () => f.zone.el.value.trim() || 'UTC', () => {
      rows.splice(rows.indexOf(r), 1);
      r.el.remove();
    });
    rows.push(r);
    sessions.append(r.el);
    return r;
  }
  // Times are edited on the event zone's clocks: a new zone keeps the wall times.
  for (const s of event.sessions) addSession(s);

  async function save(e) {
    e.preventDefault();
    error.textContent = '';
    const zone = f.zone.el.value.trim();
    const body = {
      ...(def || {}),
      id: f.id.el.value.trim(), title: f.title.el.value.trim(), timezone: zone,
      codes: isNew ? Object.fromEntries(ROLES.map((r) => [r, randomCode()])) : def.codes,
      sessions: rows.map((r) => r.value(zone)),
      guests: guests.checked,
      days: f.days.el.value.split('\n').map((d) => d.trim()).filter(Boolean),
    };
    for (const [k, input_] of [['short_code', f.short], ['starts_on', f.starts], ['ends_on', f.ends], ['description', f.description]]) {
      const v = input_.el.value.trim();
      if (v) body[k] = v; else delete body[k];
    }
    try {
      if (isNew) await call('POST', '/api/events', body);
      else await call('PUT', `/api/events/${encodeURIComponent(body.id)}`, body);
      app.notify(t('admin.saved', { title: body.title }), 'ok');
      if (isNew) app.go(`#/admin/${encodeURIComponent(body.id)}`);
    } catch (err) {
      // Organisers get the server's precise reason beside the sentence.
      error.textContent = err.message ? `${errorText(err)} (${err.message})` : errorText(err);
      if (err.code === 'unauthorized') fail(err);
    }
  }

  const form = h('form', { class: 'card stack admin-editor', id: 'event-editor', onsubmit: save, novalidate: true },
    h('div', { class: 'grid-2' }, f.title.field, f.id.field, f.short.field, f.zone.field, f.starts.field, f.ends.field), zones,
    f.description.field, f.days.field,
    h('label', { class: 'choice', for: 'ev-guests' }, guests, ' ', t('admin.ev_guests')),
    h('h2', {}, t('admin.sessions')), sessions,
    h('button', { type: 'button', id: 'add-session', onclick: () => addSession().focus() }, t('admin.add_session')),
    error,
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary', id: 'save-event' }, isNew ? t('admin.create') : t('admin.save'))));

  return h('div', { class: 'stack' }, backLink(),
    h('h1', {}, isNew ? t('admin.new') : event.title), form,
    isNew ? null : codesPanel(ctx, def),
    isNew ? null : webhooksPanel(ctx, def.id));
}

function sessionRow(s, index, zoneOf, remove) {
  const n = `s${index}-${Math.random().toString(36).slice(2, 6)}`;
  const zone = zoneOf();
  const f = {
    title: input(`${n}-title`, t('admin.s_title'), s.title, { required: true, class: 's-title' }),
    id: input(`${n}-id`, t('admin.s_id'), s.id, { class: 's-id', spellcheck: 'false' }),
    starts: input(`${n}-starts`, t('admin.s_starts'), isoToWall(s.starts_at, zone), { type: 'datetime-local', class: 's-starts' }),
    ends: input(`${n}-ends`, t('admin.s_ends'), isoToWall(s.ends_at, zone), { type: 'datetime-local', class: 's-ends' }),
    room: input(`${n}-room`, t('admin.s_room'), s.room, { class: 's-room' }),
    track: input(`${n}-track`, t('admin.s_track'), s.track, { class: 's-track' }),
    speakers: input(`${n}-speakers`, t('admin.s_speakers'), (s.speakers || []).join(', '), { class: 's-speakers' }),
    description: input(`${n}-description`, t('admin.s_description'), s.description, { multiline: true, rows: 2, class: 's-description' }),
  };
  const moderated = h('input', { type: 'checkbox', id: `${n}-moderated`, class: 's-moderated', checked: s.qa_moderated !== false });
  const el = h('li', { class: 'admin-session' },
    h('div', { class: 'grid-2' }, f.title.field, f.id.field, f.starts.field, f.ends.field, f.room.field, f.track.field),
    f.speakers.field, f.description.field,
    h('div', { class: 'row spread wrap' },
      h('label', { class: 'choice', for: `${n}-moderated` }, moderated, ' ', t('admin.s_moderated')),
      h('button', { type: 'button', class: 'link danger-text', onclick: remove }, t('admin.s_remove'))));
  return {
    el,
    focus: () => f.title.el.focus(),
    value(eventZone) {
      const out = { ...s, title: f.title.el.value.trim(), id: f.id.el.value.trim() || slug(f.title.el.value),
        qa_moderated: moderated.checked,
        speakers: f.speakers.el.value.split(',').map((x) => x.trim()).filter(Boolean) };
      for (const [k, input_] of [['room', f.room], ['track', f.track], ['description', f.description]]) {
        const v = input_.el.value.trim();
        if (v) out[k] = v; else delete out[k];
      }
      for (const [k, input_] of [['starts_at', f.starts], ['ends_at', f.ends]]) {
        const v = wallToIso(input_.el.value, eventZone);
        if (v) out[k] = v; else delete out[k];
      }
      return out;
    },
  };
}

// -- join codes -------------------------------------------------------------------------------
function codesPanel(ctx, def) {
  const { call, fail } = ctx;
  const list = h('ul', { class: 'admin-codes', id: 'admin-codes' });
  const origin = window.location.origin;
  function link(role, code) {
    const page = role === 'display' ? 'screen' : 'join';
    return `${origin}/#/${page}?event=${encodeURIComponent(def.id)}&code=${encodeURIComponent(code)}`;
  }
  function render() {
    fill(list, ROLES.map((role) => {
      const code = def.codes[role];
      const status = h('span', { class: 'muted small', role: 'status' });
      const rotate = confirmButton(t('admin.rotate'), t('admin.rotate_confirm'), async () => {
        try {
          const reply = await call('POST', `/api/events/${encodeURIComponent(def.id)}/codes/${role}/rotate`);
          def.codes[role] = reply.code;
          render();
          ctx.app.notify(t('admin.rotated', { role: t(`role.${role}`) }), 'ok');
        } catch (err) { fail(err); }
      });
      return h('li', { class: 'admin-code', dataset: { role } },
        h('h3', {}, t(`role.${role}`)),
        code ? h('p', { class: 'row wrap' }, h('code', { class: 'code-value' }, code),
          h('button', { type: 'button', class: 'copy-code', onclick: () => copy(code, status) }, t('admin.copy')),
          h('button', { type: 'button', class: 'copy-link', onclick: () => copy(link(role, code), status) }, t('admin.copy_link')),
          rotate, status) : h('p', { class: 'row wrap' }, h('span', { class: 'muted' }, t('admin.no_code')), rotate),
        code ? h('p', { class: 'muted small link-text' }, link(role, code)) : null);
    }));
  }
  render();
  return h('section', { class: 'card stack', 'aria-labelledby': 'codes-h' },
    h('h2', { id: 'codes-h' }, t('admin.codes')),
    h('p', { class: 'muted' }, t('admin.codes_help')), list);
}

async function copy(text, status) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const area = h('textarea', { class: 'visually-hidden' });
    area.value = text;
    document.body.append(area);
    area.select();
    document.execCommand('copy');
    area.remove();
  }
  status.textContent = t('admin.copied');
}
