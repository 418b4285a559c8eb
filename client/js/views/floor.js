// The floor: the attendee's "raise hand" control and, for speakers and moderators, the queue
// of raised hands and who is on stage. An attendee a moderator brings on stage may share
// their camera (the stage panel shows the buttons while the grant lasts).

import { announce, h, fill } from '../dom.js';
import { t } from '../i18n.js';

function modeText(mode) {
  return mode === 'in_room' ? t('qa.in_room') : t('qa.remote');
}

/** The attendee's hand: one button that raises or lowers it, and what happens next. */
export function handControl(ctx) {
  const { state, act, sessionId } = ctx;
  const button = h('button', { type: 'button', id: 'hand-button', 'aria-pressed': 'false' });
  const status = h('p', { class: 'muted small', id: 'hand-status' });
  const leave = h('button', { type: 'button', class: 'danger', id: 'stage-leave', hidden: true,
    onclick: () => act('stage.end', { session: sessionId }) }, t('hand.leave_stage'));
  button.addEventListener('click', async () => {
    const raising = !state.myHand;
    const reply = await act(raising ? 'hand.raise' : 'hand.lower', { session: sessionId });
    if (!reply) return;
    render();
    announce(t(raising ? 'hand.raised_sr' : 'hand.lowered_sr'));
  });
  const el = h('div', { class: 'hand-control row wrap' }, button, leave, status);

  function render() {
    const onStage = state.amOnStage();
    button.hidden = onStage;
    leave.hidden = !onStage;
    button.setAttribute('aria-pressed', state.myHand ? 'true' : 'false');
    button.className = state.myHand ? 'primary' : '';
    fill(button, h('span', { 'aria-hidden': 'true' }, '✋ '), t(state.myHand ? 'hand.lower' : 'hand.raise'));
    status.textContent = onStage ? t('hand.on_stage') : (state.myHand ? t('hand.waiting') : '');
  }
  return { el, render };
}

/** The queue and the stage, for speakers (read) and moderators (act). */
export function floorPanel(ctx, canAct) {
  const { state, act, sessionId, app } = ctx;
  const queue = h('ol', { class: 'hands', id: 'hands-queue', 'aria-live': 'polite' });
  const stage = h('ul', { class: 'on-stage', id: 'on-stage' });
  const clear = h('button', { type: 'button', id: 'hands-clear', onclick: () => act('hand.clear', { session: sessionId }) },
    t('floor.lower_all'));
  const count = h('span', { class: 'count' });
  const el = h('section', { class: 'card panel floor', id: 'floor-panel', 'aria-labelledby': 'floor-h' },
    h('h2', { id: 'floor-h' }, t('floor.title'), ' ', count),
    queue, canAct ? clear : null,
    h('h3', { class: 'subhead' }, t('floor.on_stage')), stage);

  async function remove(user, name) {
    const reason = window.prompt(t('mod.remove_reason', { name }));
    if (reason && reason.trim()) {
      const reply = await act('user.remove', { user, reason });
      if (reply) app.notify(t('mod.removed', { name }), 'info');
    }
  }

  function hand(item, i) {
    const who = h('span', { class: 'hand-who' }, `${i + 1}. `, item.name, ' ',
      h('span', { class: `badge mode-${item.mode}` }, modeText(item.mode)));
    const buttons = canAct ? h('div', { class: 'row wrap' },
      h('button', { type: 'button', class: 'primary', dataset: { key: `invite-${item.user}` },
        onclick: () => act('stage.invite', { session: sessionId, user: item.user }) }, t('floor.bring')),
      h('button', { type: 'button', dataset: { key: `lower-${item.user}` },
        onclick: () => act('hand.lower', { session: sessionId, user: item.user }) }, t('floor.lower')),
      h('button', { type: 'button', class: 'link', onclick: () => remove(item.user, item.name) }, t('mod.remove')))
      : null;
    return h('li', { class: 'hand', dataset: { user: item.user } }, who, buttons);
  }

  function render() {
    count.textContent = `(${state.hands.length})`;
    fill(queue, state.hands.length ? state.hands.map(hand) : h('li', { class: 'empty muted' }, t('floor.none')));
    clear.hidden = !state.hands.length;
    fill(stage, state.onStage.length ? state.onStage.map((g) => h('li', { class: 'row wrap', dataset: { user: g.user } },
      h('span', {}, g.name),
      canAct ? h('button', { type: 'button', class: 'danger', onclick: () => act('stage.end', { session: sessionId, user: g.user }) },
        t('floor.end')) : null)) : h('li', { class: 'empty muted' }, t('floor.nobody')));
  }

  return { el, update(area) { if (area === 'floor' || area === 'all') render(); } };
}
