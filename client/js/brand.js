// Event branding: the event's name, logo and accent colour in the top bar and on every
// primary control. The accent is checked for contrast before use (WCAG 2.2: 4.5:1 for text
// on the page, in the light and the dark theme); a colour that fails is darkened (light
// theme) or lightened (dark theme) until it passes, so an organiser's pick can never make
// the app unreadable. The text on the accent is white or near-black, whichever reads better.

const LIGHT_SURFACES = ['#ffffff', '#f4f5f7']; // --color-surface, --color-bg (tokens.css)
const DARK_SURFACES = ['#1c1f24', '#121418'];
const AA = 4.5;

function channels(hex) {
  const m = /^#?([0-9a-f]{6})$/i.exec(String(hex || '').trim());
  if (!m) return null;
  const n = parseInt(m[1], 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function toHex(rgb) {
  return `#${rgb.map((c) => Math.round(Math.min(255, Math.max(0, c))).toString(16).padStart(2, '0')).join('')}`;
}

/** Relative luminance (WCAG 2.x). */
export function luminance(hex) {
  const [r, g, b] = channels(hex).map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** The contrast ratio of two colours, 1 to 21. */
export function contrast(a, b) {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** `hex` moved towards black (or white) in small steps until it reaches AA on every surface. */
function fit(hex, surfaces, towards) {
  let rgb = channels(hex);
  for (let step = 0; step < 40; step += 1) {
    const candidate = toHex(rgb);
    if (surfaces.every((s) => contrast(candidate, s) >= AA)) return candidate;
    rgb = rgb.map((c) => c + (towards - c) * 0.08);
  }
  return toHex(rgb);
}

/** The accent to use in each theme and the text colour on it; null for a colour that is not
 * `#rrggbb`. `adjusted` says whether the organiser's colour had to change to pass. */
export function accentFor(hex) {
  if (!channels(hex)) return null;
  const light = fit(hex, LIGHT_SURFACES, 0);
  const dark = fit(hex, DARK_SURFACES, 255);
  const on = (c) => (contrast(c, '#ffffff') >= contrast(c, '#0d1117') ? '#ffffff' : '#0d1117');
  return { light, dark, onLight: on(light), onDark: on(dark),
    adjusted: light.toLowerCase() !== hex.toLowerCase().replace(/^#?/, '#') };
}

/** Apply an agenda's branding (`branding: {name, logo, accent}`, all optional) to the page. */
export function applyBrand(agenda) {
  const branding = (agenda && agenda.branding) || {};
  const root = document.documentElement;
  const accent = accentFor(branding.accent);
  if (accent) {
    root.style.setProperty('--brand', `light-dark(${accent.light}, ${accent.dark})`);
    root.style.setProperty('--brand-on', `light-dark(${accent.onLight}, ${accent.onDark})`);
  } else {
    root.style.removeProperty('--brand');
    root.style.removeProperty('--brand-on');
  }
  const name = branding.name || (agenda && agenda.title) || null;
  const nameEl = document.getElementById('brand-name');
  if (name && nameEl) nameEl.textContent = name;
  const logo = document.getElementById('brand-logo');
  const src = typeof branding.logo === 'string' && /^(https:|data:image\/)/.test(branding.logo) ? branding.logo : null;
  if (logo) {
    logo.hidden = !src;
    if (src) logo.src = src; else logo.removeAttribute('src');
  }
  return name;
}
