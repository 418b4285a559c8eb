// The session chat beside the stage: everyone reads and writes; moderators delete, mute,
// remove, slow it down. Messages are text, never markup (dom.js makes text nodes).

import { h, fill } from '../dom.js';
import { formatTime, t } from '../i18n.js';
import { keepFocus } from './qa.js';

const TEXT_MAX = 1000;
const SLOW_STEPS = [0, 5, 10, 30, 60];

export function chatPanel(ctx, moderator) {
  const { state, act, sessionId, app, user } = ctx;
  const list = h('ol', { class: 'chat-list' });
  // The log region is a wrapper: `role="log"` on the list itself would hide its items' list roles.
  const log = h('div', { class: 'chat-log', id: 'chat-log', role: 'log', 'aria-labelledby': 'chat-h' }, list);
  const input = h('input', { type: 'text', id: 'chat-text', maxlength: TEXT_MAX, autocomplete: 'off' });
  const send = h('button', { type: 'submit', class: 'primary' }, t('chat.send'));
  const status = h('p', { class: 'muted small', id: 'chat-status', role: 'status' });
  const form = h('form', { class: 'row chat-form', onsubmit: async (e) => {
    e.preventDefault();
    if (!input.value.trim()) { input.focus(); return; }
    send.disabled = true;
    const reply = await act('chat.say', { session: sessionId, text: input.value });
    send.disabled = false;
    if (!reply) return;
    input.value = '';
    state.putChat(reply.message);
    render();
  } }, h('label', { for: 'chat-text', class: 'visually-hidden' }, t('chat.label')), input, send);
  const slow = h('select', { id: 'chat-slow' },
    SLOW_STEPS.map((s) => h('option', { value: String(s) }, s ? t('chat.slow_s', { s }) : t('chat.slow_off'))));
  slow.addEventListener('change', () => act('chat.slow_mode', { session: sessionId, seconds: Number(slow.value) }));
  const tools = moderator ? h('div', { class: 'row wrap' }, h('label', { for: 'chat-slow' }, t('chat.slow')), slow) : null;
  const el = h('section', { class: 'card panel chat', id: 'chat-panel', 'aria-labelledby': 'chat-h' },
    h('h2', { id: 'chat-h' }, t('chat.title')), tools, log, form, status);

  async function moderate(kind, m) {
    if (kind === 'delete') { await act('chat.delete', { session: sessionId, message: m.id }); return; }
    if (kind === 'mute') {
      if (await act('user.mute', { user: m.user.id, muted: true })) app.notify(t('mod.muted', { name: m.user.name }), 'info');
      return;
    }
    const reason = window.prompt(t('mod.remove_reason', { name: m.user.name }));
    if (reason && reason.trim() && await act('user.remove', { user: m.user.id, reason })) {
      app.notify(t('mod.removed', { name: m.user.name }), 'info');
    }
  }

  function item(m) {
    const mine = m.user && m.user.id === user.id;
    const tools = moderator && !mine ? h('span', { class: 'chat-tools' },
      ['delete', 'mute', 'remove'].map((kind) => h('button', { type: 'button', class: 'link',
        dataset: { key: `${kind}-${m.id}` }, onclick: () => moderate(kind, m),
        'aria-label': t(`chat.${kind}_label`, { name: m.user.name }) }, t(`chat.${kind}`)))) : null;
    return h('li', { class: `chat-message${mine ? ' mine' : ''}`, dataset: { id: m.id } },
      h('span', { class: 'chat-who' }, m.user ? m.user.name : ''), ' ',
      h('time', { class: 'muted small' }, formatTime(m.at)), ' ',
      h('span', { class: 'chat-text' }, m.text), tools);
  }

  function render() {
    const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    keepFocus(el, () => fill(list, state.chat.length ? state.chat.map(item)
      : h('li', { class: 'empty muted' }, t('chat.empty'))));
    if (atBottom) log.scrollTop = log.scrollHeight;
    const closed = state.session && state.session.chat_open === false;
    const blocked = closed && !ctx.staff;
    input.disabled = blocked;
    send.disabled = blocked;
    slow.value = String(SLOW_STEPS.includes(state.chatSlow) ? state.chatSlow : 0);
    status.textContent = closed ? t('chat.closed') : (state.chatSlow && !ctx.staff ? t('chat.slow_on', { s: state.chatSlow }) : '');
  }

  return { el, update(area) { if (area === 'chat' || area === 'session' || area === 'all') render(); } };
}
