// Join: the event's short code typed on the landing page (`WELLBEING22`), a link
// (#/join?event=…&code=… or the room screen's #/join?code=WELLBEING22), or a pasted token.
// Name (optional where the event takes guests), where you sit, go.

import { h } from '../dom.js';
import { errorText, t } from '../i18n.js';
import { fetchAgenda, joinByCode, joinEvent, loadAuth, readClaims, saveAuth } from '../auth.js';

export function joinView(app, params) {
  const linkEvent = params.get('event') || '';
  const code = params.get('code') || '';
  const previous = loadAuth();
  const eventId = linkEvent || (previous || {}).event || '';
  const error = h('p', { class: 'form-error', role: 'alert', id: 'join-error' });
  const title = h('h1', {}, t('join.title_any'));
  if (linkEvent) {
    fetchAgenda(linkEvent).then((agenda) => { title.textContent = t('join.title', { event: agenda.title }); },
      () => {});
  }

  const fields = {
    code: h('input', { id: 'join-code', name: 'code', value: code, autocomplete: 'off',
      spellcheck: 'false', autocapitalize: 'characters', enterkeyhint: 'next', class: 'code-input' }),
    name: h('input', { id: 'join-name', name: 'name', maxlength: 80, autocomplete: 'name',
      enterkeyhint: 'go',
      value: previous && previous.event === eventId ? previous.name || '' : '' }),
    event: h('input', { id: 'join-event', name: 'event', value: linkEvent, autocomplete: 'off',
      spellcheck: 'false', autocapitalize: 'none' }),
  };
  const mode = modeChoice(previous ? previous.mode : (code && !linkEvent ? 'in_room' : 'remote'));
  // The event id is asked for only when a link gave it, or the visitor opens "event id".
  const eventField = field(t('join.event'), fields.event, !!linkEvent && !!code);
  const byId = h('details', { class: 'by-id', open: !!linkEvent && !code },
    h('summary', {}, t('join.by_id')), eventField);

  async function submit(e) {
    e.preventDefault();
    error.textContent = '';
    const given = fields.code.value.trim();
    const ev = fields.event.value.trim();
    if (!given) { error.textContent = t('join.missing_code'); fields.code.focus(); return; }
    button.disabled = true;
    try {
      const name = fields.name.value.trim();
      const reply = ev ? await joinEvent(ev, name, given) : await joinByCode(given, name);
      // A role code is kept to renew the token when it expires (the person stays the same).
      saveAuth({ token: reply.token, role: reply.role, event: reply.event || ev,
        name: reply.name || name, mode: mode.value(), ...(ev ? { code: given } : {}) });
      app.go(reply.role === 'display' ? '#/screen' : '#/agenda');
    } catch (err) {
      showError(err, ev);
    } finally {
      button.disabled = false;
    }
  }

  function showError(err, ev) {
    if (err.code === 'bad_request' && (err.field === 'name' || /name/.test(err.message || ''))) {
      error.textContent = t('join.missing_name');
      fields.name.focus();
      return;
    }
    const specific = { unauthorized: 'join.bad_code', not_found: ev ? 'join.no_event' : 'join.no_code' }[err.code];
    error.textContent = specific ? t(specific) : errorText(err);
    // A link's code or event may be the wrong one: let the visitor correct it.
    const wrong = { unauthorized: fields.code, not_found: ev ? fields.event : fields.code }[err.code];
    if (wrong) {
      wrong.parentElement.classList.remove('hidden-field');
      if (wrong === fields.event) byId.open = true;
      wrong.focus();
    }
  }

  const button = h('button', { type: 'submit', class: 'primary big-button' }, t('join.submit'));
  const form = h('form', { class: 'card stack join-form', onsubmit: submit, 'aria-describedby': 'join-error', novalidate: true },
    field(linkEvent ? t('join.code') : t('join.event_code'), fields.code, !!code && !!linkEvent),
    field(t('join.name'), fields.name, false, t('join.name_hint')),
    mode.el, byId, error, button);

  const tokenInput = h('textarea', { id: 'join-token', rows: 3, spellcheck: 'false' });
  const tokenError = h('p', { class: 'form-error', role: 'alert' });
  const tokenMode = modeChoice(previous ? previous.mode : 'remote', 'token-mode');
  const tokenForm = h('form', {
    class: 'card stack',
    onsubmit: (e) => {
      e.preventDefault();
      const token = tokenInput.value.trim();
      const claims = readClaims(token);
      if (!claims) { tokenError.textContent = t('join.bad_token'); return; }
      saveAuth({ token, role: claims.role, event: claims.event, name: claims.name, mode: tokenMode.value() });
      app.go('#/agenda');
    },
  }, h('label', { for: 'join-token' }, t('join.token')), tokenInput, tokenMode.el, tokenError,
  h('button', { type: 'submit' }, t('join.use_token')));

  // Sign-in with the organisation's account, where the server offers it and the event is known.
  const sso = h('p', { class: 'sso', hidden: true },
    h('a', { href: `/auth/login?event=${encodeURIComponent(linkEvent)}`, id: 'sso-login', class: 'button' }, t('join.sso')));
  if (linkEvent) {
    fetch('/auth/config').then((r) => r.json()).then((c) => { sso.hidden = !c.enabled; }, () => {});
  }

  const el = h('section', { class: 'page narrow join' }, title, form, sso,
    h('details', { class: 'token-paste' }, h('summary', {}, t('join.or_token')), tokenForm),
    h('p', { class: 'muted small organisers' }, h('a', { href: '#/admin' }, t('join.organisers'))));
  // The code is the first thing to type, unless a link brought it: then the name.
  setTimeout(() => (code ? fields.name : fields.code).focus(), 0);
  return { el };
}

function field(label, input, hidden = false, hint = null) {
  const hintEl = hint ? h('span', { class: 'muted small', id: `${input.id}-hint` }, hint) : null;
  if (hintEl) input.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: hidden ? 'field hidden-field' : 'field' },
    h('label', { for: input.id }, label), input, hintEl);
}

/** "In the room" / "online", as a radio group a keyboard and a screen reader understand. */
export function modeChoice(initial, name = 'mode') {
  const options = [['in_room', t('join.in_room')], ['remote', t('join.remote')]];
  const inputs = options.map(([value, label]) => {
    const input = h('input', { type: 'radio', name, value, id: `${name}-${value}`,
      checked: value === (initial || 'remote') });
    return h('label', { class: 'choice', for: `${name}-${value}` }, input, ' ', label);
  });
  const el = h('fieldset', { class: 'choices' }, h('legend', {}, t('join.where')), inputs);
  return { el, value: () => el.querySelector('input:checked').value };
}
