// Q&A: the attendee's ask form and list, the moderator's queue, the speaker's big list.

import { h, fill } from '../dom.js';
import { formatNumber, plural, t } from '../i18n.js';
import { sortQuestions, sortRecent } from '../state.js';

const TEXT_MAX = 500;

/** Re-render a list without losing the keyboard focus of the control the user was on. */
export function keepFocus(container, render) {
  const active = document.activeElement;
  const key = active && container.contains(active) ? active.dataset.key : null;
  render();
  if (key) container.querySelector(`[data-key="${CSS.escape(key)}"]`)?.focus();
}

function modeLabel(q) {
  return q.mode === 'in_room' ? t('qa.in_room') : t('qa.remote');
}

function questionMeta(q) {
  const author = q.author ? q.author.name : t('qa.anonymous_author');
  return h('p', { class: 'q-meta muted' }, h('span', { class: 'q-author' }, author), ' · ', modeLabel(q));
}

function badges(q, state) {
  return [
    q.pinned ? h('span', { class: 'badge badge-pin' }, t('qa.pinned')) : null,
    q.status === 'pending' && state.myQuestion(q) ? h('span', { class: 'badge badge-pending' }, t('qa.pending_mine')) : null,
    q.status === 'answered' ? h('span', { class: 'badge badge-answered' }, t('qa.answered')) : null,
    q.edited ? h('span', { class: 'badge badge-edited' }, t('qa.edited')) : null,
    q.source ? h('span', { class: 'badge badge-source' }, t('qa.from_room', { room: q.source })) : null,
  ];
}

/** The attendee's order: "popular" (votes) or "recent" (newest first). */
function sortChoice(onChange) {
  const select = h('select', { id: 'qa-sort' },
    h('option', { value: 'popular' }, t('qa.sort_popular')), h('option', { value: 'recent' }, t('qa.sort_recent')));
  select.addEventListener('change', () => onChange(select.value));
  return h('div', { class: 'row wrap' }, h('label', { for: 'qa-sort' }, t('qa.sort')), select);
}

function answerBlock(q) {
  return q.answer ? h('p', { class: 'q-answer' }, h('strong', {}, t('qa.answer_label')), ' ', q.answer) : null;
}

// -- attendee -------------------------------------------------------------------------------
export function attendeeQA(ctx) {
  const { state, act, sessionId } = ctx;
  const text = h('textarea', { id: 'ask-text', rows: 3, maxlength: TEXT_MAX, placeholder: t('qa.ask_placeholder'),
    'aria-describedby': 'ask-count' });
  const count = h('span', { id: 'ask-count', class: 'muted small' }, t('qa.chars_left', { n: TEXT_MAX }));
  const anonymous = h('input', { type: 'checkbox', id: 'ask-anonymous' });
  const notice = h('p', { class: 'notice', role: 'status' });
  const send = h('button', { type: 'submit', class: 'primary' }, t('qa.ask'));
  text.addEventListener('input', () => {
    count.textContent = t('qa.chars_left', { n: TEXT_MAX - [...text.value.trim()].length });
  });
  const form = h('form', { class: 'stack ask', onsubmit: async (e) => {
    e.preventDefault();
    if (!text.value.trim()) { text.focus(); return; }
    notice.textContent = '';
    send.disabled = true;
    const sent = text.value;
    const reply = await act('qa.ask', { session: sessionId, text: sent, anonymous: anonymous.checked });
    send.disabled = false;
    // Disabling the button dropped the focus: back to the box, for the next question or to
    // fix this one.
    text.focus();
    if (!reply) return;
    if (text.value === sent) { // what was typed meanwhile (the next question) stays
      text.value = '';
      count.textContent = t('qa.chars_left', { n: TEXT_MAX });
    }
    notice.textContent = reply.question.status === 'pending' ? t('qa.sent_pending') : t('qa.sent');
    ctx.refresh('qa');
  } },
  h('label', { for: 'ask-text' }, t('qa.ask_label')), text, count,
  h('div', { class: 'row spread wrap' },
    h('label', { class: 'choice', for: 'ask-anonymous' }, anonymous, ' ', t('qa.anonymous')), send),
  notice);

  const list = h('ol', { class: 'questions', id: 'questions', 'aria-label': t('qa.title') });
  const answeredHead = h('h3', { class: 'subhead' }, t('qa.answered_list'));
  const answered = h('ol', { class: 'questions answered', id: 'answered-questions' });
  const closedNote = h('p', { class: 'notice', id: 'qa-closed', hidden: true }, t('qa.closed'));
  let order = 'popular';
  const sorter = sortChoice((value) => { order = value; ctx.refresh('qa'); });
  const el = h('section', { class: 'card panel', id: 'qa-panel', 'aria-labelledby': 'qa-h' },
    h('h2', { id: 'qa-h' }, t('qa.title')), closedNote, form, sorter, list, answeredHead, answered);

  async function vote(q) {
    const up = !state.myVotes.has(q.id);
    const reply = await act('qa.vote', { question: q.id, up });
    if (reply) ctx.refresh('qa');
  }

  async function withdraw(q) {
    const reply = await act('qa.withdraw', { question: q.id });
    if (reply) ctx.refresh('qa');
  }

  function item(q) {
    const voted = state.myVotes.has(q.id);
    const votable = q.status === 'visible' || q.status === 'answered';
    return h('li', { class: `question status-${q.status}${q.pinned ? ' pinned' : ''}`, dataset: { id: q.id } },
      h('div', { class: 'q-body' }, badges(q, state), h('p', { class: 'q-text' }, q.text), questionMeta(q), answerBlock(q)),
      h('div', { class: 'q-actions' },
        votable ? h('button', { type: 'button', class: 'vote', 'aria-pressed': voted ? 'true' : 'false',
          dataset: { key: `vote-${q.id}` }, onclick: () => vote(q), title: plural('qa.votes', q.votes || 0) },
        // The name is "Upvote 3" (aria-pressed says whether it is mine): the visible count is
        // part of it, as speech-input users say what they see.
        h('span', { class: 'visually-hidden' }, `${t('qa.upvote')} `),
        h('span', { class: 'vote-arrow', 'aria-hidden': 'true' }, '▲'),
        h('span', { class: 'vote-count' }, formatNumber(q.votes || 0)))
          : h('span', { class: 'vote-count muted' }, plural('qa.votes', q.votes || 0)),
        state.myQuestion(q) && q.status !== 'answered'
          ? h('button', { type: 'button', class: 'link', dataset: { key: `wd-${q.id}` }, onclick: () => withdraw(q) }, t('qa.withdraw'))
          : null));
  }

  return {
    el,
    update(area) {
      const closed = !!(state.session && state.session.qa_open === false);
      closedNote.hidden = !closed;
      form.hidden = closed;
      if (area !== 'qa' && area !== 'all') return;
      const all = [...state.questions.values()];
      const sort = order === 'recent' ? sortRecent : sortQuestions;
      const open = sort(all.filter((q) => q.status === 'visible'
        || (q.status === 'pending' && state.myQuestion(q))));
      const done = sortQuestions(all.filter((q) => q.status === 'answered'));
      keepFocus(el, () => {
        fill(list, open.length ? open.map(item) : h('li', { class: 'empty muted' }, t('qa.empty')));
        fill(answered, done.map(item));
      });
      answeredHead.hidden = !done.length;
    },
  };
}

// -- moderator ------------------------------------------------------------------------------
const GROUPS = [['pending', 'mod.pending'], ['visible', 'mod.visible'], ['answered', 'mod.answered'], ['dismissed', 'mod.dismissed']];

export function moderatorQA(ctx) {
  const { state, act } = ctx;
  let filter = 'all';
  const select = h('select', { id: 'qa-filter' },
    h('option', { value: 'all' }, t('mod.filter_all')),
    h('option', { value: 'in_room' }, t('mod.filter_in_room')),
    h('option', { value: 'remote' }, t('mod.filter_remote')));
  select.addEventListener('change', () => { filter = select.value; render(); });
  const split = h('p', { class: 'muted small', id: 'qa-split' });
  // Open work first: what to review and what is published stay open; answered and
  // dismissed questions fold away (a <details> each) so the page fits one screen.
  const sections = new Map(GROUPS.map(([status, label]) => {
    const count = h('span', { class: 'count' });
    const list = h('ol', { class: 'questions', id: `queue-${status}` });
    const heading = h('h3', { id: `queue-${status}-h`, tabindex: '-1' }, t(label), ' ', count);
    const section = status === 'answered' || status === 'dismissed'
      ? h('details', { class: `queue queue-${status} queue-done` }, h('summary', {}, heading), list)
      : h('section', { class: `queue queue-${status}`, 'aria-labelledby': `queue-${status}-h` }, heading, list);
    return [status, { section, list, count }];
  }));
  const el = h('section', { class: 'card panel', id: 'qa-panel', 'aria-labelledby': 'qa-h' },
    h('h2', { id: 'qa-h' }, t('mod.queue')),
    h('div', { class: 'row wrap' }, h('label', { for: 'qa-filter' }, t('mod.filter')), select), split,
    [...sections.values()].map((s) => s.section));

  async function moderate(q, action, answer) {
    const data = { question: q.id, action };
    if (answer) data.answer = answer;
    const from = q.status;
    const reply = await act('qa.moderate', data);
    if (reply) ctx.refresh('qa');
    // The question moved to another list with the button pressed: the keyboard goes on to
    // the next question of the list it left (the next one to review), or to its heading.
    const active = document.activeElement;
    if (!active || active === document.body) {
      const { list } = sections.get(from);
      (list.querySelector('button') || document.getElementById(`queue-${from}-h`))?.focus();
    }
  }

  function button(q, action, label, cls = '') {
    return h('button', { type: 'button', class: cls, dataset: { key: `${action}-${q.id}` },
      onclick: () => moderate(q, action) }, t(label));
  }

  const answering = new Set(); // questions whose answer form is open, across re-renders

  /** "Mark answered" is a button (aria-expanded) that opens a small form for an optional
   * written answer; the focus goes into it, and back to the button when it closes. */
  function answerForm(q) {
    const formId = `answer-form-${q.id}`;
    const input = h('input', { type: 'text', maxlength: 2000, id: `answer-${q.id}`, dataset: { key: `answer-${q.id}` } });
    const open = answering.has(q.id);
    const toggle = h('button', { type: 'button', class: 'answer-toggle', 'aria-expanded': String(open),
      'aria-controls': formId, dataset: { key: `answer-toggle-${q.id}` } }, t('mod.answer'));
    const form = h('form', { class: 'row wrap answer-form', id: formId, hidden: !open,
      onsubmit: (e) => { e.preventDefault(); answering.delete(q.id); moderate(q, 'answer', input.value.trim()); } },
    h('label', { for: input.id }, t('mod.answer_text')), input,
    h('button', { type: 'submit', class: 'primary' }, t('mod.confirm_answer')));
    toggle.addEventListener('click', () => {
      const now = !answering.has(q.id);
      if (now) answering.add(q.id); else answering.delete(q.id);
      toggle.setAttribute('aria-expanded', String(now));
      form.hidden = !now;
      if (now) input.focus();
    });
    return [toggle, form];
  }

  function actions(q) {
    switch (q.status) {
      case 'pending': return [button(q, 'approve', 'mod.approve', 'primary'), button(q, 'dismiss', 'mod.dismiss')];
      case 'visible': return [answerForm(q), q.pinned ? button(q, 'unpin', 'mod.unpin') : button(q, 'pin', 'mod.pin'),
        button(q, 'dismiss', 'mod.dismiss')];
      default: return [button(q, 'reopen', 'mod.reopen')];
    }
  }

  async function edit(q) {
    const text = window.prompt(t('mod.edit_prompt'), q.text);
    if (text == null || !text.trim() || text.trim() === q.text) return;
    const reply = await act('qa.edit', { question: q.id, text });
    if (reply && reply.question) ctx.refresh('qa');
  }

  async function merge(q, into) {
    const reply = await act('qa.merge', { question: q.id, into: into.id });
    if (reply) ctx.refresh('qa');
  }

  /** "Looks like: …" with a merge button, when the server found an earlier alike question. */
  function similarHint(q) {
    const like = q.similar_to && state.questions.get(q.similar_to);
    if (!like || q.status === 'dismissed') return null;
    return h('p', { class: 'q-similar small' }, t('mod.similar', { text: like.text }), ' ',
      h('button', { type: 'button', class: 'link', dataset: { key: `merge-${q.id}` }, onclick: () => merge(q, like) },
        t('mod.merge')));
  }

  function item(q) {
    const flagged = q.flagged ? h('span', { class: 'badge badge-flagged' }, t('mod.flagged')) : null;
    return h('li', { class: `question status-${q.status}${q.pinned ? ' pinned' : ''}`, dataset: { id: q.id } },
      h('div', { class: 'q-body' }, flagged, badges(q, state), h('p', { class: 'q-text' }, q.text), questionMeta(q),
        answerBlock(q), similarHint(q)),
      h('div', { class: 'q-actions' }, h('span', { class: 'vote-count muted' }, plural('qa.votes', q.votes || 0)), actions(q),
        h('button', { type: 'button', class: 'link', dataset: { key: `edit-${q.id}` }, onclick: () => edit(q) }, t('mod.edit'))));
  }

  function render() {
    const all = [...state.questions.values()];
    const pending = all.filter((q) => q.status === 'pending');
    split.textContent = t('mod.split', { in_room: pending.filter((q) => q.mode === 'in_room').length,
      remote: pending.filter((q) => q.mode !== 'in_room').length });
    const shown = all.filter((q) => filter === 'all' || q.mode === filter);
    keepFocus(el, () => {
      for (const [status, { list, count }] of sections) {
        const group = status === 'pending'
          ? [...shown.filter((q) => q.status === status)].sort((a, b) => a.created_at - b.created_at)
          : sortQuestions(shown.filter((q) => q.status === status));
        count.textContent = `(${group.length})`;
        fill(list, group.length ? group.map(item) : h('li', { class: 'empty muted' }, t('mod.none')));
      }
    });
  }

  return { el, update(area) { if (area === 'qa' || area === 'all') render(); } };
}

// -- speaker --------------------------------------------------------------------------------
export function speakerQA(ctx) {
  const { state } = ctx;
  const list = h('ol', { class: 'questions big', id: 'speaker-questions' });
  const el = h('section', { class: 'card panel presenter', 'aria-labelledby': 'spk-q-h' },
    h('h2', { id: 'spk-q-h' }, t('spk.questions')), list);
  return {
    el,
    update(area) {
      if (area !== 'qa' && area !== 'all') return;
      const shown = sortQuestions([...state.questions.values()].filter((q) => q.status === 'visible'));
      fill(list, shown.length ? shown.map((q) => h('li', { class: `question${q.pinned ? ' pinned' : ''}`, dataset: { id: q.id } },
        h('div', { class: 'q-body' }, badges(q, state), h('p', { class: 'q-text' }, q.text), questionMeta(q)),
        h('div', { class: 'q-actions' }, h('span', { class: 'vote-count' }, plural('qa.votes', q.votes || 0)))))
        : h('li', { class: 'empty muted' }, t('spk.none')));
    },
  };
}
