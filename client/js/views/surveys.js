// Surveys: taking one on a phone (one question per screen, progress, save and resume, submit
// once), results per question with the privacy thresholds, and the moderator's builder.

import { announce, h, fill } from '../dom.js';
import { plural, t } from '../i18n.js';
import '../i18n-surveys.js';
import { rankingInput, resultsView } from './polls.js';

const KINDS = ['single', 'multiple', 'rating', 'scale', 'text', 'wordcloud', 'ranking'];

/** A survey question as the poll views expect a poll. */
function asPoll(survey, q) {
  return { id: `${survey.id}-${q.id}`, kind: q.kind === 'scale' ? 'rating' : q.kind, options: q.options || [],
    scale: q.scale, labels: q.labels, min_responses: survey.min_responses, title: q.title };
}

// -- results --------------------------------------------------------------------------------
/** One round's results, each question thresholded as the server sent it. */
export function surveyResultsView(survey, results, { split = false } = {}) {
  const n = results.respondents;
  const head = n == null ? t('sv.respondents_hidden', { n: results.min_responses })
    : plural('sv.respondents', n);
  return h('div', { class: 'survey-results' },
    h('p', { class: 'muted' }, survey.series ? `${t('sv.round', { round: results.round })} · ${head}` : head),
    survey.questions.map((q, i) => h('section', { class: 'survey-result', dataset: { question: q.id } },
      h('h4', {}, `${i + 1}. ${q.title}`),
      resultsView(asPoll(survey, q), results.questions[i] || { votes: 0 }, { split }))));
}

// -- answering one question -----------------------------------------------------------------
function answerInput(survey, q, current) {
  const name = `sv-${survey.id}-${q.id}`;
  if (q.kind === 'single' || q.kind === 'multiple') {
    const type = q.kind === 'single' ? 'radio' : 'checkbox';
    const chosen = new Set((current && current.choices) || []);
    const el = h('div', { class: 'stack' }, q.options.map((option, i) => h('label', { class: 'choice option', for: `${name}-${i}` },
      h('input', { type, name, value: String(i), id: `${name}-${i}`, checked: chosen.has(i) }), ' ', option)));
    return { el, read: () => {
      const choices = [...el.querySelectorAll('input:checked')].map((box) => Number(box.value));
      return choices.length ? { choices } : null;
    } };
  }
  if (q.kind === 'rating' || q.kind === 'scale') {
    const scale = q.scale || 5;
    const labels = q.labels || [];
    const el = h('div', { class: 'rating scale' }, Array.from({ length: scale }, (_, i) => h('label', { class: 'rating-choice', for: `${name}-${i + 1}` },
      h('input', { type: 'radio', name, value: String(i + 1), id: `${name}-${i + 1}`, checked: current && current.rating === i + 1,
        'aria-label': labels[i] ? `${i + 1} ${labels[i]}` : t('poll.rating_label', { n: i + 1, scale }) }),
      h('span', { 'aria-hidden': 'true' }, String(i + 1)),
      labels[i] ? h('small', { class: 'scale-label', 'aria-hidden': 'true' }, labels[i]) : null)));
    return { el, read: () => {
      const box = el.querySelector('input:checked');
      return box ? { rating: Number(box.value) } : null;
    } };
  }
  if (q.kind === 'ranking') return rankingInput(q.options, current && current.ranking);
  const field = q.kind === 'text' ? h('textarea', { id: `${name}-text`, rows: 3, maxlength: 500 })
    : h('input', { type: 'text', id: `${name}-text`, maxlength: 100 });
  field.value = (current && current.text) || '';
  return { el: h('div', {}, h('label', { for: field.id, class: 'visually-hidden' }, q.title), field),
    read: () => (field.value.trim() ? { text: field.value.trim() } : null) };
}

// -- taking a survey ------------------------------------------------------------------------
function taker(ctx, survey, onDone) {
  const { act, state } = ctx;
  const mine = state.mySurveys.get(survey.id) || {};
  const answers = { ...(mine.answers || {}) };
  const total = survey.questions.length;
  let index = Math.max(0, survey.questions.findIndex((q) => !(q.id in answers)));
  if (Object.keys(answers).length === total) index = total - 1;
  const el = h('div', { class: 'survey-taker stack', dataset: { survey: survey.id } });
  let input = null;

  function screen() {
    const q = survey.questions[index];
    input = answerInput(survey, q, answers[q.id]);
    const error = h('p', { class: 'form-error', role: 'alert', id: `sv-err-${survey.id}` });
    const last = index === total - 1;
    const form = h('form', { class: 'stack', onsubmit: (e) => { e.preventDefault(); (last ? submit : next)(error); } },
      h('fieldset', {}, h('legend', { class: 'sv-question', id: `sv-q-${survey.id}` }, q.title),
        h('p', { class: 'muted small' }, q.required ? t('sv.required') : t('sv.optional')), input.el),
      error,
      h('div', { class: 'row wrap sv-nav' },
        index > 0 ? h('button', { type: 'button', onclick: () => go(-1) }, t('sv.prev')) : null,
        h('button', { type: 'submit', class: 'primary' }, last ? t('sv.submit') : (input.read() || q.required ? t('sv.next') : t('sv.skip'))),
        h('button', { type: 'button', class: 'link', onclick: () => saveLater() }, t('sv.save_later'))));
    form.addEventListener('change', () => { error.textContent = ''; });
    fill(el,
      h('p', { class: 'sv-progress', id: `sv-progress-${survey.id}` }, t('sv.progress', { i: index + 1, n: total })),
      h('progress', { max: total, value: index + 1, 'aria-labelledby': `sv-progress-${survey.id}` }),
      form);
    el.querySelector('input, textarea, button.up')?.focus({ preventScroll: true });
  }

  function take() {
    const q = survey.questions[index];
    const value = input.read();
    if (value) answers[q.id] = value; else delete answers[q.id];
    return { q, value };
  }

  async function next(error) {
    const { q, value } = take();
    if (!value && q.required) { error.textContent = t('sv.answer_first'); return; }
    if (value && !(await save({ [q.id]: value }))) return;
    index += 1;
    screen();
  }

  function go(by) {
    take();
    index = Math.min(total - 1, Math.max(0, index + by));
    screen();
  }

  async function save(part) {
    const reply = await act('survey.save', { survey: survey.id, answers: part });
    return !!reply;
  }

  async function saveLater() {
    const { q, value } = take();
    if (value && !(await save({ [q.id]: value }))) return;
    announce(t('sv.saved'));
    onDone('saved');
  }

  async function submit(error) {
    const { q, value } = take();
    if (!value && q.required) { error.textContent = t('sv.answer_first'); return; }
    const reply = await act('survey.submit', { survey: survey.id, answers });
    if (!reply) return;
    announce(t('sv.submitted'));
    onDone('submitted');
  }

  screen();
  return el;
}

function privacyNote(survey) {
  return [h('p', { class: 'muted small sv-privacy' }, survey.anonymous ? t('sv.anonymous') : t('sv.named')),
    survey.series && survey.anonymous ? h('p', { class: 'muted small' }, t('sv.series_note')) : null];
}

function resultsOrNote(state, survey) {
  const results = state.surveyResults.get(survey.id);
  if (results && results.questions) return surveyResultsView(survey, results);
  if (survey.results === 'after_close' && survey.state === 'open') return h('p', { class: 'muted' }, t('sv.results_later'));
  return null;
}

// -- attendee -------------------------------------------------------------------------------
export function attendeeSurveys(ctx) {
  const { state } = ctx;
  const list = h('div', { class: 'surveys', id: 'surveys' });
  const empty = h('p', { class: 'muted' }, t('sv.none'));
  const el = h('section', { class: 'card panel', id: 'survey-panel', 'aria-labelledby': 'survey-h' },
    h('h2', { id: 'survey-h' }, t('sv.title')), empty, list);
  let taking = null; // {id, el}: kept across updates so answers in progress survive

  function card(survey) {
    const mine = state.mySurveys.get(survey.id) || {};
    const open = survey.state === 'open';
    let body;
    if (taking && taking.id === survey.id && open && !mine.submitted) body = taking.el;
    else if (open && mine.submitted) body = h('p', { class: 'notice', role: 'status' }, t('sv.submitted'));
    else if (open) {
      const started = Object.keys(mine.answers || {}).length > 0;
      body = [privacyNote(survey), h('button', { type: 'button', class: 'primary', onclick: () => start(survey) },
        started ? t('sv.resume') : t('sv.start'))];
    } else body = h('p', { class: 'muted' }, t('sv.closed'));
    return h('article', { class: `survey survey-${survey.state}`, dataset: { id: survey.id } },
      h('h3', {}, survey.title), body, taking && taking.id === survey.id && open && !mine.submitted ? null : resultsOrNote(state, survey));
  }

  function start(survey) {
    taking = { id: survey.id, el: taker(ctx, survey, () => { taking = null; render(); }) };
    render();
  }

  function render() {
    const all = [...state.surveys.values()].filter((s) => s.state !== 'draft')
      .sort((a, b) => (b.created_at || 0) - (a.created_at || 0));
    const open = all.filter((s) => s.state === 'open');
    const shown = open.length ? open : all.filter((s) => state.surveyResults.has(s.id)).slice(0, 1);
    empty.hidden = open.length > 0;
    el.hidden = shown.length === 0; // no empty card on a phone: it appears with a survey
    fill(list, shown.map(card));
  }

  return { el, update(area) { if (area === 'surveys' || area === 'all') render(); } };
}

// -- moderator ------------------------------------------------------------------------------
export function moderatorSurveys(ctx) {
  const { state, act } = ctx;
  const list = h('div', { class: 'surveys', id: 'moderator-surveys' });
  const el = h('section', { class: 'card panel', id: 'survey-builder-panel', 'aria-labelledby': 'svm-h' },
    h('h2', { id: 'svm-h' }, t('sv.title')), builder(ctx), list);

  function controls(survey) {
    const run = (type, label, cls = '') => h('button', { type: 'button', class: cls, onclick: async () => {
      const reply = await act(type, { survey: survey.id });
      if (!reply) return;
      ctx.refresh('surveys');
    } }, label);
    const openLabel = survey.schedule ? t('svb.arm') : (survey.series ? t('svb.open_day') : t('svb.open'));
    const canOpen = survey.state === 'draft' || (survey.series && survey.state === 'closed' && !survey.schedule);
    return h('div', { class: 'row wrap' },
      canOpen ? run('survey.open', openLabel, 'primary') : null,
      survey.state === 'open' || survey.state === 'scheduled' ? run('survey.close', t('svb.close')) : null,
      run('survey.delete', t('svb.delete'), 'link danger-text'));
  }

  function card(survey) {
    const results = state.surveyResults.get(survey.id);
    const opens = survey.state === 'scheduled' && survey.opens_at
      ? h('p', { class: 'muted small' }, t('svb.opens_at', { at: new Date(survey.opens_at).toLocaleString() })) : null;
    return h('article', { class: `survey survey-${survey.state}`, dataset: { id: survey.id } },
      h('div', { class: 'row spread wrap' }, h('h3', {}, survey.title),
        h('span', { class: `badge state-${survey.state}` }, t(`svb.state.${survey.state}`))),
      opens, privacyNote(survey), controls(survey),
      results && results.questions ? surveyResultsView(survey, results, { split: true }) : null);
  }

  return {
    el,
    update(area) {
      if (area !== 'surveys' && area !== 'all') return;
      fill(list, [...state.surveys.values()].sort((a, b) => (b.created_at || 0) - (a.created_at || 0)).map(card));
    },
  };
}

function questionEditor(index, remove) {
  const id = (name) => `svq-${index}-${name}`;
  const field = (name, input, label) => h('div', { class: 'field', id: `${id(name)}-field` }, h('label', { for: input.id }, label), input);
  const title = h('input', { id: id('title'), required: true, maxlength: 200 });
  const kind = h('select', { id: id('kind') }, KINDS.map((k) => h('option', { value: k }, k === 'scale' ? t('svb.kind.scale') : t(`pollb.kind.${k}`))));
  const options = h('textarea', { id: id('options'), rows: 3 });
  const scale = h('input', { id: id('scale'), type: 'number', min: 2, max: 10, value: '5' });
  const labels = h('textarea', { id: id('labels'), rows: 3 });
  const required = h('input', { type: 'checkbox', id: id('required'), checked: true });
  const optionsField = field('options', options, t('pollb.options'));
  const scaleField = field('scale', scale, t('pollb.scale'));
  const labelsField = field('labels', labels, t('svb.labels'));
  const show = () => {
    optionsField.hidden = !['single', 'multiple', 'ranking'].includes(kind.value);
    scaleField.hidden = !['rating', 'scale'].includes(kind.value);
    labelsField.hidden = kind.value !== 'scale';
  };
  kind.addEventListener('change', show);
  show();
  const el = h('fieldset', { class: 'question-editor stack' }, h('legend', {}, t('svb.question', { i: index + 1 })),
    field('title', title, t('pollb.question')), field('kind', kind, t('pollb.kind')), optionsField, scaleField, labelsField,
    h('label', { class: 'choice', for: required.id }, required, ' ', t('svb.required')),
    index > 0 ? h('button', { type: 'button', class: 'link danger-text', onclick: remove }, t('svb.remove')) : null);
  const read = () => {
    const q = { title: title.value, kind: kind.value, required: required.checked };
    if (!optionsField.hidden) q.options = options.value.split('\n').map((s) => s.trim()).filter(Boolean);
    if (!scaleField.hidden && scale.value) q.scale = Number(scale.value);
    if (!labelsField.hidden && labels.value.trim()) {
      const lines = labels.value.split('\n').map((s) => s.trim());
      q.labels = Array.from({ length: q.scale || 5 }, (_, i) => lines[i] || '');
    }
    return q;
  };
  return { el, read };
}

function builder(ctx) {
  const { act, state, sessionId } = ctx;
  const f = (id, input, label) => h('div', { class: 'field', id: `${id}-field` }, h('label', { for: id }, label), input);
  const title = h('input', { id: 'svb-title', required: true, maxlength: 200 });
  const anonymous = h('input', { type: 'checkbox', id: 'svb-anonymous', checked: true });
  const series = h('input', { type: 'checkbox', id: 'svb-series' });
  const at = h('input', { type: 'time', id: 'svb-time' });
  const days = h('textarea', { id: 'svb-days', rows: 3 });
  const results = h('select', { id: 'svb-results' }, ['after_close', 'live', 'hidden'].map((k) => h('option', { value: k }, t(`pollb.results.${k}`))));
  const minimum = h('input', { id: 'svb-min', type: 'number', min: 0 });
  const scheduleFields = h('div', { class: 'stack' }, f('svb-time', at, t('svb.schedule')), f('svb-days', days, t('svb.days')));
  const questions = h('div', { class: 'stack', id: 'svb-questions' });
  let editors = [];
  const redraw = () => fill(questions, editors.map((e) => e.el));
  const add = () => {
    const editor = questionEditor(editors.length, () => { editors = editors.filter((e) => e !== editor); redraw(); });
    editors.push(editor);
    redraw();
  };
  const showSchedule = () => { scheduleFields.hidden = !series.checked; };
  series.addEventListener('change', showSchedule);
  add();
  showSchedule();
  const form = h('form', { class: 'stack builder', onsubmit: async (e) => {
    e.preventDefault();
    const data = { session: sessionId, title: title.value, anonymous: anonymous.checked, series: series.checked,
      results: results.value, questions: editors.map((ed) => ed.read()) };
    if (minimum.value) data.min_responses = Number(minimum.value);
    const dayList = days.value.split(/\s+/).filter(Boolean);
    if (series.checked && at.value && dayList.length) data.schedule = { time: at.value, days: dayList };
    const reply = await act('survey.create', data);
    if (!reply) return;
    state.putSurvey(reply.survey);
    form.reset();
    editors = [];
    add();
    showSchedule();
    ctx.refresh('surveys');
  } },
  f('svb-title', title, t('svb.name')),
  h('label', { class: 'choice', for: 'svb-anonymous' }, anonymous, ' ', t('svb.anonymous')),
  h('label', { class: 'choice', for: 'svb-series' }, series, ' ', t('svb.series')), scheduleFields,
  f('svb-results', results, t('pollb.results')), f('svb-min', minimum, t('pollb.min_responses')),
  h('h3', {}, t('svb.questions')), questions,
  h('button', { type: 'button', id: 'svb-add', onclick: add }, t('svb.add')),
  h('button', { type: 'submit', class: 'primary' }, t('svb.create')));
  return h('details', { class: 'builder-box' }, h('summary', {}, t('svb.title')), form);
}
