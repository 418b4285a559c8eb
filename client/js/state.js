// What the client knows about the session it is in: loaded from the session.join snapshot,
// then kept current by events (`apply`) and by the replies to this tab's own commands
// (`reply`). Every write to the state is in this file. Events carry full objects or absolute
// counts, so applying one twice is harmless; the connection's seq check keeps list-like
// events (chat, broadcasts) from being applied twice. The event names come from
// protocol.js, which is generated from the server's declarations.

import { EVENTS } from './protocol.js';

export class SessionState {
  constructor(user) {
    this.user = user;
    this.reset();
  }

  reset() {
    this.session = null;
    this.questions = new Map();
    this.myVotes = new Set();
    this.mine = new Set(); // ids of my questions (anonymous ones carry no author)
    this.polls = new Map();
    this.results = new Map();
    this.myPolls = new Map(); // poll id -> what I answered (this tab's memory or the snapshot's)
    this.breakout = null;
    this.room = null; // {id, name, ends_at}
    this.roomMembers = [];
    this.messages = []; // room chat and moderator broadcasts, in order
    this.reports = new Map(); // room id -> report
    this.closing = false;
    this.presence = { online: 0, in_room: 0, remote: 0 };
    this.publishers = [];
    this.roomPublishers = [];
    // The live room: reactions, the floor, the session chat, shared breakout reports.
    this.reactions = null; // the last `reactions` counts
    this.hands = []; // the queue (staff)
    this.myHand = false;
    this.onStage = []; // [{user, name, since}]
    this.chat = []; // session chat messages, oldest first
    this.chatSlow = 0;
    this.sharedReports = null; // {breakout, reports: [...]}
    // issue 14: surveys, their results per round, and exact poll results for staff
    this.surveys = new Map();
    this.surveyResults = new Map(); // survey id -> the latest survey.results
    this.mySurveys = new Map(); // survey id -> {round, answers, submitted}
    this.rawResults = new Map(); // poll id -> exact results (staff, where the creator allowed)
    // issue 17: live captions, the recent lines of every language (an id replaces its line)
    this.captions = { lines: [], languages: [] };
  }

  putCaption(line) {
    const lines = this.captions.lines.filter((l) => l.id !== line.id);
    lines.push(line);
    lines.sort((a, b) => a.at - b.at);
    const languages = this.captions.languages.includes(line.lang) ? this.captions.languages
      : [...this.captions.languages, line.lang].sort();
    this.captions = { lines: lines.slice(-60), languages };
  }

  /** Replace everything with a session.join snapshot. */
  load(snapshot) {
    const { room, roomMembers, messages, mine, myPolls } = this;
    this.reset();
    // The room, its chat and what this tab remembers survive a fresh snapshot (after a
    // resume the server could not serve); the app re-enters the room with room.join.
    Object.assign(this, { room, roomMembers, messages, mine, myPolls });
    this.session = snapshot.session || null;
    for (const q of snapshot.questions || []) this.putQuestion(q);
    this.myVotes = new Set(votedIds(snapshot.my_votes));
    for (const poll of snapshot.polls || []) this.putPoll(poll);
    this.setBreakout(snapshot.breakout || null);
    // The snapshot's breakout carries the current reports (staff: all; a member: their
    // room's), so a reload shows them before the next `breakout.reports`.
    takeReports(this, (snapshot.breakout && snapshot.breakout.reports) || []);
    this.presence = snapshot.presence || this.presence;
    this.publishers = (snapshot.media && snapshot.media.publishers) || [];
    this.iceServers = (snapshot.media && snapshot.media.ice_servers) || [];
    this.hands = snapshot.hands || [];
    this.myHand = !!snapshot.my_hand;
    this.onStage = snapshot.stage || [];
    this.chat = (snapshot.chat && snapshot.chat.messages) || [];
    this.chatSlow = (snapshot.chat && snapshot.chat.slow_s) || 0;
    this.sharedReports = snapshot.shared_reports || null;
    this.screen = snapshot.screen || null; // what the room screen shows (issue 16)
    for (const survey of snapshot.surveys || []) this.putSurvey(survey);
    if (snapshot.captions) this.captions = { lines: [...snapshot.captions.lines], languages: [...snapshot.captions.languages] };
  }

  putSurvey(survey) {
    this.surveys.set(survey.id, survey);
    if (survey.outcome) this.surveyResults.set(survey.id, survey.outcome);
    if (survey.mine) this.mySurveys.set(survey.id, survey.mine);
  }

  /** Is this person on the session's stage (a moderator brought them up)? */
  amOnStage() {
    return !!this.user && this.onStage.some((g) => g.user === this.user.id);
  }

  /** A chat message, once per id (a snapshot and an event may both carry it). */
  putChat(message) {
    if (!message || this.chat.some((m) => m.id === message.id)) return;
    this.chat.push(message);
    if (this.chat.length > 500) this.chat.splice(0, this.chat.length - 500);
  }

  putQuestion(q, mine = false) {
    if (mine || q.mine) this.mine.add(q.id);
    this.questions.set(q.id, q);
  }

  putPoll(poll) {
    this.polls.set(poll.id, poll);
    // A snapshot carries the poll's current results (`outcome`) when this user may see them.
    if (poll.outcome) this.results.set(poll.id, { poll: poll.id, ...poll.outcome });
    if (poll.raw_outcome) this.rawResults.set(poll.id, poll.raw_outcome);
    if (poll.my_vote === true && !this.myPolls.has(poll.id)) this.myPolls.set(poll.id, true);
  }

  /** The breakout as last told. Session-wide events carry room counts without members;
   * staff get members in replies and snapshots, so members are kept where counts agree. */
  setBreakout(breakout) {
    const before = this.breakout;
    if (breakout && before && before.id === breakout.id) {
      const old = new Map(before.rooms.map((r) => [r.id, r]));
      breakout.rooms = breakout.rooms.map((r) => {
        const prior = old.get(r.id);
        const keep = !r.members && prior && prior.members && prior.members.length === r.count;
        return keep ? { ...r, members: prior.members } : r;
      });
    }
    if (breakout && before && before.id !== breakout.id) this.reports.clear();
    this.breakout = breakout;
  }

  /** Apply one event; returns the part of the view that changed (or null). */
  apply(type, data, message) {
    const handler = HANDLERS[type];
    return handler ? handler(this, data, message || {}) : null;
  }

  /** Apply the reply to a command this tab sent (`sent` its data); returns the part of the
   * view that changed (or null). */
  reply(type, sent, data) {
    const handler = REPLIES[type];
    return handler ? handler(this, data || {}, sent || {}) : null;
  }

  /** The person wants to answer a poll again (allow_change): forget their answer here. */
  changeVote(pollId) {
    this.myPolls.delete(pollId);
    return 'polls';
  }

  /** `room.join` answered: the room, its members, its report, and its recent chat merged
   * into what this tab holds. */
  enterRoom(room, reply) {
    const again = this.room && this.room.id === room.id;
    this.room = room;
    this.roomMembers = (reply && reply.members) || [];
    if (!again) this.messages = []; // joining the same room again keeps what was said
    this.messages = withHistory((reply && reply.messages) || [], this.messages);
    this.roomPublishers = (reply && reply.media && reply.media.publishers) || [];
    if (reply && reply.report) this.reports.set(room.id, reply.report);
  }

  leaveRoom() {
    this.room = null;
    this.roomMembers = [];
    this.messages = [];
    this.roomPublishers = [];
    this.closing = false;
  }

  myQuestion(q) {
    return this.mine.has(q.id) || !!(q.author && this.user && q.author.id === this.user.id);
  }
}

function votedIds(myVotes) {
  return Object.entries(myVotes || {}).filter(([, v]) => v === true).map(([id]) => id);
}

/** A room's chat after `room.join`: what this tab holds (broadcasts included) and the
 * reply's recent messages it lacks (said before it entered, or during a drop), by time. */
export function withHistory(history, current) {
  if (!history.length) return current;
  const ids = new Set(current.map((m) => m.id).filter(Boolean));
  const merged = [...current, ...history.filter((m) => !ids.has(m.id))];
  return merged.sort((a, b) => (a.at || 0) - (b.at || 0)); // stable: ties keep their order
}

function takeReports(s, reports) {
  for (const item of reports) if (item.report) s.reports.set(item.room.id, item.report);
}

function forgetPoll(s, id) {
  s.polls.delete(id);
  s.results.delete(id);
  return 'polls';
}

const HANDLERS = {
  // What comes on my own topic is about my own question.
  'qa.question': (s, d, msg) => {
    // My own topic follows me across sessions: keep only this session's questions.
    if (!d.question || (s.session && d.question.session !== s.session.id)) return null;
    if (d.question) s.putQuestion(d.question, String(msg.topic || '').startsWith('user:'));
    return 'qa';
  },
  'qa.votes': (s, d) => {
    for (const [id, n] of Object.entries(d.votes || {})) {
      const q = s.questions.get(id);
      if (q) s.questions.set(id, { ...q, votes: n });
    }
    return 'qa';
  },
  'qa.removed': (s, d) => { s.questions.delete(d.question); s.myVotes.delete(d.question); return 'qa'; },
  'poll.state': (s, d) => { if (d.poll) s.putPoll(d.poll); return 'polls'; },
  'poll.results': (s, d) => { s.results.set(d.poll, d); return 'polls'; },
  'poll.removed': (s, d) => forgetPoll(s, d.poll),
  // issue 14
  'poll.raw_results': (s, d) => { s.rawResults.set(d.poll, d); return 'polls'; },
  'survey.state': (s, d) => { if (d.survey) s.putSurvey(d.survey); return 'surveys'; },
  'survey.results': (s, d) => { s.surveyResults.set(d.survey, d); return 'surveys'; },
  caption: (s, d) => { s.putCaption(d.line); return 'captions'; }, // issue 17
  'survey.removed': (s, d) => { s.surveys.delete(d.survey); s.surveyResults.delete(d.survey); return 'surveys'; },
  'breakout.state': (s, d) => {
    const before = s.breakout;
    s.setBreakout(d.breakout);
    // The closing warning holds until the round closes or its end moves (extended).
    if (d.breakout.state !== 'open' || !before || before.ends_at !== d.breakout.ends_at) {
      s.closing = false;
    }
    return 'breakout';
  },
  'breakout.closing': (s) => { s.closing = true; return 'room'; },
  'breakout.message': (s, d) => { s.messages.push({ broadcast: true, ...d }); return 'room'; },
  'breakout.reports': (s, d) => { takeReports(s, d.reports); return 'reports'; },
  'breakout.report': (s, d) => { s.reports.set(d.room, d.report); return 'reports'; },
  'room.message': (s, d) => { s.messages.push(d.message); return 'room'; },
  'room.presence': (s, d) => { s.roomMembers = d.members; return 'room'; },
  presence: (s, d) => { s.presence = d; return 'presence'; },
  'session.updated': (s, d) => { s.session = d.session; return 'session'; },
  // -- the live room --
  reactions: (s, d) => { s.reactions = d.counts || null; return 'reactions'; },
  hands: (s, d) => { s.hands = d.queue || []; return 'floor'; },
  hand: (s, d) => {
    if (s.session && d.session !== s.session.id) return null;
    s.myHand = !!d.raised;
    return 'floor';
  },
  stage: (s, d) => { s.onStage = d.on_stage || []; return 'floor'; },
  'chat.message': (s, d) => { s.putChat(d.message); return 'chat'; },
  'chat.deleted': (s, d) => { s.chat = s.chat.filter((m) => m.id !== d.message); return 'chat'; },
  'chat.slow_mode': (s, d) => { s.chatSlow = d.slow_s || 0; return 'chat'; },
  'breakout.shared': (s, d) => { s.sharedReports = d; return 'shared'; },
  'media.publishers': (s, d, msg) => {
    if (String(msg.topic || '').startsWith('room:')) s.roomPublishers = d.publishers || [];
    else s.publishers = d.publishers || [];
    return 'media';
  },
};

/** The events this state follows (the session view subscribes to exactly these). */
export const EVENT_TYPES = Object.freeze(Object.keys(HANDLERS));
for (const type of EVENT_TYPES) {
  if (!EVENTS.includes(type)) throw new Error(`state.js handles ${type}, which the server never sends`);
}

function pollReply(s, r) {
  s.putPoll(r.poll);
  if (r.results) s.results.set(r.poll.id, r.results);
  return 'polls';
}

function breakoutReply(s, r) {
  s.setBreakout(r.breakout);
  return 'breakout';
}

function surveyReply(s, r) {
  if (r.survey) s.putSurvey(r.survey);
  return 'surveys';
}

const REPLIES = {
  'qa.ask': (s, r) => { s.putQuestion(r.question, true); return 'qa'; },
  'qa.edit': (s, r) => { if (r.question) s.questions.set(r.question.id, r.question); return 'qa'; },
  'qa.merge': (s, r, sent) => { s.questions.delete(sent.question); return 'qa'; },
  'hand.raise': (s) => { s.myHand = true; return 'floor'; },
  'hand.lower': (s, r, sent) => { if (!sent.user) s.myHand = false; return 'floor'; },
  'breakout.share': (s, r) => { s.sharedReports = r; return 'shared'; },
  'survey.save': (s, r, sent) => {
    s.mySurveys.set(sent.survey, { round: r.round, answers: r.answers, submitted: false });
    return 'surveys';
  },
  'survey.submit': (s, r, sent) => {
    s.mySurveys.set(sent.survey, { round: r.round, answers: {}, submitted: true });
    return 'surveys';
  },
  'survey.open': surveyReply,
  'survey.close': surveyReply,
  'survey.delete': (s, r, sent) => {
    s.surveys.delete(sent.survey);
    s.surveyResults.delete(sent.survey);
    return 'surveys';
  },
  'qa.vote': (s, r, sent) => {
    if (sent.up) s.myVotes.add(sent.question); else s.myVotes.delete(sent.question);
    const q = s.questions.get(sent.question);
    if (q) s.questions.set(q.id, { ...q, votes: r.votes });
    return 'qa';
  },
  'qa.withdraw': (s, r, sent) => { s.questions.delete(sent.question); return 'qa'; },
  'qa.moderate': (s, r) => { s.questions.set(r.question.id, r.question); return 'qa'; },
  'poll.create': pollReply,
  'poll.open': pollReply,
  'poll.close': pollReply,
  'poll.delete': (s, r, sent) => forgetPoll(s, sent.poll),
  'poll.vote': (s, r, sent) => {
    const { poll, ...answer } = sent;
    s.myPolls.set(poll, answer);
    return 'polls';
  },
  'breakout.create': breakoutReply,
  'breakout.assign': breakoutReply,
  'breakout.open': breakoutReply,
  'breakout.extend': breakoutReply,
  'breakout.close': breakoutReply,
  'session.update': (s, r) => { s.session = r.session; return 'session'; },
  'media.list': (s, r, sent) => {
    if (!sent.room) return null; // a session's list comes with the snapshot
    s.roomPublishers = r.publishers || [];
    if (r.ice_servers) s.iceServers = r.ice_servers;
    return 'media';
  },
};

/** "Recent": newest first, pinned still on top. */
export function sortRecent(list) {
  return [...list].sort((a, b) => (
    (b.pinned ? 1 : 0) - (a.pinned ? 1 : 0) || (Number(b.created_at) || 0) - (Number(a.created_at) || 0)
  ));
}

/** Questions as people expect them: pinned first, then most voted, then oldest first. */
export function sortQuestions(list) {
  return [...list].sort((a, b) => (
    (b.pinned ? 1 : 0) - (a.pinned ? 1 : 0)
    || (b.votes || 0) - (a.votes || 0)
    || String(a.created_at ?? '').localeCompare(String(b.created_at ?? ''), undefined, { numeric: true })
  ));
}
