/**
 * The nav's ticket views: the app's own (All, Mine, New, Open, Pending, Solved), listed through
 * /api/tickets, and the views kept on the server (built-in and saved by admins, with counts),
 * listed through /api/views/{id}/tickets. Also which live tickets belong in each.
 */
import { serverView } from './server_views.js';

export const VIEWS = [
  { id: 'all', label: 'All tickets', query: {} },
  { id: 'mine', label: 'Mine', query: { assignee: 'me' } },
  { id: 'new', label: 'New', query: { status: 'new' } },
  { id: 'open', label: 'Open', query: { status: 'open' } },
  { id: 'pending', label: 'Pending', query: { status: 'pending' } },
  { id: 'solved', label: 'Solved', query: { status: 'solved' } },
];

export const VIEW_IDS = VIEWS.map((view) => view.id);

const SERVER_PREFIX = 'views/';

/**
 * The view with this id (the first view when unknown). A server view's id is "views/<id>"; its
 * name and filter come from the last /api/views answer, or from its tickets' answer later.
 */
export function viewById(id) {
  if (typeof id === 'string' && id.startsWith(SERVER_PREFIX)) {
    const serverId = id.slice(SERVER_PREFIX.length);
    const known = serverView(serverId);
    return { id, serverId, server: true, label: known?.name ?? 'View', filter: known?.filter ?? null };
  }
  return VIEWS.find((view) => view.id === id) ?? VIEWS[0];
}

/** Whether a ticket belongs in a view, for tickets that arrive or change live. */
export function ticketBelongs(view, ticket, agentId) {
  if (view.server) return matchesFilter(view.filter, ticket, agentId);
  if (view.query.status && ticket.status !== view.query.status) return false;
  if (view.query.assignee === 'me' && ticket.assignee_id !== agentId) return false;
  return true;
}

/**
 * A server view's filter applied to one ticket, as the server applies it. Filters on time
 * ("updated more than N hours ago") are left to the server: such a view is refreshed, not patched.
 */
export function matchesFilter(filter, ticket, agentId) {
  if (!filter || filter.updated_more_than_hours_ago !== undefined) return false;
  const statuses = filter.status ?? [];
  if (statuses.length && !statuses.includes(ticket.status)) return false;
  const { assignee } = filter;
  if (assignee === 'none' && ticket.assignee_id) return false;
  if (assignee === 'me' && ticket.assignee_id !== agentId) return false;
  if (assignee && assignee !== 'none' && assignee !== 'me' && ticket.assignee_id !== assignee) return false;
  if (filter.department && ticket.department !== filter.department) return false;
  if (filter.channel && ticket.channel !== filter.channel) return false;
  const tags = ticket.tags ?? [];
  return (filter.tags ?? []).every((tag) => tags.includes(tag));
}
