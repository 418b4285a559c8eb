// The visitor's access: a token from the join form (or pasted), kept in localStorage so a
// reload or a phone waking up does not ask again.

const KEY = 'plenary.auth';

export function loadAuth() {
  try {
    const auth = JSON.parse(localStorage.getItem(KEY) || 'null');
    return auth && auth.token ? auth : null;
  } catch {
    return null;
  }
}

export function saveAuth(auth) {
  localStorage.setItem(KEY, JSON.stringify(auth));
}

export function clearAuth() {
  localStorage.removeItem(KEY);
}

/** The token's claims (for display only; the server checks the signature). */
export function readClaims(token) {
  const part = String(token).split('.')[1];
  if (!part) return null;
  try {
    const base64 = part.replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes));
    return claims && claims.event ? claims : null;
  } catch {
    return null;
  }
}

/** POST /api/events/{event}/join → {token, role, event, name}; throws {code, message}.
 * `renew`: the expired token, so the new one names the same person. */
export function joinEvent(eventId, name, code, renew) {
  return api('POST', `/api/events/${encodeURIComponent(eventId)}/join`,
    renew ? { name, code, renew } : { name, code });
}

/** POST /api/join: the event's short code alone (`WELLBEING22`, any case). */
export function joinByCode(code, name) {
  return api('POST', '/api/join', { name, code });
}

/** A JSON call to the HTTP API; throws the problem's {code, message} on refusal. */
export async function api(method, path, body, { token, type = 'application/json' } = {}) {
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = type;
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(path, { method, headers,
      body: body === undefined || typeof body === 'string' ? body : JSON.stringify(body) });
  } catch {
    throw { code: 'network' };
  }
  if (response.status === 204) return {};
  const reply = await response.json().catch(() => ({}));
  if (!response.ok) throw reply.error || { code: 'internal' };
  return reply;
}

export async function fetchAgenda(eventId) {
  let response;
  try {
    response = await fetch(`/api/events/${encodeURIComponent(eventId)}`);
  } catch {
    throw { code: 'network' };
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw body.error || { code: 'internal' };
  return body;
}
