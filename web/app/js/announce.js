/** Polite screen-reader announcements through the page's aria-live region. */
import { byId } from './dom.js';

let clearTimer;

/** Say text to assistive technology without moving focus. */
export function announce(text) {
  const region = byId('announcer');
  region.textContent = '';
  // A fresh text node after clearing makes repeated messages heard again.
  requestAnimationFrame(() => { region.textContent = text; });
  clearTimeout(clearTimer);
  clearTimer = setTimeout(() => { region.textContent = ''; }, 7000);
}
