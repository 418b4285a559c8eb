// Building DOM without markup strings: every child string becomes a text node, so user text
// (questions, names, chat) can never be interpreted as HTML.

export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value == null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'style' && typeof value === 'object') Object.assign(el.style, value);
    else if (key === 'checked') { el.checked = value; el.defaultChecked = value; } // survives form.reset()
    else if (typeof value === 'boolean' && key in el) el[key] = value;
    else if (key === 'value' && key in el) el.value = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of [children].flat(Infinity)) {
    if (child == null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replace an element's children (text stays text). */
export function fill(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

let announcer = null;

/** Say something through the polite live region, for screen readers. */
export function announce(text) {
  announcer = announcer || document.getElementById('announcer');
  if (!announcer) return;
  // Clearing first makes a repeated message be read again.
  announcer.textContent = '';
  requestAnimationFrame(() => { announcer.textContent = text; });
}

export function countdown(endsAtMs, now = Date.now()) {
  const left = Math.max(0, Math.round((endsAtMs - now) / 1000));
  const m = Math.floor(left / 60);
  const s = String(left % 60).padStart(2, '0');
  return `${m}:${s}`;
}

/** A timestamp given as unix ms, unix seconds or ISO text, as unix ms (null if absent). */
export function toMs(value) {
  if (value == null) return null;
  if (typeof value === 'number') return value < 1e12 ? value * 1000 : value;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? null : parsed;
}
