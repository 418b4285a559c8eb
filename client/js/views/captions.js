// Live captions: the strip under the stage (on or off, a language when several captioners
// work, announced politely to screen readers) and the captioner's desk (type a line, press
// Enter). A line whose id was seen before replaces it: a speech-to-text engine's interim
// lines are shown, then replaced by the final one.

import { h, fill } from '../dom.js';
import { t, lang, has } from '../i18n.js';
import '../i18n-stage.js';

const SHOWN = 2; // lines on screen at once, as on television
const PREFS = 'plenary.captions';

function prefs() {
  try { return JSON.parse(localStorage.getItem(PREFS)) || {}; } catch { return {}; }
}

function savePrefs(value) {
  try { localStorage.setItem(PREFS, JSON.stringify({ ...prefs(), ...value })); } catch { /* private mode */ }
}

/** A language tag's name in the UI's language (its own tag where none is known). */
export function languageName(tag) {
  if (has(`cap.lang.${tag}`)) return t(`cap.lang.${tag}`);
  try { return new Intl.DisplayNames([lang()], { type: 'language' }).of(tag) || tag; } catch { return tag; }
}

/** The lines to show of `language`, newest last: pure, for the stage, presenter and screen. */
export function shownLines(captions, language, n = SHOWN) {
  return captions.lines.filter((l) => l.lang === language).slice(-n);
}

/** Which language to show: the viewer's pick, else the UI's, else the first captioned. */
export function chosenLanguage(captions, picked) {
  const langs = captions.languages;
  if (picked && langs.includes(picked)) return picked;
  if (langs.includes(lang())) return lang();
  return langs[0] || lang();
}

/** The captions strip for viewers (attendees, speakers, moderators). */
export function captionsPanel(ctx) {
  const { state } = ctx;
  let on = prefs().on !== false;
  let picked = prefs().lang || null;
  const toggle = h('button', { type: 'button', id: 'captions-toggle', class: 'small' });
  const select = h('select', { id: 'captions-lang', 'aria-label': t('cap.language') });
  const lines = h('div', { class: 'caption-lines', id: 'captions-lines', 'aria-live': 'polite' });
  const el = h('section', { class: 'card panel captions', id: 'captions', 'aria-labelledby': 'captions-h' },
    h('div', { class: 'row spread wrap' }, h('h2', { id: 'captions-h', class: 'small-heading' }, t('cap.title')),
      h('div', { class: 'row wrap' }, select, toggle)), lines);
  toggle.addEventListener('click', () => { on = !on; savePrefs({ on }); render(); });
  select.addEventListener('change', () => { picked = select.value; savePrefs({ lang: picked }); render(); });

  function render() {
    const captions = state.captions;
    el.hidden = captions.languages.length === 0 && captions.lines.length === 0;
    toggle.textContent = on ? t('cap.hide') : t('cap.show');
    toggle.setAttribute('aria-pressed', on ? 'true' : 'false');
    const language = chosenLanguage(captions, picked);
    select.hidden = captions.languages.length < 2;
    fill(select, captions.languages.map((l) => h('option', { value: l, selected: l === language }, languageName(l))));
    lines.hidden = !on;
    const shown = shownLines(captions, language);
    fill(lines, shown.length ? shown.map((l) => h('p', { class: l.final ? 'caption-line' : 'caption-line interim', lang: l.lang }, l.text))
      : h('p', { class: 'muted' }, t('cap.waiting')));
  }
  render();
  return { el, update(area) { if (['captions', 'all'].includes(area)) render(); } };
}

/** The captioner's desk: one line at a time, Enter sends it. */
export function captionerDesk(ctx) {
  const { state, act, sessionId } = ctx;
  const input = h('input', { type: 'text', id: 'desk-line', maxlength: 500, autocomplete: 'off', 'aria-describedby': 'desk-hint' });
  const language = h('select', { id: 'desk-lang' },
    ['en', 'fr', 'es'].map((l) => h('option', { value: l, selected: l === lang() }, languageName(l))));
  const sent = h('ol', { class: 'desk-sent', 'aria-label': t('desk.sent') });
  const form = h('form', { class: 'stack' },
    h('label', { for: 'desk-lang' }, t('desk.language')), language,
    h('label', { for: 'desk-line' }, t('desk.line')), input,
    h('button', { type: 'submit', class: 'primary' }, t('desk.send')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) { input.focus(); return; }
    const reply = await act('caption.line', { session: sessionId, text, lang: language.value });
    if (reply) { input.value = ''; }
    input.focus(); // the next line follows at once
  });
  const el = h('section', { class: 'card panel desk', id: 'desk', 'aria-labelledby': 'desk-h' },
    h('h2', { id: 'desk-h' }, t('desk.title')), h('p', { class: 'muted', id: 'desk-hint' }, t('desk.hint')), form,
    h('h3', {}, t('desk.sent')), sent);

  function render() {
    const mine = state.captions.lines.filter((l) => l.lang === language.value).slice(-5);
    fill(sent, mine.map((l) => h('li', { lang: l.lang }, l.text)));
  }
  language.addEventListener('change', render);
  render();
  return { el, update(area) { if (['captions', 'all'].includes(area)) render(); } };
}
