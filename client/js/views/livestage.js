// The stage as the live room shows it: the video stage with reactions floating over it and
// their counts, the reaction buttons, and for attendees the raised hand (and, once a
// moderator brings them up, their own camera).

import { h } from '../dom.js';
import { reactionsBar, reactionsOverlay } from './reactions.js';
import { handControl } from './floor.js';
import { stagePanel } from './stage.js';

/** `who`: 'attendee' (reacts, raises a hand), or 'presenter' (sees the reactions only). */
export function liveStage(ctx, who) {
  const attendee = who === 'attendee';
  const stage = stagePanel(ctx, attendee ? () => ctx.state.amOnStage() : true);
  const overlay = reactionsOverlay();
  stage.el.classList.add('live-stage');
  stage.el.querySelector('.videos').after(overlay.counts);
  stage.el.append(overlay.floats);
  const hand = attendee ? handControl(ctx) : null;
  if (attendee) stage.el.append(h('div', { class: 'row wrap spread live-tools' }, reactionsBar(ctx), hand.el));
  stage.update('media'); // in the room, a quiet stage keeps only these tools
  return {
    el: stage.el,
    update(area) {
      stage.update(area);
      if (area === 'reactions') overlay.show(ctx.state.reactions);
      if (hand && (area === 'floor' || area === 'all')) hand.render();
    },
    destroy: stage.destroy,
  };
}
