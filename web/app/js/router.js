/**
 * Where the agent is, kept in the URL hash so reload and back/forward work:
 *   #/<view> shows a view, #/<view>/<ticket id> also opens a ticket;
 *   #/views/<id>[/<ticket id>] is a view kept on the server (built-in or saved by an admin);
 *   #/monitor, #/admin/<section> and #/customers/<id> are full-width pages.
 */
export const DEFAULT_VIEW = 'all';

const TICKET_ID = /^\d+$/;
const SERVER_VIEW_ID = /^[\w-]{1,64}$/;

function parts() {
  return location.hash.replace(/^#\/?/, '').split('/').map((part) => {
    try {
      return decodeURIComponent(part);
    } catch {
      return part;
    }
  });
}

function ticketOf(value) {
  return TICKET_ID.test(value ?? '') ? Number(value) : null;
}

/**
 * The current route: {page, view, ticketId, section, id}. page is "inbox" (a view, maybe with a
 * ticket open), "monitor", "admin" (section names which) or "customer" (id names whom).
 * knownViews are the app's own view ids; anything else falls back to the default view.
 */
export function currentRoute(knownViews) {
  const [first, second, third] = parts();
  if (first === 'monitor') return { page: 'monitor', view: null, ticketId: null };
  if (first === 'admin') return { page: 'admin', section: second || 'departments', view: null, ticketId: null };
  if (first === 'customers' && second) return { page: 'customer', id: second, view: null, ticketId: null };
  if (first === 'views' && SERVER_VIEW_ID.test(second ?? '')) {
    return { page: 'inbox', view: serverViewKey(second), ticketId: ticketOf(third) };
  }
  return { page: 'inbox', view: knownViews.includes(first) ? first : DEFAULT_VIEW, ticketId: ticketOf(second) };
}

/** The view key the inbox uses for a view kept on the server. */
export function serverViewKey(id) {
  return `views/${id}`;
}

/** The href for a view, optionally with a ticket open. */
export function href(view, ticketId = null) {
  return ticketId === null ? `#/${view}` : `#/${view}/${ticketId}`;
}

/** The href for a full-width page: pageHref('admin', 'triggers'), pageHref('customers', id). */
export function pageHref(...path) {
  return `#/${path.map((part) => encodeURIComponent(part)).join('/')}`;
}

/** Go to a view/ticket; the hashchange listener does the rest. */
export function navigate(view, ticketId = null) {
  const target = href(view, ticketId);
  if (location.hash !== target) location.hash = target;
}

/** Go to a full-width page (see pageHref). */
export function navigateToPage(...path) {
  const target = pageHref(...path);
  if (location.hash !== target) location.hash = target;
}

/** Call onChange() whenever the route changes. */
export function onRouteChange(onChange) {
  window.addEventListener('hashchange', onChange);
}
