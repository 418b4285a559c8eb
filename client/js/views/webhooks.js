// Webhooks in the organisers' pages: an event's endpoints (added with the kinds they want,
// the signing secret shown once), removed in place, and the latest deliveries with status.

import { h, fill } from '../dom.js';
import { errorText, t } from '../i18n.js';

const KINDS = ['session.started', 'session.ended', 'poll.closed', 'question.answered',
  'breakout.report_submitted', 'report.ready'];

export function webhooksPanel(ctx, eventId) {
  const { call, fail } = ctx;
  const base = `/api/events/${encodeURIComponent(eventId)}/webhooks`;
  const list = h('ul', { class: 'hooks', id: 'hooks' });
  const deliveries = h('ol', { class: 'deliveries', id: 'deliveries' });
  const secret = h('p', { class: 'notice', role: 'status', id: 'hook-secret' });
  const error = h('p', { class: 'form-error', role: 'alert' });
  const url = h('input', { id: 'hook-url', type: 'url', placeholder: 'https://', spellcheck: 'false' });
  const boxes = KINDS.map((kind) => h('input', { type: 'checkbox', value: kind, id: `hook-${kind}`, checked: true }));

  async function load() {
    try {
      const reply = await call('GET', base);
      fill(list, reply.webhooks.length ? reply.webhooks.map(row) : h('li', { class: 'muted' }, t('hooks.none')));
      fill(deliveries, reply.deliveries.length ? reply.deliveries.map(delivery)
        : h('li', { class: 'muted' }, t('hooks.no_deliveries')));
    } catch (err) { fail(err); }
  }

  function row(hook) {
    return h('li', { class: 'hook', dataset: { hook: hook.id } },
      h('div', { class: 'row spread wrap' }, h('code', { class: 'link-text' }, hook.url),
        h('button', { type: 'button', class: 'link danger-text', onclick: () => remove(hook.id) }, t('hooks.remove'))),
      h('p', { class: 'muted small' }, hook.kinds.join(', ')));
  }

  function delivery(d) {
    const when = new Date(d.updated_at * 1000).toLocaleTimeString(document.documentElement.lang);
    return h('li', { class: 'delivery', dataset: { delivery: d.id } },
      h('span', { class: `hook-status-${d.status}` }, t(`hooks.status.${d.status}`)), ' · ',
      d.kind, ' · ', t('hooks.attempts', { n: d.attempts }), ' · ', when,
      d.last_error ? h('span', { class: 'muted' }, ` · ${d.last_error}`) : null);
  }

  async function add(e) {
    e.preventDefault();
    error.textContent = '';
    const kinds = boxes.filter((b) => b.checked).map((b) => b.value);
    try {
      const created = await call('POST', base, { url: url.value.trim(), kinds });
      secret.textContent = t('hooks.secret', { secret: created.secret });
      url.value = '';
      load();
    } catch (err) {
      // Organisers get the server's precise reason beside the sentence.
      error.textContent = err.message ? `${errorText(err)} (${err.message})` : errorText(err);
    }
  }

  async function remove(id) {
    try { await call('DELETE', `${base}/${encodeURIComponent(id)}`); load(); } catch (err) { fail(err); }
  }

  load();
  return h('section', { class: 'card stack', id: 'webhooks', 'aria-labelledby': 'hooks-h' },
    h('h2', { id: 'hooks-h' }, t('hooks.title')),
    h('p', { class: 'muted' }, t('hooks.help')), list,
    h('form', { class: 'stack', onsubmit: add },
      h('div', { class: 'field' }, h('label', { for: 'hook-url' }, t('hooks.url')), url),
      h('fieldset', { class: 'choices' }, boxes.map((b) => h('label', { class: 'choice', for: b.id }, b, ' ', b.value))),
      error, h('button', { type: 'submit' }, t('hooks.add'))),
    secret,
    h('div', { class: 'row spread' }, h('h3', {}, t('hooks.deliveries')),
      h('button', { type: 'button', class: 'link', onclick: load }, t('hooks.refresh'))),
    deliveries);
}
