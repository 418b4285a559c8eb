// Recordings of the stage, for whoever missed a session (another time zone): listed under
// the session in the agenda, played in place with the captions said meanwhile.

import { h } from '../dom.js';
import { formatDate, t } from '../i18n.js';
import { api } from '../auth.js';
import '../i18n-stage.js';

/** The event's recordings grouped by session id ({} when none or unreachable). */
export async function loadRecordings(auth) {
  try {
    const reply = await api('GET', `/api/events/${encodeURIComponent(auth.event)}/recordings`, undefined, { token: auth.token });
    const bySession = {};
    for (const r of reply.recordings || []) (bySession[r.session] ||= []).push(r);
    return bySession;
  } catch {
    return {};
  }
}

/** A session's recordings as players (null when it has none). */
export function recordingsBlock(auth, recordings, zone) {
  if (!recordings || !recordings.length) return null;
  const base = `/api/events/${encodeURIComponent(auth.event)}/recordings`;
  const q = `token=${encodeURIComponent(auth.token)}`;
  return h('details', { class: 'recordings' }, h('summary', {}, t('rec.title'), ` (${recordings.length})`),
    h('ul', { class: 'recording-list' }, recordings.map((r) => {
      const label = t('rec.watch', { name: r.publisher, kind: t(`rec.kind.${r.kind}`), when: formatDate(r.started_at, { dateStyle: 'medium', timeStyle: 'short', timeZone: zone }) });
      return h('li', {}, h('p', { class: 'small' }, label),
        h('video', { controls: true, preload: 'metadata', class: 'recording', 'aria-label': label, src: `${base}/${r.id}?${q}` },
          h('track', { kind: 'captions', srclang: 'en', label: 'English', src: `${base}/${r.id}/captions.vtt?lang=en&${q}` }),
          h('track', { kind: 'captions', srclang: 'fr', label: 'Français', src: `${base}/${r.id}/captions.vtt?lang=fr&${q}` })));
    })));
}
