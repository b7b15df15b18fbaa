/**
 * The full-width pages that take the place of the inbox and ticket: the monitor, the admin
 * section and the customer page. One page at a time; it is stopped (timers, requests) when left.
 */
import { createAdminPage } from './admin/index.js';
import { CustomerPage } from './customer_page.js';
import { byId, show } from './dom.js';
import { MonitorPage } from './monitor.js';

function keyOf(route) {
  if (route.page === 'admin') return `admin/${route.section}`;
  if (route.page === 'customer') return `customers/${route.id}`;
  return route.page;
}

/** Shows the page a route names in #page; agent() is the signed-in agent. */
export class PageHost {
  constructor({ agent }) {
    this.agent = agent;
    this.element = byId('page');
    this.page = null;
    this.key = null;
  }

  /** Show the route's page (does nothing when it is already shown). */
  show(route) {
    const key = keyOf(route);
    if (key === this.key) return;
    this.hide();
    this.key = key;
    if (route.page === 'monitor') this.page = new MonitorPage();
    else if (route.page === 'customer') this.page = new CustomerPage({ agent: this.agent }, route.id);
    else this.page = createAdminPage(route.section, this.agent());
    this.element.replaceChildren(this.page.element);
    show(this.element, true);
    document.title = `${this.page.title} · Parley`;
    this.page.start?.();
    this.element.querySelector('#page-title')?.focus({ preventScroll: true });
  }

  /** Leave the page (back to the inbox, or sign out). */
  hide() {
    this.page?.stop?.();
    this.page = null;
    this.key = null;
    this.element.replaceChildren();
    show(this.element, false);
  }

  /** A live frame for the page on show. */
  receive(frame) {
    this.page?.receive?.(frame);
  }
}
