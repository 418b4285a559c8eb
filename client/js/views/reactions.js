// Reactions: five buttons to react, and a light animation with the counts over the stage.
// The server sends the counts added up, at most once a second (`reactions`), so an
// animation shows a few symbols per kind, never one per person.

import { h, fill } from '../dom.js';
import { t } from '../i18n.js';

export const REACTIONS = [
  ['applause', '👏'], ['thumbs_up', '👍'], ['heart', '❤️'], ['laugh', '😂'], ['surprise', '😮'],
];
const SYMBOL = Object.fromEntries(REACTIONS);
const MAX_FLOATS = 6; // per kind and second: enough to feel the room, light on a phone

/** The buttons an attendee reacts with (keyboard: Tab, then Enter or Space). */
export function reactionsBar(ctx) {
  const { conn, sessionId } = ctx;
  const el = h('div', { class: 'reactions-bar', role: 'group', 'aria-label': t('react.title') },
    REACTIONS.map(([kind, symbol]) => h('button', {
      type: 'button', class: 'reaction', dataset: { kind }, 'aria-label': t(`react.${kind}`), title: t(`react.${kind}`),
      onclick: (e) => {
        // A reaction over the limit is dropped quietly: the next second will do.
        conn.call('reaction.send', { session: sessionId, kind }).catch(() => {});
        pop(e.currentTarget);
      },
    }, h('span', { 'aria-hidden': 'true' }, symbol))));
  return el;
}

function pop(button) {
  button.classList.remove('sent');
  void button.offsetWidth; // restart the animation
  button.classList.add('sent');
}

/** Over the stage: `floats` (symbols rising across the whole stage; place it in a
 * positioned element) and `counts` (the last second's counts, as text). */
export function reactionsOverlay() {
  const floats = h('div', { class: 'reaction-floats', 'aria-hidden': 'true' });
  const counts = h('p', { class: 'reaction-counts', id: 'reaction-counts', hidden: true });
  return {
    floats,
    counts,
    show(received) {
      renderCounts(counts, received);
      if (!received || window.matchMedia?.('(prefers-reduced-motion: reduce)').matches) return;
      for (const [kind, n] of Object.entries(received)) {
        for (let i = 0; i < Math.min(n, MAX_FLOATS); i += 1) floats.append(floating(kind, i));
      }
    },
  };
}

function floating(kind, i) {
  const node = h('span', { class: 'reaction-float', style: { left: `${8 + Math.random() * 80}%`,
    animationDelay: `${i * 120}ms` } }, SYMBOL[kind] || '');
  node.addEventListener('animationend', () => node.remove());
  return node;
}

/** The counts as text ("👏 41 · ❤️ 12"), kinds without reactions left out: a clean render
 * function the room screen can reuse. */
export function renderCounts(el, received) {
  const shown = REACTIONS.filter(([kind]) => received && received[kind] > 0);
  fill(el, shown.map(([kind, symbol], i) => h('span', { class: 'reaction-count', dataset: { kind } },
    i ? ' · ' : '', h('span', { 'aria-hidden': 'true' }, symbol), ' ',
    h('span', { class: 'visually-hidden' }, `${t(`react.${kind}`)} `), String(received[kind]))));
  el.hidden = !shown.length;
}
