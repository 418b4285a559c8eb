// The client's state (client/js/state.js) without a browser: `node --test tests/client`.
// tests/unit/test_client_state.py runs it with the rest of the suite.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { EVENTS, SNAPSHOT_KEYS } from '../../client/js/protocol.js';
import { EVENT_TYPES, SessionState, withHistory } from '../../client/js/state.js';

const me = { id: 'u-me', name: 'Me', role: 'attendee' };
const question = (id, fields = {}) => ({
  id, session: 's1', text: `text ${id}`, author: null, votes: 0, status: 'visible',
  pinned: false, answer: null, created_at: 1, mode: 'remote', ...fields,
});
const room = (id, count = 0) => ({ id, name: `Room ${id}`, mode: null, count });
const breakout = (fields = {}) => ({
  id: 'b1', session: 's1', state: 'open', assign: 'self', capacity: null, duration_s: 120,
  mix: 'mixed', reuse: null, rooms: [room('r1'), room('r2')], created_at: 1, opened_at: 2,
  ends_at: 120002, closed_at: null, ...fields,
});

function joined(extra = {}) {
  const s = new SessionState(me);
  s.load({
    session: { id: 's1', title: 'S', live: true }, presence: { online: 2, in_room: 1, remote: 1 },
    questions: [question('q1'), question('q2', { mine: true, status: 'pending' })],
    my_votes: { q1: true }, polls: [], breakout: null,
    media: { publishers: [], ice_servers: [{ urls: 'stun:x' }] }, topics: {}, ...extra,
  });
  return s;
}

test('the state follows only events the server declares', () => {
  for (const type of EVENT_TYPES) assert.ok(EVENTS.includes(type), type);
  assert.ok(!EVENT_TYPES.includes('poll.deleted') && !EVENT_TYPES.includes('room.members'));
  assert.ok(SNAPSHOT_KEYS.includes('questions') && SNAPSHOT_KEYS.includes('breakout'));
});

test('a snapshot loads questions, my votes and mine, presence and media', () => {
  const s = joined();
  assert.deepEqual([...s.questions.keys()], ['q1', 'q2']);
  assert.deepEqual([...s.myVotes], ['q1']);
  assert.ok(s.mine.has('q2') && !s.mine.has('q1'));
  assert.equal(s.presence.online, 2);
  assert.deepEqual(s.iceServers, [{ urls: 'stun:x' }]);
});

test('a snapshot keeps the reports its breakout carries', () => {
  const report = { text: 'We agreed', by: { id: 'u2', name: 'B' }, at: 5 };
  const s = joined({ breakout: breakout({ reports: [{ room: { id: 'r1', name: 'Room r1' }, report }] }) });
  assert.deepEqual(s.reports.get('r1'), report);
});

test('question events: this session only, my own topic marks mine, votes and removals', () => {
  const s = joined();
  assert.equal(s.apply('qa.question', { question: question('q9', { session: 'other' }) }), null);
  assert.equal(s.apply('qa.question', { question: question('q3') }, { topic: 'user:u-me' }), 'qa');
  assert.ok(s.mine.has('q3'));
  s.apply('qa.votes', { votes: { q1: 7, gone: 1 } });
  assert.equal(s.questions.get('q1').votes, 7);
  s.apply('qa.removed', { question: 'q1' });
  assert.ok(!s.questions.has('q1') && !s.myVotes.has('q1'));
});

test('replies go through the same state: ask, vote, withdraw, moderate', () => {
  const s = joined();
  assert.equal(s.reply('qa.ask', { session: 's1', text: 'x' }, { question: question('q4', { status: 'pending' }) }), 'qa');
  assert.ok(s.mine.has('q4') && s.questions.has('q4'));
  s.reply('qa.vote', { question: 'q1', up: false }, { votes: 0 });
  assert.ok(!s.myVotes.has('q1'));
  assert.equal(s.questions.get('q1').votes, 0);
  s.reply('qa.vote', { question: 'q1', up: true }, { votes: 1 });
  assert.ok(s.myVotes.has('q1'));
  s.reply('qa.moderate', { question: 'q1', action: 'pin' }, { question: question('q1', { pinned: true }) });
  assert.ok(s.questions.get('q1').pinned);
  s.reply('qa.withdraw', { question: 'q4' }, { question: 'q4' });
  assert.ok(!s.questions.has('q4'));
  assert.equal(s.reply('qa.unknown', {}, {}), null);
});

test('polls: state and results events, replies, a vote remembered and changed', () => {
  const s = joined();
  const poll = { id: 'p1', state: 'open', title: 'T' };
  s.apply('poll.state', { poll });
  s.apply('poll.results', { poll: 'p1', votes: 3, final: false });
  assert.equal(s.results.get('p1').votes, 3);
  s.reply('poll.vote', { poll: 'p1', choices: [1] }, { poll: 'p1', replaced: false });
  assert.deepEqual(s.myPolls.get('p1'), { choices: [1] });
  assert.equal(s.changeVote('p1'), 'polls');
  assert.ok(!s.myPolls.has('p1'));
  s.reply('poll.close', { poll: 'p1' }, { poll: { ...poll, state: 'closed' }, results: { poll: 'p1', votes: 4, final: true } });
  assert.equal(s.polls.get('p1').state, 'closed');
  assert.ok(s.results.get('p1').final);
  s.apply('poll.removed', { poll: 'p1' });
  assert.ok(!s.polls.has('p1') && !s.results.has('p1'));
  s.reply('poll.create', {}, { poll: { id: 'p2', state: 'draft' } });
  s.reply('poll.delete', { poll: 'p2' }, {});
  assert.ok(!s.polls.has('p2'));
});

test('a snapshot poll with my vote and its outcome', () => {
  const s = joined({ polls: [{ id: 'p1', state: 'open', my_vote: true, outcome: { votes: 2 } }] });
  assert.equal(s.myPolls.get('p1'), true);
  assert.deepEqual(s.results.get('p1'), { poll: 'p1', votes: 2 });
});

test('the closing warning holds until the round closes or its end moves', () => {
  const s = joined({ breakout: breakout() });
  s.apply('breakout.closing', { breakout: 'b1', ends_at: 120002 });
  s.apply('breakout.state', { breakout: breakout({ rooms: [room('r1', 1), room('r2')] }) });
  assert.ok(s.closing, 'a count update keeps the warning');
  s.apply('breakout.state', { breakout: breakout({ ends_at: 420002 }) });
  assert.ok(!s.closing, 'extended');
  s.apply('breakout.closing', { breakout: 'b1', ends_at: 420002 });
  s.apply('breakout.state', { breakout: breakout({ ends_at: 420002, state: 'closed' }) });
  assert.ok(!s.closing, 'closed');
});

test('staff keep room members where the counts agree; a reply sets the breakout', () => {
  const s = joined();
  s.reply('breakout.create', {}, { breakout: breakout({ state: 'draft', rooms: [{ ...room('r1', 1), members: [{ id: 'u2', name: 'B' }] }, room('r2')] }) });
  s.apply('breakout.state', { breakout: breakout({ state: 'draft', rooms: [room('r1', 1), room('r2')] }) });
  assert.deepEqual(s.breakout.rooms[0].members, [{ id: 'u2', name: 'B' }]);
  s.apply('breakout.state', { breakout: breakout({ state: 'draft', rooms: [room('r1', 2), room('r2')] }) });
  assert.equal(s.breakout.rooms[0].members, undefined, 'a count that changed drops them');
});

test('a room: entering merges its history, chat and reports arrive, leaving clears it', () => {
  const s = joined();
  s.messages = [{ broadcast: true, text: 'hi all', at: 15 }];
  s.enterRoom({ id: 'r1', name: 'Room r1' }, {
    members: [{ id: 'u-me', name: 'Me', online: true }],
    messages: [{ id: 'm1', user: { id: 'u2', name: 'B' }, text: 'one', at: 10 },
      { id: 'm2', user: { id: 'u2', name: 'B' }, text: 'two', at: 20 }],
  });
  assert.deepEqual(s.messages.map((m) => m.text), ['one', 'two'], 'a new room starts empty');
  s.apply('breakout.message', { breakout: 'b1', room: 'r1', text: 'hurry', at: 25, from: { id: 'm', name: 'M' } });
  s.apply('room.message', { room: 'r1', message: { id: 'm3', user: { id: 'u2', name: 'B' }, text: 'three', at: 30 } });
  s.enterRoom({ id: 'r1', name: 'Room r1' }, { members: [], messages: [{ id: 'm3', text: 'three', at: 30 }] });
  assert.deepEqual(s.messages.map((m) => m.text), ['one', 'two', 'hurry', 'three'], 'again: kept, no duplicate');
  s.apply('room.presence', { room: 'r1', members: [{ id: 'u3' }], visitors: [] });
  assert.deepEqual(s.roomMembers, [{ id: 'u3' }]);
  s.apply('breakout.report', { room: 'r1', report: { text: 'draft' } });
  s.apply('breakout.reports', { breakout: 'b1', reports: [{ room: { id: 'r2', name: 'R2' }, report: { text: 'other' } }] });
  assert.deepEqual([...s.reports.keys()], ['r1', 'r2']);
  s.leaveRoom();
  assert.equal(s.room, null);
  assert.deepEqual(s.messages, []);
});

test('withHistory adds what this tab lacks, by time, ties in order', () => {
  const current = [{ id: 'a', at: 1 }, { broadcast: true, at: 3 }];
  assert.equal(withHistory([], current), current);
  assert.deepEqual(withHistory([{ id: 'a', at: 1 }, { id: 'b', at: 2 }], current).map((m) => m.id || 'bc'), ['a', 'b', 'bc']);
});

test('presence, session updates, media publishers by topic', () => {
  const s = joined();
  s.apply('presence', { online: 5, in_room: 2, remote: 3 });
  assert.equal(s.presence.online, 5);
  s.apply('session.updated', { session: { id: 's1', live: false } });
  assert.equal(s.session.live, false);
  s.reply('session.update', { session: 's1', live: true }, { session: { id: 's1', live: true } });
  assert.equal(s.session.live, true);
  s.apply('media.publishers', { publishers: [{ id: 'p' }] }, { topic: 'session:s1' });
  s.apply('media.publishers', { publishers: [{ id: 'q' }] }, { topic: 'room:r1' });
  assert.deepEqual([s.publishers[0].id, s.roomPublishers[0].id], ['p', 'q']);
  assert.equal(s.reply('media.list', { session: 's1' }, { publishers: [] }), null);
  s.reply('media.list', { room: 'r1' }, { publishers: [], ice_servers: [{ urls: 'turn:y' }] });
  assert.deepEqual([s.roomPublishers, s.iceServers], [[], [{ urls: 'turn:y' }]]);
});
