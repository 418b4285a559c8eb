// The language lookup. Each language is one file in ./i18n/ (a name and its strings); adding
// a language is writing that file and listing it below. The language follows the browser
// until the user picks one, which is remembered. Views call t() while rendering and
// re-render on a `langchange`.
//
// Plurals follow the language's own rules (Intl.PluralRules): `key_one`, `key_few`, … hold
// the forms a language needs, the bare `key` is the general ("other") form. Numbers in a
// sentence, dates and times go through Intl too, in the UI's language.

import en from './i18n/en.js';
import es from './i18n/es.js';
import fr from './i18n/fr.js';
import * as organiser from './i18n-organiser.js';

const FILES = { en, fr, es };
// -- the organiser's day (issue 16): its strings live in their own file ----------------------
for (const [code, strings] of Object.entries(organiser)) Object.assign(FILES[code].strings, strings);
const STORAGE_KEY = 'plenary.lang';

/** Language code → its own name, for the language menu. */
export const LANGUAGES = Object.fromEntries(Object.entries(FILES).map(([c, f]) => [c, f.name]));
/** Language code → key → text. */
export const DICTIONARIES = Object.fromEntries(Object.entries(FILES).map(([c, f]) => [c, f.strings]));
let current = pick();

function pick() {
  let saved = null;
  try { saved = localStorage.getItem(STORAGE_KEY); } catch { /* private mode */ }
  if (saved && DICTIONARIES[saved]) return saved;
  for (const tag of navigator.languages || [navigator.language || 'en']) {
    const base = String(tag).toLowerCase().split('-')[0];
    if (DICTIONARIES[base]) return base;
  }
  return 'en';
}

export function lang() {
  return current;
}

export function setLang(code) {
  if (!DICTIONARIES[code]) return;
  current = code;
  try { localStorage.setItem(STORAGE_KEY, code); } catch { /* private mode */ }
  document.documentElement.lang = code;
  window.dispatchEvent(new CustomEvent('langchange', { detail: code }));
}

/** Whether `key` has a text (in English, the reference). */
export function has(key) {
  return key in en.strings;
}

/** A number written the UI language's way ("1 234,5" in French). */
export function formatNumber(n, options = {}) {
  return new Intl.NumberFormat(current, options).format(n);
}

/** A date and time (epoch ms or Date) in the UI's language; `options` as Intl.DateTimeFormat. */
export function formatDate(when, options = { dateStyle: 'medium', timeStyle: 'short' }) {
  return new Intl.DateTimeFormat(current, options).format(new Date(when));
}

/** A time of day (epoch ms or Date), hours and minutes, in the UI's language. */
export function formatTime(when) {
  return formatDate(when, { hour: '2-digit', minute: '2-digit' });
}

/** The text for `key` with `{name}` placeholders filled in (values are plain text; numbers are
 * written the language's way). */
export function t(key, vars = {}) {
  const text = DICTIONARIES[current][key] ?? en.strings[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => {
    if (!(name in vars)) return whole;
    const value = vars[name];
    return typeof value === 'number' ? formatNumber(value) : String(value);
  });
}

/** A count with its noun, in the form the language's plural rules pick for `n`:
 * `key_one` for French 0 and 1 or English 1, the bare `key` when no form of its own exists. */
export function plural(key, n, vars = {}) {
  const form = `${key}_${new Intl.PluralRules(current).select(n)}`;
  return t(form in DICTIONARIES[current] ? form : key, { ...vars, n });
}

/** The sentence, in the UI's language, for a protocol error: by its `field` when a value was
 * refused (`options`, `rooms[2]` → `error.field.rooms`), with the wait when rate-limited,
 * else by its code. The server's own message (English, for developers) is never shown. */
export function errorText(error) {
  const code = error && error.code;
  if (code === 'bad_request' && error.field) {
    const key = `error.field.${String(error.field).replace(/\[\d+\]/g, '')}`;
    if (has(key)) return t(key);
  }
  if (code === 'rate_limited' && error.retry_after > 0) {
    return plural('error.rate_limited_wait', Math.ceil(error.retry_after));
  }
  if (code && has(`error.${code}`)) return t(`error.${code}`);
  if (typeof DOMException !== 'undefined' && error instanceof DOMException) return t('error.media');
  if (error && !code) console.error(error); // not a protocol error: a bug to look at
  return t('error.unknown');
}

document.documentElement.lang = current;
