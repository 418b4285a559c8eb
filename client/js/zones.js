// Time zones without a library: a zone's offset at an instant, its label, and the wall
// clock of an event's zone to and from ISO 8601 with the offset (what the agenda stores).

export function offsetMinutes(zone, at) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23',
    year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' })
    .formatToParts(at).map((p) => [p.type, p.value]));
  const wall = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute);
  return Math.round((wall - Math.floor(at.getTime() / 60000) * 60000) / 60000);
}

/** "Europe/Brussels (CEST)": the zone's name and its abbreviation at that instant. */
export function zoneLabel(zone, lang, at = new Date()) {
  const short = new Intl.DateTimeFormat(lang, { timeZone: zone, timeZoneName: 'short' })
    .formatToParts(at).find((p) => p.type === 'timeZoneName');
  return short ? `${zone.replace(/_/g, ' ')} (${short.value})` : zone;
}

function pad(n) { return String(n).padStart(2, '0'); }

/** "2022-06-14T09:30" on the clocks of `zone` → "2022-06-14T09:30:00+02:00". */
export function wallToIso(wall, zone) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(wall || '');
  if (!m) return null;
  const guess = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
  let offset = offsetMinutes(zone, new Date(guess));
  const again = offsetMinutes(zone, new Date(guess - offset * 60000));
  if (again !== offset) offset = again; // the wall time sits across a change of offset
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:00${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** An ISO time → the wall clock of `zone`, as a datetime-local input wants it. */
export function isoToWall(iso, zone) {
  const at = Date.parse(iso || '');
  if (Number.isNaN(at)) return '';
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23',
    year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
    .formatToParts(new Date(at)).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

export function browserZone() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

export function allZones() {
  try { return Intl.supportedValuesOf('timeZone'); } catch { return ['UTC']; }
}
