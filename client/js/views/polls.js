// Polls: voting (every kind), results as bars, a histogram or a word cloud, the moderator's
// builder and controls with the in-room vs online split, and the speaker's live results.

import { countdown, h, fill, toMs } from '../dom.js';
import { plural, t } from '../i18n.js';
import '../i18n-surveys.js';

// -- results --------------------------------------------------------------------------------
function percent(n, total) {
  return total ? Math.round((n / total) * 100) : 0;
}

function bars(labels, counts, total, cls = '') {
  return h('ol', { class: `bars ${cls}` }, labels.map((label, i) => {
    const n = counts[i] || 0;
    const pct = percent(n, total);
    return h('li', { class: 'bar-row' },
      h('span', { class: 'bar-label' }, label),
      h('span', { class: 'bar-track', 'aria-hidden': 'true' }, h('span', { class: 'bar-fill', style: { width: `${pct}%` } })),
      h('span', { class: 'bar-value' }, `${n} (${pct}%)`));
  }));
}

function wordCloud(words) {
  const entries = Object.entries(words || {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 60);
  if (!entries.length) return h('p', { class: 'muted' }, t('poll.no_words'));
  const max = entries[0][1];
  // Each word is read as itself, then how often it came ("Trust, said 3 times").
  return h('ul', { class: 'wordcloud' }, entries.map(([word, n]) => h('li', {
    style: { fontSize: `${(0.9 + 1.6 * (n / max)).toFixed(2)}rem` }, dataset: { count: String(n) },
  }, word, h('span', { class: 'visually-hidden' }, `, ${plural('poll.word_count', n)}`))));
}

/** One tally (the whole audience or one half) in the form its poll kind calls for. */
function tallyView(poll, votes, tally) {
  if (poll.kind === 'single' || poll.kind === 'multiple') {
    return bars(poll.options, tally || [], poll.kind === 'multiple' ? Math.max(votes, 1) : votes);
  }
  if (poll.kind === 'rating') {
    const scale = poll.scale || 5;
    const histogram = (tally && tally.histogram) || [];
    const named = poll.labels || [];
    const labels = Array.from({ length: scale }, (_, i) => (named[i] ? `${i + 1} ${named[i]}` : String(i + 1)));
    const mean = tally && tally.mean != null ? Math.round(Number(tally.mean) * 10) / 10 : '–';
    return h('div', {}, h('p', { class: 'mean' }, t('poll.mean', { mean, scale })), bars(labels, histogram, votes, 'histogram'));
  }
  if (poll.kind === 'ranking') return rankingView(poll, tally);
  if (poll.kind === 'text') return answerList(tally && tally.answers);
  return wordCloud(tally && tally.words);
}

/** Options by average rank (1 is best). */
function rankingView(poll, tally) {
  const means = (tally && tally.mean_rank) || [];
  const order = poll.options.map((_, i) => i).filter((i) => means[i] != null).sort((a, b) => means[a] - means[b]);
  if (!order.length) return h('p', { class: 'muted' }, t('poll.no_answers'));
  return h('ol', { class: 'ranking-results' }, order.map((i) => h('li', {},
    h('span', { class: 'bar-label' }, poll.options[i]), ' ', h('span', { class: 'muted small' }, t('poll.mean_rank', { r: Number(means[i]).toFixed(1) })))));
}

/** Free-text answers as written, as a list (the same answer twice shows its count). */
function answerList(answers) {
  if (!answers || !answers.length) return h('p', { class: 'muted' }, t('poll.no_answers'));
  return h('ul', { class: 'answer-list', 'aria-label': t('poll.answers_list') }, answers.map((a) => h('li', {},
    h('span', { class: 'answer-text' }, a.text), a.count > 1 ? h('span', { class: 'muted small' }, ` ×${a.count}`) : null)));
}

/** Results as they may be shown: a group below the poll's minimum reads "fewer than N".
 * Pure of any state: the room screen and the presenter view draw with it too. */
export function resultsView(poll, results, { split = false } = {}) {
  const minimum = results.min_responses ?? poll.min_responses ?? 0;
  if (results.suppressed) {
    return h('div', { class: 'results suppressed', 'aria-label': t('poll.results') }, h('p', { class: 'muted votes-total' }, t('poll.fewer_than', { n: minimum })));
  }
  const votes = results.votes || 0;
  // Nobody has answered yet: say so, rather than empty bars or "Average –".
  if (!votes) return h('div', { class: 'results', 'aria-label': t('poll.results') }, h('p', { class: 'muted votes-total' }, t('poll.no_answers')));
  const parts = [h('p', { class: 'muted votes-total' }, plural('poll.votes', votes)), tallyView(poll, votes, results.tally)];
  if (split && results.by_mode) {
    parts.push(h('div', { class: 'split' }, [['in_room', 'pollb.split_room'], ['remote', 'pollb.split_remote']].map(([mode, label]) => {
      const half = results.by_mode[mode] || { votes: 0 };
      if (half.suppressed) {
        return h('div', { class: `split-half split-${mode} suppressed` }, h('h4', {}, `${t(label)} · ${t('poll.group_hidden', { n: minimum })}`));
      }
      return h('div', { class: `split-half split-${mode}` }, h('h4', {}, `${t(label)} · ${plural('poll.votes', half.votes || 0)}`),
        tallyView(poll, half.votes || 0, half.tally));
    })));
  }
  return h('div', { class: 'results', 'aria-label': t('poll.results') }, parts);
}

function resultsOrNote(state, poll, staff) {
  const results = state.results.get(poll.id);
  const exact = staff && state.rawResults.get(poll.id);
  if (results && exact && (results.suppressed || Object.values(results.by_mode || {}).some((m) => m.suppressed))) {
    // Staff, where the poll's creator allowed it: the exact figures, clearly marked.
    return h('div', {}, resultsView(poll, results, { split: true }),
      h('details', { class: 'exact' }, h('summary', {}, t('poll.exact')), resultsView(poll, exact, { split: true })));
  }
  if (results) return resultsView(poll, results, { split: staff });
  if (poll.results === 'hidden') return h('p', { class: 'muted' }, t('poll.results_hidden'));
  if (poll.results === 'after_close' && poll.state !== 'closed') return h('p', { class: 'muted' }, t('poll.results_later'));
  if (poll.min_responses) {
    return h('p', { class: 'muted' }, t(poll.state === 'closed' ? 'poll.min_not_reached' : 'poll.min_responses', { n: poll.min_responses }));
  }
  return null;
}

function closesIn(poll) {
  const at = toMs(poll.closes_at);
  if (poll.state !== 'open' || !at) return null;
  return h('p', { class: 'muted small', dataset: { endsAt: String(at), label: 'poll.closes_in' } }, t('poll.closes_in', { t: countdown(at) }));
}

/** Options to put in order with buttons (no drag needed on a phone), best first. */
export function rankingInput(options, current) {
  let order = current && current.length === options.length ? [...current] : options.map((_, i) => i);
  const list = h('ol', { class: 'ranking-list' });
  const move = (at, by) => {
    const to = at + by;
    if (to < 0 || to >= order.length) return;
    [order[at], order[to]] = [order[to], order[at]];
    draw();
    list.querySelectorAll('li')[to].querySelector(by < 0 ? '.up' : '.down')?.focus();
  };
  function draw() {
    fill(list, order.map((option, at) => h('li', { class: 'ranking-item row spread' },
      h('span', {}, options[option]),
      h('span', { class: 'row' },
        h('button', { type: 'button', class: 'up small', disabled: at === 0, 'aria-label': t('poll.move_up', { option: options[option] }), onclick: () => move(at, -1) }, '↑'),
        h('button', { type: 'button', class: 'down small', disabled: at === order.length - 1, 'aria-label': t('poll.move_down', { option: options[option] }), onclick: () => move(at, 1) }, '↓')))));
  }
  draw();
  return { el: h('div', {}, h('p', { class: 'muted small' }, t('poll.rank_hint')), list), read: () => ({ ranking: [...order] }) };
}

// -- voting ---------------------------------------------------------------------------------
function voteForm(ctx, poll, onVoted, previous = null) {
  const { act } = ctx;
  const name = `poll-${poll.id}`;
  let inputs;
  let read;
  if (poll.kind === 'single' || poll.kind === 'multiple') {
    const type = poll.kind === 'single' ? 'radio' : 'checkbox';
    inputs = poll.options.map((option, i) => h('label', { class: 'choice option', for: `${name}-${i}` },
      h('input', { type, name, value: String(i), id: `${name}-${i}` }), ' ', option));
    read = (form) => {
      const choices = [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((el) => Number(el.value));
      return choices.length ? { choices } : null;
    };
  } else if (poll.kind === 'rating') {
    const scale = poll.scale || 5;
    inputs = h('div', { class: 'rating' }, Array.from({ length: scale }, (_, i) => h('label', { class: 'rating-choice', for: `${name}-${i + 1}` },
      h('input', { type: 'radio', name, value: String(i + 1), id: `${name}-${i + 1}`, 'aria-label': t('poll.rating_label', { n: i + 1, scale }) }),
      h('span', { 'aria-hidden': 'true' }, String(i + 1)))));
    read = (form) => {
      const el = form.querySelector(`input[name="${name}"]:checked`);
      return el ? { rating: Number(el.value) } : null;
    };
  } else if (poll.kind === 'ranking') {
    const ranking = rankingInput(poll.options, null);
    inputs = ranking.el;
    read = ranking.read;
  } else {
    const multiline = poll.kind === 'text';
    const field = multiline ? h('textarea', { id: `${name}-text`, rows: 2, maxlength: 500 })
      : h('input', { type: 'text', id: `${name}-text`, maxlength: 100 });
    inputs = [h('label', { for: field.id }, poll.kind === 'text' ? t('poll.your_answer') : t('poll.one_word')), field];
    read = () => (field.value.trim() ? { text: field.value.trim() } : null);
  }
  if (poll.kind === 'multiple' && poll.max_choices) limitChoices(inputs, poll.max_choices);
  const hint = poll.kind === 'multiple' && poll.max_choices ? h('p', { class: 'muted small' }, t('poll.pick_up_to', { n: poll.max_choices })) : null;
  const button = h('button', { type: 'submit', class: 'primary' }, t('poll.vote'));
  // "Vote" with nothing chosen says what is missing, next to the button.
  const missing = h('p', { class: 'form-error', id: `${name}-missing`, role: 'alert' });
  const form = h('form', {
    class: 'stack poll-form',
    onsubmit: async (e) => {
      e.preventDefault();
      const answer = read(e.currentTarget);
      if (!answer) {
        missing.textContent = t(poll.kind === 'rating' ? 'error.field.rating'
          : poll.kind === 'single' || poll.kind === 'multiple' ? 'error.field.choices' : 'error.field.text');
        form.querySelector('input:not(:disabled), textarea')?.focus();
        return;
      }
      missing.textContent = '';
      button.disabled = true;
      const reply = await act('poll.vote', { poll: poll.id, ...answer });
      button.disabled = false;
      if (reply) onVoted(answer);
    },
  }, h('fieldset', {}, h('legend', { class: 'visually-hidden' }, poll.title), hint, inputs), missing, button);
  prefill(form, name, previous);
  return form;
}

/** "Change my vote" opens the form with the earlier answer in it. */
function prefill(form, name, answer) {
  if (!answer || answer === true) return;
  for (const n of answer.choices || []) {
    const box = form.querySelector(`#${CSS.escape(`${name}-${n}`)}`);
    if (box) box.checked = true;
  }
  if (answer.rating) {
    const radio = form.querySelector(`#${CSS.escape(`${name}-${answer.rating}`)}`);
    if (radio) radio.checked = true;
  }
  const field = form.querySelector(`#${CSS.escape(`${name}-text`)}`);
  if (field && answer.text) field.value = answer.text;
  form.querySelector('input[type="checkbox"]')?.dispatchEvent(new Event('change')); // max_choices
}

/** At most `max` boxes checked: the others are disabled until one is unchecked. */
function limitChoices(labels, max) {
  const boxes = labels.map((label) => label.querySelector('input'));
  const apply = () => {
    const full = boxes.filter((b) => b.checked).length >= max;
    for (const box of boxes) box.disabled = full && !box.checked;
  };
  for (const box of boxes) box.addEventListener('change', apply);
}

/** What this tab answered before "Change my vote", per poll, to fill the form again. */
const earlierByState = new WeakMap();
function earlierAnswers(state) {
  if (!earlierByState.has(state)) earlierByState.set(state, new Map());
  return earlierByState.get(state);
}

/** A poll card whose form survives result updates: rebuilt only when what it asks changes. */
function pollCard(ctx, poll, { staff = false, controls = null } = {}) {
  const { state } = ctx;
  const voted = state.myPolls.has(poll.id);
  const results = h('div', { class: 'poll-results' });
  const body = [];
  const earlier = earlierAnswers(state);
  if (poll.state === 'open' && !voted && !ctx.noVote) {
    body.push(voteForm(ctx, poll, () => {
      earlier.delete(poll.id);
      ctx.refresh('polls');
      // The form is gone: the keyboard lands on the thanks, not on <body>.
      document.getElementById(`poll-voted-${poll.id}`)?.focus();
    }, earlier.get(poll.id)));
  } else if (poll.state === 'open' && voted) {
    body.push(h('p', { class: 'notice voted', role: 'status', tabindex: '-1', id: `poll-voted-${poll.id}` },
      t(poll.anonymous ? 'poll.voted' : 'poll.voted_named')));
    if (poll.allow_change && !ctx.noVote) {
      body.push(h('button', { type: 'button', class: 'link', onclick: () => {
        earlier.set(poll.id, state.myPolls.get(poll.id));
        ctx.refresh(state.changeVote(poll.id));
        document.querySelector(`#poll-${CSS.escape(poll.id)}-0, #poll-${CSS.escape(poll.id)}-1, #poll-${CSS.escape(poll.id)}-text`)?.focus();
      } }, t('poll.change_vote')));
    }
  } else if (poll.state === 'closed') {
    body.push(h('p', { class: 'muted' }, t('poll.closed')));
  }
  const el = h('article', { class: `poll poll-${poll.state}`, dataset: { id: poll.id }, 'aria-labelledby': `poll-h-${poll.id}` },
    h('div', { class: 'row spread wrap' }, h('h3', { id: `poll-h-${poll.id}` }, poll.title),
      staff ? h('span', { class: `badge state-${poll.state}` }, t(`pollb.state.${poll.state}`)) : null),
    closesIn(poll), staff ? null : h('p', { class: 'muted small' }, t(poll.anonymous ? 'poll.anonymous_note' : 'poll.named_note')),
    body, controls, results);
  const key = `${poll.id}:${poll.state}:${voted}:${ctx.lang || ''}`;
  return { el, key, renderResults: (p) => fill(results, resultsOrNote(state, p, staff)) };
}

/** A list of poll cards kept by id, each updated in place. */
function pollList(ctx, container, options) {
  const cards = new Map();
  return (polls) => {
    const seen = new Set();
    const nodes = polls.map((poll) => {
      seen.add(poll.id);
      let card = cards.get(poll.id);
      const opts = typeof options === 'function' ? options(poll) : options;
      const fresh = pollCard(ctx, poll, opts);
      if (!card || card.key !== fresh.key || opts.controls) { card = fresh; cards.set(poll.id, card); }
      card.renderResults(poll);
      return card.el;
    });
    for (const id of [...cards.keys()]) if (!seen.has(id)) cards.delete(id);
    fill(container, nodes);
  };
}

function byNewest(a, b) {
  return (b.created_at || 0) - (a.created_at || 0);
}

// -- attendee -------------------------------------------------------------------------------
export function attendeePolls(ctx) {
  const { state } = ctx;
  const container = h('div', { class: 'polls', id: 'polls' });
  const empty = h('p', { class: 'muted' }, t('poll.none'));
  const el = h('section', { class: 'card panel', id: 'poll-panel', 'aria-labelledby': 'poll-h' },
    h('h2', { id: 'poll-h' }, t('poll.title')), empty, container);
  const render = pollList(ctx, container, {});
  return {
    el,
    update(area) {
      if (area !== 'polls' && area !== 'all') return;
      const all = [...state.polls.values()].sort(byNewest);
      const open = all.filter((p) => p.state === 'open');
      // Besides the open polls, the latest closed one stays with its results.
      const closed = all.filter((p) => p.state === 'closed').slice(0, open.length ? 0 : 1);
      empty.hidden = open.length > 0;
      render([...open, ...closed]);
    },
  };
}

// -- speaker --------------------------------------------------------------------------------
export function speakerPolls(ctx) {
  const { state } = ctx;
  const container = h('div', { class: 'polls big', id: 'speaker-polls' });
  const empty = h('p', { class: 'muted' }, t('poll.none'));
  const el = h('section', { class: 'card panel presenter', 'aria-labelledby': 'spk-poll-h' },
    h('h2', { id: 'spk-poll-h' }, t('spk.poll')), empty, container);
  const render = pollList({ ...ctx, noVote: true }, container, { staff: false });
  return {
    el,
    update(area) {
      if (area !== 'polls' && area !== 'all') return;
      const all = [...state.polls.values()].filter((p) => p.state !== 'draft').sort(byNewest);
      const shown = all.filter((p) => p.state === 'open');
      empty.hidden = shown.length > 0 || all.length > 0;
      render(shown.length ? shown : all.slice(0, 1));
    },
  };
}

// -- moderator ------------------------------------------------------------------------------
export function moderatorPolls(ctx) {
  const { state, act, sessionId } = ctx;
  const container = h('div', { class: 'polls', id: 'moderator-polls' });
  const render = pollList({ ...ctx, noVote: true }, container, (poll) => ({ staff: true, controls: controls(poll) }));

  function controls(poll) {
    const run = (type) => async () => {
      const reply = await act(type, { poll: poll.id });
      if (reply) ctx.refresh('polls');
    };
    const visibility = (results) => async () => {
      const reply = await act('poll.visibility', { poll: poll.id, results });
      if (reply) { state.putPoll(reply.poll); ctx.refresh('polls'); }
    };
    const shown = poll.results !== 'hidden';
    return h('div', { class: 'row wrap poll-controls' },
      poll.state === 'draft' ? h('button', { type: 'button', class: 'primary', onclick: run('poll.open') }, t('pollb.open')) : null,
      poll.state === 'open' ? h('button', { type: 'button', onclick: run('poll.close') }, t('pollb.close')) : null,
      poll.state === 'closed' ? h('button', { type: 'button', onclick: run('poll.reopen') }, t('pollb.reopen')) : null,
      poll.state !== 'draft' ? h('button', { type: 'button', class: 'reveal', onclick: visibility(shown ? 'hidden' : 'live') },
        shown ? t('pollb.hide') : t('pollb.reveal')) : null,
      h('button', { type: 'button', class: 'link danger-text', onclick: run('poll.delete') }, t('pollb.delete')));
  }

  // One screen: open polls, then drafts; closed ones fold into one <details>; the builder
  // starts folded once there are polls.
  const closedContainer = h('div', { class: 'polls', id: 'moderator-polls-closed' });
  const closedCount = h('span', { class: 'count' });
  const closedBox = h('details', { class: 'closed-polls', id: 'closed-polls' },
    h('summary', {}, t('pollb.closed_list'), ' ', closedCount), closedContainer);
  const renderClosed = pollList({ ...ctx, noVote: true }, closedContainer, (poll) => ({ staff: true, controls: controls(poll) }));
  const builderBox = builder(ctx);
  let first = true;
  const el = h('section', { class: 'card panel', id: 'poll-panel', 'aria-labelledby': 'polls-h' },
    h('h2', { id: 'polls-h' }, t('polls.title')), builderBox, container, closedBox);
  const rank = { open: 0, draft: 1 };
  const seenOpen = new Set(); // polls this page has shown open or as drafts
  return {
    el,
    update(area) {
      if (area !== 'polls' && area !== 'all') return;
      const all = [...state.polls.values()].sort(byNewest);
      if (first && all.length) builderBox.open = false;
      first = false;
      // A poll closed while this page is shown stays where it was (its card does not jump
      // away under the "Close" button, and "Reopen" is at hand); those closed before fold.
      for (const p of all) if (p.state !== 'closed') seenOpen.add(p.id);
      const inPlace = (p) => p.state !== 'closed' || seenOpen.has(p.id);
      render(all.filter(inPlace).sort((a, b) => (rank[a.state] ?? 2) - (rank[b.state] ?? 2)));
      const closed = all.filter((p) => !inPlace(p));
      renderClosed(closed);
      closedCount.textContent = `(${closed.length})`;
      closedBox.hidden = !closed.length;
    },
  };
}

function builder(ctx) {
  const { act, state, sessionId } = ctx;
  const f = (id, input, label) => h('div', { class: 'field', id: `${id}-field` }, h('label', { for: id }, label), input);
  const title = h('input', { id: 'pb-title', required: true, maxlength: 200 });
  const kind = h('select', { id: 'pb-kind' }, ['single', 'multiple', 'rating', 'text', 'wordcloud', 'ranking']
    .map((k) => h('option', { value: k }, t(`pollb.kind.${k}`))));
  const options = h('textarea', { id: 'pb-options', rows: 4 });
  const maxChoices = h('input', { id: 'pb-max', type: 'number', min: 1, max: 20 });
  const scale = h('input', { id: 'pb-scale', type: 'number', min: 2, max: 10, value: '5' });
  const results = h('select', { id: 'pb-results' }, ['live', 'after_close', 'hidden']
    .map((k) => h('option', { value: k }, t(`pollb.results.${k}`))));
  const anonymous = h('input', { type: 'checkbox', id: 'pb-anonymous', checked: true });
  const allowChange = h('input', { type: 'checkbox', id: 'pb-change' });
  const duration = h('input', { id: 'pb-duration', type: 'number', min: 1 });
  const minResponses = h('input', { id: 'pb-min', type: 'number', min: 0 });
  const staffBelow = h('input', { type: 'checkbox', id: 'pb-staff-below' });
  const optionsField = f('pb-options', options, t('pollb.options'));
  const maxField = f('pb-max', maxChoices, t('pollb.max_choices'));
  const scaleField = f('pb-scale', scale, t('pollb.scale'));
  const showFields = () => {
    const k = kind.value;
    optionsField.hidden = !(k === 'single' || k === 'multiple' || k === 'ranking');
    maxField.hidden = k !== 'multiple';
    scaleField.hidden = k !== 'rating';
  };
  kind.addEventListener('change', showFields);
  showFields();

  const form = h('form', { class: 'stack builder', onsubmit: async (e) => {
    e.preventDefault();
    const data = { session: sessionId, title: title.value, kind: kind.value, results: results.value,
      anonymous: anonymous.checked, allow_change: allowChange.checked };
    if (!optionsField.hidden) data.options = options.value.split('\n').map((s) => s.trim()).filter(Boolean);
    if (!maxField.hidden && maxChoices.value) data.max_choices = Number(maxChoices.value);
    if (!scaleField.hidden && scale.value) data.scale = Number(scale.value);
    if (duration.value) data.duration_s = Number(duration.value);
    if (minResponses.value) data.min_responses = Number(minResponses.value);
    if (staffBelow.checked) data.staff_below_threshold = true;
    const reply = await act('poll.create', data);
    if (!reply) return;
    form.reset();
    showFields();
    ctx.refresh('polls');
  } },
  f('pb-title', title, t('pollb.question')), f('pb-kind', kind, t('pollb.kind')), optionsField, maxField, scaleField,
  f('pb-results', results, t('pollb.results')),
  h('label', { class: 'choice', for: 'pb-anonymous' }, anonymous, ' ', t('pollb.anonymous')),
  h('label', { class: 'choice', for: 'pb-change' }, allowChange, ' ', t('pollb.allow_change')),
  f('pb-duration', duration, t('pollb.duration')), f('pb-min', minResponses, t('pollb.min_responses')),
  h('label', { class: 'choice', for: 'pb-staff-below' }, staffBelow, ' ', t('pollb.staff_below')),
  h('button', { type: 'submit', class: 'primary' }, t('pollb.create')));
  return h('details', { class: 'builder-box', open: true }, h('summary', {}, t('pollb.title')), form);
}
