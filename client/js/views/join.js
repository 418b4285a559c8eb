// Join: from a link (#/join?event=…&code=…) or a pasted token. Name, where you sit, go.

import { h } from '../dom.js';
import { errorText, t } from '../i18n.js';
import { fetchAgenda, joinEvent, loadAuth, readClaims, saveAuth } from '../auth.js';

export function joinView(app, params) {
  const eventId = params.get('event') || (loadAuth() || {}).event || '';
  const code = params.get('code') || '';
  const previous = loadAuth();
  const error = h('p', { class: 'form-error', role: 'alert', id: 'join-error' });
  const title = h('h1', {}, t('join.title_any'));
  if (eventId) {
    fetchAgenda(eventId).then((agenda) => { title.textContent = t('join.title', { event: agenda.title }); },
      () => {});
  }

  const fields = {
    event: h('input', { id: 'join-event', name: 'event', required: true, value: eventId,
      autocomplete: 'off', spellcheck: 'false' }),
    name: h('input', { id: 'join-name', name: 'name', required: true, maxlength: 80,
      autocomplete: 'name', value: previous && previous.event === eventId ? previous.name || '' : '' }),
    code: h('input', { id: 'join-code', name: 'code', required: true, value: code,
      autocomplete: 'off', spellcheck: 'false' }),
  };
  const mode = modeChoice(previous ? previous.mode : 'remote');

  async function submit(e) {
    e.preventDefault();
    error.textContent = '';
    const name = fields.name.value.trim();
    const ev = fields.event.value.trim();
    if (!ev) { error.textContent = t('join.missing_event'); return; }
    if (!name) { error.textContent = t('join.missing_name'); fields.name.focus(); return; }
    button.disabled = true;
    try {
      const code = fields.code.value.trim();
      const { token, role } = await joinEvent(ev, name, code);
      // The code is kept to renew the token when it expires (the person stays the same).
      saveAuth({ token, role, event: ev, name, mode: mode.value(), code });
      app.go('#/agenda');
    } catch (err) {
      const specific = { unauthorized: 'join.bad_code', not_found: 'join.no_event' }[err.code];
      error.textContent = specific ? t(specific) : errorText(err);
      // A link's code or event may be the wrong one: let the visitor correct it.
      const wrong = { unauthorized: fields.code, not_found: fields.event }[err.code];
      if (wrong) { wrong.parentElement.classList.remove('hidden-field'); wrong.focus(); }
    } finally {
      button.disabled = false;
    }
  }

  const button = h('button', { type: 'submit', class: 'primary' }, t('join.submit'));
  const form = h('form', { class: 'card stack', onsubmit: submit, 'aria-describedby': 'join-error' },
    field(t('join.event'), fields.event, !!eventId && !!code),
    field(t('join.name'), fields.name),
    field(t('join.code'), fields.code, !!code),
    mode.el, error, button);

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

  const el = h('section', { class: 'page narrow' }, title, form,
    h('details', { class: 'token-paste' }, h('summary', {}, t('join.or_token')), tokenForm));
  return { el };
}

function field(label, input, hidden = false) {
  return h('div', { class: hidden ? 'field hidden-field' : 'field' },
    h('label', { for: input.id }, label), input);
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
