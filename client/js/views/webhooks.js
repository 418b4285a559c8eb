// Webhooks in the organisers' pages: endpoints per event (added later by the webhooks API).
import { h } from '../dom.js';

export function webhooksPanel() {
  return h('div', {});
}
