// Breakout rooms: the room a member was moved into (chat, timer, report-back), the
// self-select chooser, and the moderator's control (create, assign, open, timer, broadcast,
// visit, reports, close).

import { countdown, h, fill, toMs } from '../dom.js';
import { formatNumber, plural, t } from '../i18n.js';
import { stagePanel } from './stage.js';

function endsAt(state) {
  const b = state.breakout;
  // The breakout's own end wins: a moderator may have extended it since the move.
  return toMs((b && b.state === 'open' && b.ends_at) || (state.room && state.room.ends_at));
}

function timer(at) {
  return at ? h('p', { class: 'timer', dataset: { endsAt: String(at), label: 'br.ends' } }, t('br.ends', { t: countdown(at) })) : null;
}

function authorOf(m) {
  return m.user.name; // room.message; a broadcast (`from`) is shown apart
}

// -- the room a member is in (or a moderator visits) ----------------------------------------
export function roomPanel(ctx) {
  const { state, act, staff } = ctx;
  const el = h('section', { class: 'card panel room', id: 'room-panel', 'aria-labelledby': 'room-h', hidden: true });
  const messages = h('ol', { class: 'messages', id: 'room-messages', 'aria-label': t('br.chat') });
  const sayInput = h('input', { id: 'room-say', type: 'text', maxlength: 2000, autocomplete: 'off' });
  const reportInput = h('textarea', { id: 'room-report', rows: 4, 'aria-describedby': 'room-report-help' });
  const reportNote = h('p', { class: 'notice', role: 'status' });
  let roomId = null;

  const sayForm = h('form', { class: 'row say', onsubmit: async (e) => {
    e.preventDefault();
    const text = sayInput.value.trim();
    if (!text || !state.room) return;
    const reply = await act('room.say', { room: state.room.id, text });
    if (reply) sayInput.value = '';
  } }, h('label', { for: 'room-say', class: 'visually-hidden' }, t('br.say')), sayInput,
  h('button', { type: 'submit', class: 'primary' }, t('br.send')));

  const reportForm = h('form', { class: 'stack report', onsubmit: async (e) => {
    e.preventDefault();
    if (!state.room) return;
    const reply = await act('breakout.report', { room: state.room.id, text: reportInput.value });
    if (reply) reportNote.textContent = t('br.report_saved');
  } }, h('h3', {}, h('label', { for: 'room-report' }, t('br.report'))),
  h('p', { class: 'muted small', id: 'room-report-help' }, t('br.report_help')), reportInput,
  h('button', { type: 'submit' }, t('br.report_save')), reportNote);

  // The skeleton is built once per room, then only its changing parts are refilled, so
  // typing a message is never interrupted by someone else's.
  const heading = h('div', { class: 'row spread wrap' });
  const status = h('div', {});
  const membersLine = h('p', { class: 'muted small', id: 'room-members' });

  let roomStage = null;
  function dropStage() {
    if (roomStage && roomStage.destroy) roomStage.destroy();
    roomStage = null;
  }

  function skeleton(room) {
    dropStage();
    roomStage = stagePanel(ctx, !staff, room.id);
    const report = state.reports.get(room.id);
    reportInput.value = (report && report.text) || '';
    reportNote.textContent = '';
    sayInput.value = '';
    // The room's video first (above the chat, as in any call), then the talk, then the report.
    fill(el, heading, status, membersLine, roomStage.el, h('h3', {}, t('br.chat')), messages, sayForm,
      staff ? null : reportForm);
    roomStage.update('all');
  }

  function render() {
    const room = state.room;
    el.hidden = !room;
    if (!room) { roomId = null; dropStage(); fill(el); return; }
    if (roomId !== room.id) { roomId = room.id; skeleton(room); }
    const selfSelect = state.breakout && state.breakout.assign === 'self' && !staff;
    const leave = staff
      ? h('button', { type: 'button', onclick: async () => { await act('room.leave', { room: room.id }); ctx.leaveRoom(false); } }, t('brc.leave_visit'))
      : selfSelect ? h('button', { type: 'button', onclick: () => act('breakout.leave', { room: room.id }) }, t('br.leave')) : null;
    fill(heading, h('h2', { id: 'room-h' }, staff ? t('brc.visiting', { room: room.name }) : t('br.room', { room: room.name })), leave);
    fill(status, timer(endsAt(state)),
      state.closing ? h('p', { class: 'notice warn', role: 'status' }, t('br.closing')) : null);
    const names = state.roomMembers.map((m) => m.name || m.id).filter(Boolean);
    membersLine.textContent = names.length ? t('br.members', { names: names.join(', ') }) : '';
    fill(messages, state.messages.length ? state.messages.map((m) => (m.broadcast
      ? h('li', { class: 'message broadcast' }, t('br.broadcast', { text: m.text }))
      : h('li', { class: 'message' }, h('strong', { class: 'msg-author' }, authorOf(m)), ': ', h('span', { class: 'msg-text' }, m.text))))
      : h('li', { class: 'muted empty' }, t('br.no_messages')));
    messages.scrollTop = messages.scrollHeight;
  }

  return {
    el,
    update(area) {
      if (['room', 'breakout', 'reports', 'all'].includes(area)) render();
      if (area === 'media' && roomStage) roomStage.update('media');
    },
    destroy: dropStage,
  };
}

// -- self-select: choose a room -------------------------------------------------------------
export function breakoutChooser(ctx) {
  const { state, act } = ctx;
  const el = h('section', { class: 'card panel', id: 'breakout-chooser', 'aria-labelledby': 'chooser-h', hidden: true });
  function render() {
    const b = state.breakout;
    const show = b && b.state === 'open' && b.assign === 'self' && !state.room;
    el.hidden = !show;
    if (!show) { fill(el); return; }
    fill(el, h('h2', { id: 'chooser-h' }, t('br.choose')), timer(toMs(b.ends_at)),
      h('ul', { class: 'room-choices' }, b.rooms.map((room) => {
        const full = b.capacity && room.count >= b.capacity;
        return h('li', { class: 'row spread' },
          h('span', {}, room.name, ' ', h('span', { class: 'muted' }, b.capacity ? t('br.seats', { n: room.count || 0, cap: b.capacity }) : `(${room.count || 0})`)),
          h('button', { type: 'button', disabled: !!full, onclick: async () => {
            const reply = await act('breakout.join', { room: room.id });
            if (reply && reply.room && (!state.room || state.room.id !== reply.room.id)) ctx.enterRoom(reply.room);
          } }, full ? t('br.full') : t('br.join_room', { room: room.name })));
      })));
  }
  return { el, update(area) { if (['room', 'breakout', 'all'].includes(area)) render(); } };
}

// -- moderator ------------------------------------------------------------------------------
export function moderatorBreakouts(ctx) {
  const { state, act, sessionId, conn } = ctx;
  // Who is present and where they sit (`breakout.people`): the snapshot and replies carry
  // it; session events do not, so it is asked again when counts or presence change.
  let people = [];
  let peopleOf = null; // the breakout id `people` belongs to
  let taken = null; // the breakout object `people` was last taken from (once each)
  let asking = null;
  let askAgain = false;
  const body = h('div', { class: 'stack' });
  const el = h('section', { class: 'card panel', id: 'breakout-panel', 'aria-labelledby': 'br-h' },
    h('h2', { id: 'br-h' }, t('br.title')), body);
  const createForm = makeCreateForm();
  const broadcastInput = h('input', { id: 'br-broadcast', type: 'text', maxlength: 2000 });
  const broadcastForm = h('form', { class: 'row wrap', onsubmit: async (e) => {
    e.preventDefault();
    if (!broadcastInput.value.trim() || !state.breakout) return;
    const reply = await act('breakout.broadcast', { breakout: state.breakout.id, text: broadcastInput.value });
    if (reply) broadcastInput.value = '';
  } }, h('label', { for: 'br-broadcast' }, t('brc.broadcast')), broadcastInput, h('button', { type: 'submit' }, t('brc.send')));

  async function run(type, extra = {}) {
    const reply = await act(type, { breakout: state.breakout.id, ...extra });
    if (reply) ctx.refresh('breakout');
  }

  function takePeople(b) {
    if (b && b.people && b !== taken) { people = b.people; peopleOf = b.id; taken = b; }
  }

  function askPeople() {
    const b = state.breakout;
    if (!b || b.state === 'closed') return;
    if (asking) { askAgain = true; return; } // one in flight; ask once more after it
    asking = conn.call('breakout.people', { breakout: b.id }).then((reply) => {
      if (state.breakout && state.breakout.id === reply.breakout) {
        people = reply.people || [];
        peopleOf = reply.breakout;
        render();
      }
    }).catch(() => {}).finally(() => {
      asking = null;
      if (askAgain) { askAgain = false; askPeople(); }
    });
  }

  function makeCreateForm() {
    const rooms = h('input', { id: 'brc-rooms', required: true, value: '2' });
    const assign = h('select', { id: 'brc-assign' }, ['auto', 'manual', 'self'].map((k) => h('option', { value: k }, t(`brc.assign.${k}`))));
    const capacity = h('input', { id: 'brc-capacity', type: 'number', min: 1 });
    const duration = h('input', { id: 'brc-duration', type: 'number', min: 1, max: 1440 });
    const f = (input, label) => h('div', { class: 'field' }, h('label', { for: input.id }, label), input);
    return h('form', { class: 'stack', id: 'breakout-create', onsubmit: async (e) => {
      e.preventDefault();
      const raw = rooms.value.trim();
      const data = { session: sessionId, assign: assign.value,
        rooms: /^\d+$/.test(raw) ? Number(raw) : raw.split(',').map((s) => s.trim()).filter(Boolean) };
      if (capacity.value) data.capacity = Number(capacity.value);
      if (duration.value) data.duration_s = Math.round(Number(duration.value) * 60);
      const reply = await act('breakout.create', data);
      if (reply) ctx.refresh('breakout');
    } }, h('h3', {}, t('brc.create_title')), f(rooms, t('brc.rooms')), f(assign, t('brc.assign')),
    f(capacity, t('brc.capacity')), f(duration, t('brc.duration')), h('button', { type: 'submit', class: 'primary' }, t('brc.create')));
  }

  function person(p, b, roomId) {
    const select = h('select', { 'aria-label': `${t('brc.assign_to')} (${p.name || p.id})`, dataset: { key: `assign-${p.id}` } },
      h('option', { value: '' }, t('brc.unassigned')),
      b.rooms.map((r) => h('option', { value: r.id, selected: r.id === roomId }, r.name)));
    select.value = roomId || '';
    select.addEventListener('change', () => run('breakout.assign', { user: p.id, room: select.value || null }));
    return h('li', { class: 'person', draggable: 'true', dataset: { user: p.id },
      ondragstart: (e) => { dragging = true; e.dataTransfer.setData('text/plain', p.id); e.dataTransfer.effectAllowed = 'move'; },
      ondragend: () => { dragging = false; if (stale) render(); } },
    h('span', {}, p.name || p.id), select);
  }

  function dropTarget(node, roomId) {
    node.addEventListener('dragover', (e) => { e.preventDefault(); node.classList.add('drop'); });
    node.addEventListener('dragleave', () => node.classList.remove('drop'));
    node.addEventListener('drop', (e) => {
      e.preventDefault();
      node.classList.remove('drop');
      const user = e.dataTransfer.getData('text/plain');
      if (user) run('breakout.assign', { user, room: roomId });
    });
    return node;
  }

  function roomCard(room, b) {
    const report = state.reports.get(room.id);
    // Session events carry counts only; the names come from `breakout.people` (who is
    // present, and in which room), so a self-select room shows who chose it at once.
    const members = room.members || (peopleOf === b.id ? people.filter((p) => p.room === room.id) : []);
    return dropTarget(h('li', { class: 'room-card', dataset: { room: room.id } },
      h('div', { class: 'row spread wrap' }, h('h4', {}, room.name, ' ', h('span', { class: 'muted' }, `(${room.count ?? members.length})`)),
        b.state === 'open' ? h('button', { type: 'button', class: 'link', onclick: () => ctx.enterRoom(room) }, t('brc.visit')) : null),
      h('ul', { class: 'people' }, members.map((p) => person(p, b, room.id))),
      h('div', { class: 'report-view' }, h('strong', {}, t('brc.reports'), ': '),
        report && report.text ? h('span', { class: 'report-text' }, report.text) : h('span', { class: 'muted' }, t('brc.no_report')))), room.id);
  }

  // Updates keep arriving while a moderator drags someone (people join, counts move): a
  // render then would replace the dragged node and cancel the drag, so it waits for the drop.
  let dragging = false;
  let stale = false;

  function render() {
    if (dragging) { stale = true; return; }
    stale = false;
    const b = state.breakout;
    if (!b || b.state === 'closed') {
      fill(body, createForm, b ? closedReports(b) : null);
      return;
    }
    takePeople(b);
    const unassigned = (b.unassigned || (peopleOf === b.id ? people : [])).filter((p) => !p.room);
    fill(body,
      h('p', {}, t('brc.state', { state: t(`brc.state.${b.state}`) }), ' · ', t(`brc.assign.${b.assign}`)),
      timer(toMs(b.ends_at)),
      h('div', { class: 'row wrap' },
        b.state === 'draft' ? h('button', { type: 'button', class: 'primary', id: 'breakout-open', onclick: () => run('breakout.open') }, t('brc.open')) : null,
        b.state === 'open' && b.ends_at ? h('button', { type: 'button', onclick: () => run('breakout.extend', { minutes: 5 }) }, t('brc.extend')) : null,
        h('button', { type: 'button', class: 'danger', id: 'breakout-close', onclick: () => run('breakout.close') }, t('brc.close'))),
      b.state === 'open' ? broadcastForm : null,
      b.assign === 'manual' ? h('p', { class: 'muted small' }, t('brc.drag_hint')) : null,
      b.state === 'draft' && b.assign === 'auto' ? splitPreview(b) : null,
      unassigned.length ? dropTarget(h('div', { class: 'unassigned' }, h('h4', {}, t('brc.unassigned')),
        h('ul', { class: 'people' }, unassigned.map((p) => person(p, b, null)))), null) : null,
      h('ul', { class: 'room-cards' }, b.rooms.map((room) => roomCard(room, b))));
  }

  /** Before "Open rooms": how an automatic split will fall, from who is here now. */
  function splitPreview(b) {
    const here = peopleOf === b.id ? people.length : 0;
    const rooms = b.rooms.length;
    const low = Math.floor(here / rooms);
    const high = Math.ceil(here / rooms);
    const sizes = low === high ? formatNumber(low) : `${formatNumber(low)}–${formatNumber(high)}`;
    return h('p', { class: 'notice split-preview', id: 'split-preview', role: 'status' },
      plural('brc.preview', here, { rooms, sizes }));
  }

  function closedReports(b) {
    const withReports = b.rooms.filter((r) => state.reports.get(r.id));
    if (!withReports.length) return null;
    return h('div', {}, h('h3', {}, t('brc.reports')), h('ul', { class: 'reports' }, withReports.map((r) => h('li', {},
      h('strong', {}, r.name), ': ', state.reports.get(r.id).text))));
  }

  return {
    el,
    update(area) {
      // A reply or snapshot brought the list with the breakout; other changes ask for it.
      const fresh = state.breakout && state.breakout.people && state.breakout !== taken;
      if (['breakout', 'reports', 'all'].includes(area)) render();
      if (area === 'presence' || (['breakout', 'all'].includes(area) && !fresh)) askPeople();
    },
  };
}
