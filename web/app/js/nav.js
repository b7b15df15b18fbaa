/**
 * The left nav: the app's ticket views, the views kept on the server with their counts, the live
 * monitor, and — for admins only — the admin section. Counts are fetched again when tickets move.
 */
import { ADMIN_SECTIONS } from './admin/index.js';
import { byId, h, show } from './dom.js';
import { href, pageHref, serverViewKey } from './router.js';
import { onServerViews, refreshServerViews, serverViews } from './server_views.js';
import { VIEWS } from './views.js';

const COUNT_DELAY_MS = 800;
const TICKET_FRAMES = new Set(['ticket_created', 'ticket_updated', 'status', 'assigned']);

function link(text, target, current, extra = {}) {
  return h('li', {}, h('a', { class: 'view-link', href: target, 'aria-current': current ? 'page' : null, text, ...extra }));
}

/** The nav; agent() is the signed-in agent (its role decides whether the admin section shows). */
export class Nav {
  constructor({ agent }) {
    this.agent = agent;
    this.route = { page: 'inbox', view: null };
    this.countTimer = null;
    onServerViews(() => this.render());
  }

  /** Draw the nav for this route (the current one is marked). */
  render(route = this.route) {
    this.route = route;
    const { page, view, section } = route;
    const onView = (id) => page === 'inbox' && view === id;
    byId('view-list').replaceChildren(...VIEWS.map((item) => link(item.label, href(item.id), onView(item.id))));
    const saved = serverViews();
    byId('server-view-list').replaceChildren(...saved.map((item) => {
      const key = serverViewKey(item.id);
      const count = Number(item.count ?? 0);
      return h('li', {}, h('a', {
        class: 'view-link view-link-count', href: href(key), 'aria-current': onView(key) ? 'page' : null,
        'aria-label': `${item.name}, ${count} ticket${count === 1 ? '' : 's'}`,
      }, h('span', { class: 'view-name', text: item.name }), h('span', { class: 'view-count', text: String(count) })));
    }));
    show(byId('server-view-list'), saved.length > 0);
    byId('tool-list').replaceChildren(link('Monitor', pageHref('monitor'), page === 'monitor'));
    const admin = this.agent()?.role === 'admin';
    show(byId('admin-nav'), admin);
    byId('admin-list').replaceChildren(...(admin ? ADMIN_SECTIONS.map((item) =>
      link(item.label, pageHref('admin', item.id), page === 'admin' && section === item.id)) : []));
  }

  /** Fetch the server views and their counts again. */
  refreshCounts() {
    clearTimeout(this.countTimer);
    return refreshServerViews();
  }

  /** A live frame: when tickets were created or moved, the counts change; fetch them shortly. */
  receive(frame) {
    if (!TICKET_FRAMES.has(frame.type)) return;
    clearTimeout(this.countTimer);
    this.countTimer = setTimeout(() => refreshServerViews(), COUNT_DELAY_MS);
  }

  /** Stop (sign out). */
  stop() {
    clearTimeout(this.countTimer);
  }
}
