// Breakout report-back in the plenary: the shared reports beside the stage (everyone), and
// the moderator's choice of reports to share, to turn into a poll or into Q&A items.

import { h, fill } from '../dom.js';
import { t } from '../i18n.js';

/** The shared reports, as a list of rooms and their text: a clean render function the
 * presenter view and the room screen can reuse. */
export function renderSharedReports(el, shared) {
  const reports = (shared && shared.reports) || [];
  fill(el, reports.map((r) => h('li', { class: 'shared-report', dataset: { room: r.room } },
    h('h3', { class: 'subhead' }, r.name), h('p', { class: 'report-text' }, r.text))));
  return reports.length;
}

export function sharedReportsPanel(ctx) {
  const { state } = ctx;
  const list = h('ol', { class: 'shared-reports', id: 'shared-reports' });
  const el = h('section', { class: 'card panel', id: 'shared-panel', 'aria-labelledby': 'shared-h', hidden: true },
    h('h2', { id: 'shared-h' }, t('share.title')), list);
  return {
    el,
    update(area) {
      if (area !== 'shared' && area !== 'all') return;
      el.hidden = !renderSharedReports(list, state.sharedReports);
    },
  };
}

/** For moderators: pick rooms' reports, then share them, make a poll or Q&A items. */
export function reportBackControls(ctx) {
  const { state, act, app } = ctx;
  const boxes = h('div', { class: 'stack', id: 'report-choices' });
  const title = h('input', { type: 'text', id: 'report-poll-title', maxlength: 200, value: t('share.poll_default') });
  const el = h('section', { class: 'card panel', id: 'reportback-panel', 'aria-labelledby': 'reportback-h', hidden: true },
    h('h2', { id: 'reportback-h' }, t('share.choose')), boxes,
    h('div', { class: 'row wrap' },
      h('button', { type: 'button', class: 'primary', id: 'report-share', onclick: () => run('breakout.share') }, t('share.share')),
      h('button', { type: 'button', id: 'report-unshare', onclick: () => run('breakout.share', []) }, t('share.unshare'))),
    h('div', { class: 'row wrap' }, h('label', { for: title.id }, t('share.poll_title')), title,
      h('button', { type: 'button', id: 'report-poll', onclick: () => run('breakout.to_poll') }, t('share.to_poll'))),
    h('button', { type: 'button', id: 'report-questions', onclick: () => run('breakout.to_questions') }, t('share.to_questions')));

  function chosen() {
    return [...boxes.querySelectorAll('input:checked')].map((b) => b.value);
  }

  async function run(type, rooms = chosen()) {
    const breakout = state.breakout;
    if (!breakout) return;
    const data = { breakout: breakout.id, rooms };
    if (type === 'breakout.to_poll') data.title = title.value;
    const reply = await act(type, data);
    if (!reply) return;
    if (type === 'breakout.share') ctx.refresh('shared');
    app.notify(t(`share.done_${type.split('.')[1]}`), 'info');
  }

  function render() {
    const b = state.breakout;
    const rooms = b ? b.rooms.filter((r) => state.reports.has(r.id)) : [];
    el.hidden = !rooms.length;
    const before = new Set(chosen());
    fill(boxes, rooms.map((r) => h('label', { class: 'choice' },
      h('input', { type: 'checkbox', value: r.id, checked: before.has(r.id) }), ' ',
      h('strong', {}, r.name), ' — ', state.reports.get(r.id).text)));
  }

  return { el, update(area) { if (['reports', 'breakout', 'all'].includes(area)) render(); } };
}
