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

/** POST /api/events/{event}/join → {token, role}; throws {code, message} on refusal.
 * `renew`: the expired token, so the new one names the same person. */
export async function joinEvent(eventId, name, code, renew) {
  let response;
  try {
    response = await fetch(`/api/events/${encodeURIComponent(eventId)}/join`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(renew ? { name, code, renew } : { name, code }),
    });
  } catch {
    throw { code: 'network' };
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw body.error || { code: 'internal' };
  return body;
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
