/**
 * The inbox: the tickets of one view, newest first, a page at a time ("Load more"),
 * with new tickets added live at the top. Views kept on the server come in one answer.
 */
import * as api from './api.js';
import { announce } from './announce.js';
import { byId, h, show } from './dom.js';
import { channelLabel, priorityLabel, statusPill, timeElement } from './format.js';
import { href } from './router.js';
import { ticketBelongs, viewById } from './views.js';

/** The inbox pane; `agent()` returns the signed-in agent (for the "Mine" view). */
export class Inbox {
  constructor({ agent }) {
    this.agent = agent;
    this.list = byId('ticket-list');
    this.title = byId('inbox-title');
    this.error = byId('inbox-error');
    this.empty = byId('inbox-empty');
    this.more = byId('inbox-more');
    this.view = null;
    this.rows = new Map();
    this.selectedId = null;
    this.cursor = null;
    this.loading = null;
    this.more.addEventListener('click', () => this.loadMore());
    byId('inbox-refresh').addEventListener('click', () => this.reload());
  }

  /** Show a view (reloading only when it changed). */
  show(viewId) {
    if (this.view?.id === viewId) return;
    this.view = viewById(viewId);
    this.title.textContent = this.view.label;
    this.reload();
  }

  /** Stop showing a view (a full-width page took its place); the next show() loads afresh. */
  leave() {
    this.loading?.abort();
    this.loading = null;
    this.view = null;
  }

  /** Fetch the first page of the current view again. */
  reload() {
    this.loading?.abort();
    this.rows.clear();
    this.list.replaceChildren();
    this.cursor = null;
    show(this.empty, false);
    this.fetchPage();
  }

  /** Append the next page. */
  loadMore() {
    if (this.cursor && !this.loading) this.fetchPage(this.cursor);
  }

  async fetchPage(cursor = null) {
    const controller = new AbortController();
    this.loading = controller;
    this.list.setAttribute('aria-busy', 'true');
    this.more.disabled = true;
    show(this.error, false);
    try {
      const page = this.view.server ? await this.fetchServerView(controller.signal)
        : await api.listTickets({ ...this.view.query, cursor }, controller.signal);
      for (const ticket of page.tickets ?? []) this.put(ticket, { atTop: false });
      this.cursor = page.next_cursor ?? null;
      if (cursor) announce(`${(page.tickets ?? []).length} more tickets loaded`);
    } catch (error) {
      if (error.name === 'AbortError') return;
      this.error.textContent = `Tickets could not be loaded: ${error.message}`;
      show(this.error, true);
    } finally {
      if (this.loading === controller) {
        this.loading = null;
        this.list.setAttribute('aria-busy', 'false');
        this.more.disabled = false;
        show(this.more, Boolean(this.cursor));
        show(this.empty, this.rows.size === 0 && this.error.hidden);
      }
    }
  }

  /** A server view's tickets, all at once; its answer also names the view and its filter. */
  async fetchServerView(signal) {
    const result = await api.viewTickets(this.view.serverId, signal);
    if (result.view) {
      this.view = { ...this.view, label: result.view.name ?? this.view.label, filter: result.view.filter ?? null };
      this.title.textContent = this.view.label;
      if (!document.body.classList.contains('has-ticket')) document.title = `${this.view.label} · Parley`;
    }
    return { tickets: result.tickets ?? [], next_cursor: null };
  }

  /** A ticket created elsewhere just now: add it at the top if it belongs in this view. */
  addLive(ticket) {
    if (!this.view || this.rows.has(ticket.id)) return;
    if (!ticketBelongs(this.view, ticket, this.agent()?.id)) return;
    const row = this.put(ticket, { atTop: true });
    row.classList.add('is-fresh');
    show(this.empty, false);
    announce(`New ticket: ${ticket.subject}`);
  }

  /**
   * A ticket changed (by this agent or live; `ticket` may hold only the changed fields): update its
   * row, or drop it when it left this view. addIfMissing adds it at the top when it now belongs here.
   */
  update(ticket, { addIfMissing = false } = {}) {
    if (!this.view) return;
    const row = this.rows.get(ticket.id);
    const merged = { ...row?.ticket, ...ticket };
    const belongs = ticketBelongs(this.view, merged, this.agent()?.id);
    if (row && !belongs && ticket.id !== this.selectedId) {
      row.remove();
      this.rows.delete(ticket.id);
    } else if (row) {
      this.put(merged, { atTop: false });
    } else if (addIfMissing && belongs && merged.subject) {
      this.put(merged, { atTop: true }).classList.add('is-fresh');
      show(this.empty, false);
    }
  }

  /** Mark the open ticket's row (null: none). */
  select(ticketId) {
    this.selectedId = ticketId;
    for (const [id, row] of this.rows) {
      const link = row.querySelector('a');
      if (id === ticketId) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
  }

  put(ticket, { atTop }) {
    const row = this.renderRow(ticket);
    const existing = this.rows.get(ticket.id);
    this.rows.set(ticket.id, row);
    if (existing) existing.replaceWith(row);
    else if (atTop) this.list.prepend(row);
    else this.list.append(row);
    return row;
  }

  renderRow(ticket) {
    const important = ticket.priority === 'high' || ticket.priority === 'urgent';
    const meta = [`#${ticket.id}`, channelLabel(ticket.channel), ticket.department].filter(Boolean).join(' · ');
    const link = h('a', {
      class: 'ticket-row', href: href(this.view.id, ticket.id),
      'aria-current': ticket.id === this.selectedId ? 'page' : null,
    },
    h('span', { class: 'ticket-row-main' },
      h('span', { class: 'ticket-row-subject', text: ticket.subject || '(no subject)' }),
      h('span', { class: 'ticket-row-meta' }, meta,
        important && h('span', { class: `priority priority-${ticket.priority}`, text: priorityLabel(ticket.priority) }))),
    h('span', { class: 'ticket-row-side' }, statusPill(ticket.status), timeElement(ticket.updated_at || ticket.created_at)));
    const row = h('li', { class: `ticket-item status-${ticket.status}`, dataset: { ticketId: ticket.id } }, link);
    row.ticket = ticket;
    return row;
  }
}
