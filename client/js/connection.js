// The WebSocket to Plenary: `hello` with the token, `call(type, data)` → Promise of the ok
// data, events dispatched by type, and recovery. Every event carries its topic's seq; we keep
// the last seq per topic, drop anything at or below it (so a replay never duplicates), and on
// reconnect ask the server to resume each topic after it (so nothing is lost). A topic the
// server can no longer replay is reported through `stale`: the app joins again for a fresh
// snapshot, which resets that topic's seq.

const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 15000;
const NO_RETRY = new Set([4401, 1008]); // not authenticated, policy: retrying cannot help
// Commands that create something (or count once): sent with an idempotency key and sent
// again after a reconnect when their reply was lost; the server answers a retry with the
// first reply, so nothing is created twice.
const KEYED = new Set(['qa.ask', 'poll.create', 'poll.vote', 'breakout.create',
  'breakout.report', 'breakout.broadcast', 'room.say']);
const MAX_TRIES = 3;

function newKey() {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes); // randomUUID needs a secure context; this does not
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export class ProtocolFailure extends Error {
  constructor(error) {
    super(error.message || error.code);
    this.code = error.code;
    this.message = error.message || '';
    this.field = error.field || null; // the refused value's path inside `data`
    this.retry_after = error.retry_after || null; // seconds, when rate-limited
  }
}

export class Connection {
  constructor({ url, token, mode }) {
    this.url = url;
    this.token = token;
    this.mode = mode;
    this.seqs = new Map();
    this.epochs = new Map(); // topic -> the epoch of the stream its seq counts in
    this.closeCodes = []; // the last close codes, for diagnostics
    this.handlers = new Map();
    this.pending = new Map(); // command id -> {resolve, reject}
    this.waiting = []; // commands given before hello succeeded
    this.nextId = 1;
    this.attempt = 0;
    this.ready = false;
    this.stopped = false;
    this.ws = null;
    this.user = null;
    this.timer = null;
    this.onOnline = () => this.retryNow();
  }

  /** Subscribe to an event type (or `status`, `ready`, `stale`, `closed`); returns an unsubscriber. */
  on(type, fn) {
    if (!this.handlers.has(type)) this.handlers.set(type, new Set());
    this.handlers.get(type).add(fn);
    return () => this.handlers.get(type).delete(fn);
  }

  emit(type, data, message) {
    for (const fn of [...(this.handlers.get(type) || [])]) {
      try { fn(data, message); } catch (err) { console.error(`handler for ${type}`, err); }
    }
  }

  start() {
    window.addEventListener('online', this.onOnline);
    this.open();
    return this;
  }

  stop() {
    this.stopped = true;
    window.removeEventListener('online', this.onOnline);
    clearTimeout(this.timer);
    if (this.ws) this.ws.close(1000);
  }

  /** Send a command; resolves with its `ok` data, rejects with a ProtocolFailure. */
  call(type, data) {
    return new Promise((resolve, reject) => {
      const command = { type, data, resolve, reject };
      if (KEYED.has(type)) command.key = newKey();
      if (this.ready) this.send(command);
      else this.waiting.push(command);
    });
  }

  /** A session.join (or room.join) reply: each topic's events start after its seq.
   * A topic already followed keeps the higher seq: a second join of the same topic must
   * not make events already applied look new. (A topic the server could not resume was
   * forgotten first, so a server that restarted from zero is followed from its new seq.)
   * A topic of another epoch is another stream (the server lost the old one): its seq is
   * taken as it is. */
  setTopics(topics, epochs) {
    for (const [topic, seq] of Object.entries(topics || {})) {
      const last = this.seqs.get(topic);
      const epoch = (epochs || {})[topic];
      const known = this.epochs.get(topic);
      const sameStream = epoch === undefined || known === undefined || known === epoch;
      this.seqs.set(topic, last === undefined || !sameStream ? seq : Math.max(last, seq));
      if (epoch !== undefined) this.epochs.set(topic, epoch);
    }
  }

  forget(topic) {
    this.seqs.delete(topic);
    this.epochs.delete(topic);
  }

  /** What `hello.resume` sends: [epoch, seq] per topic, or the bare seq if no epoch is known. */
  positions() {
    return Object.fromEntries([...this.seqs].map(([topic, seq]) =>
      [topic, this.epochs.has(topic) ? [this.epochs.get(topic), seq] : seq]));
  }

  // -- internals -------------------------------------------------------------------------
  open() {
    this.status('connecting');
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch (err) {
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    ws.onopen = () => this.hello();
    ws.onmessage = (e) => this.receive(e.data);
    ws.onclose = (e) => { if (this.ws === ws) this.closed(e); };
  }

  hello() {
    const data = { token: this.token };
    if (this.seqs.size) data.resume = this.positions();
    if (this.mode) data.mode = this.mode;
    const resumedTopics = [...this.seqs.keys()];
    this.send({
      type: 'hello', data,
      resolve: (reply) => {
        this.ready = true;
        this.attempt = 0;
        this.user = reply.user;
        this.status('online');
        const stale = resumedTopics.filter((topic) => !(reply.resumed || {})[topic]);
        for (const topic of stale) this.forget(topic);
        this.emit('ready', { reply, stale, reconnect: resumedTopics.length > 0 });
        for (const topic of stale) this.emit('stale', topic);
        const waiting = this.waiting.splice(0);
        for (const command of waiting) this.send(command);
      },
      reject: (err) => this.emit('refused', err),
    });
  }

  send(command) {
    const id = this.nextId++;
    this.pending.set(id, command);
    const message = { id, type: command.type };
    if (command.data !== undefined) message.data = command.data;
    if (command.key) message.key = command.key;
    command.tries = (command.tries || 0) + 1;
    try {
      this.ws.send(JSON.stringify(message));
    } catch {
      this.pending.delete(id);
      command.reject(new ProtocolFailure({ code: 'disconnected' }));
    }
  }

  receive(text) {
    let parsed;
    try { parsed = JSON.parse(text); } catch { return; }
    for (const message of Array.isArray(parsed) ? parsed : [parsed]) this.take(message);
  }

  take(message) {
    if ((message.type === 'ok' || message.type === 'error') && this.pending.has(message.id)) {
      const command = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.type === 'ok') command.resolve(message.data || {});
      else command.reject(new ProtocolFailure(message.error || { code: 'internal' }));
      return;
    }
    if (message.type === 'error') {
      this.emit('error', message.error);
      return;
    }
    const { topic, seq } = message;
    if (topic != null && typeof seq === 'number') {
      const last = this.seqs.get(topic);
      if (last !== undefined && seq <= last) return; // already applied: a replay overlap
      this.seqs.set(topic, seq);
      if (last !== undefined && seq > last + 1) {
        // The server refills gaps before sending; if one still shows, trust a snapshot.
        this.emit('stale', topic);
      }
    }
    this.emit(message.type, message.data || {}, message);
  }

  closed(event) {
    this.closeCodes.push(event.code); // 1001: the server went away on purpose (a restart)
    if (this.closeCodes.length > 20) this.closeCodes.shift();
    this.ready = false;
    this.ws = null;
    const lost = [...this.pending.values()];
    this.pending.clear();
    const retry = !this.stopped && !NO_RETRY.has(event.code);
    for (const command of lost) {
      if (command.type === 'hello') continue;
      if (retry && command.key && command.tries < MAX_TRIES) this.waiting.push(command);
      else command.reject(new ProtocolFailure({ code: 'disconnected' }));
    }
    if (this.stopped) return;
    if (NO_RETRY.has(event.code)) {
      this.status('offline');
      this.emit('closed', { code: event.code, reason: event.reason });
      return;
    }
    this.scheduleRetry();
  }

  /** Exponential back-off with jitter, so a restarted server is not stampeded. */
  scheduleRetry() {
    const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** this.attempt);
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.attempt += 1;
    this.status('reconnecting', Math.ceil(delay / 1000));
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.open(), delay);
  }

  retryNow() {
    if (this.stopped || this.ws) return;
    clearTimeout(this.timer);
    this.open();
  }

  status(state, seconds) {
    this.state = state;
    this.emit('status', { state, seconds });
  }
}

export function socketUrl(location = window.location) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/ws`;
}
