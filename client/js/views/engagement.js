// The organiser's attendance and engagement view: per session and per day, from the
// event-wide export (JSON), and the export itself as XLSX or CSV.

import { h, fill } from '../dom.js';
import { t } from '../i18n.js';
import '../i18n-surveys.js';
import { readClaims } from '../auth.js';

const SESSION_COLUMNS = [
  ['Session', 'eng.session'], ['Day', 'eng.day'], ['Attendees', 'eng.attendees'], ['In the room', 'eng.in_room'],
  ['Online', 'eng.online'], ['Peak concurrent', 'eng.peak'], ['Average minutes present', 'eng.avg_minutes'],
  ['Questions', 'eng.questions'], ['Poll answers', 'eng.poll_answers'], ['Survey submissions', 'eng.surveys'],
];
const DAY_COLUMNS = [['Day', 'eng.day'], ...SESSION_COLUMNS.slice(2, 5), ...SESSION_COLUMNS.slice(7)];

function exportUrl(ctx, format) {
  const claims = readClaims(ctx.app.auth.token) || {};
  return `/api/events/${encodeURIComponent(claims.event)}/report?format=${format}`;
}

async function fetchExport(ctx, format) {
  const response = await fetch(exportUrl(ctx, format), { headers: { Authorization: `Bearer ${ctx.app.auth.token}` } });
  if (!response.ok) throw new Error(String(response.status));
  return response;
}

function table(id, columns, rows) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'engagement-table', id },
    h('thead', {}, h('tr', {}, columns.map(([, label]) => h('th', { scope: 'col' }, t(label))))),
    h('tbody', {}, rows.map((row) => h('tr', {}, columns.map(([key], i) => (i === 0 ? h('th', { scope: 'row' }, String(row[key] ?? '')) : h('td', {}, String(row[key] ?? '')))))))));
}

export function engagementPanel(ctx) {
  const body = h('div', { class: 'stack', id: 'engagement-body' });
  const download = (format) => async () => {
    try {
      const blob = await (await fetchExport(ctx, format)).blob();
      const link = h('a', { href: URL.createObjectURL(blob), download: `plenary-export.${format}` });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10000);
    } catch {
      ctx.app.notify(t('eng.failed'));
    }
  };
  async function load() {
    try {
      const data = await (await fetchExport(ctx, 'json')).json();
      const sections = data.sections || {};
      fill(body, h('p', { class: 'muted small' }, t('eng.tz', { tz: data.event.timezone })),
        table('engagement-sessions', SESSION_COLUMNS, sections.Sessions || []),
        table('engagement-days', DAY_COLUMNS, sections.Days || []));
    } catch {
      fill(body, h('p', { class: 'form-error', role: 'alert' }, t('eng.failed')));
    }
  }
  const el = h('section', { class: 'card panel', id: 'engagement-panel', 'aria-labelledby': 'eng-h' },
    h('h2', { id: 'eng-h' }, t('eng.title')),
    h('div', { class: 'row wrap' },
      h('button', { type: 'button', id: 'eng-load', onclick: load }, t('eng.load')),
      h('button', { type: 'button', id: 'eng-xlsx', class: 'primary', onclick: download('xlsx') }, t('eng.export_xlsx')),
      h('button', { type: 'button', id: 'eng-csv', onclick: download('csv') }, t('eng.export_csv'))),
    body);
  return { el, update() {} };
}
