/**
 * The ticket pane: header, conversation thread with the composer, and the side panel
 * (customer, properties, other tickets, activity). While a ticket is open its conversation is
 * followed live: new messages, the customer typing, read receipts and status or assignment changes.
 */
import * as api from './api.js';
import { announce } from './announce.js';
import { createComposer } from './composer.js';
import { activityLog, customerCard, otherTickets } from './customer.js';
import { byId, h } from './dom.js';
import { channelLabel, priorityLabel, statusPill, timeElement } from './format.js';
import { loadDirectory } from './directory.js';
import { createMacroMenu } from './macros.js';
import { createPropertiesForm } from './properties.js';
import { href } from './router.js';
import { Thread } from './thread.js';

const STALE_NOTICE = 'Someone else changed this ticket while you were editing it. '
  + 'The latest version is shown now — check it and make your change again.';
const TYPING_SHOWN_MS = 6000;
const REFRESH_DELAY_MS = 150;
const CHANGE_FRAMES = new Set(['status', 'assigned', 'rated', 'ticket_updated']);

/**
 * The right-hand pane. agent() is the signed-in agent, viewId() the current view,
 * onTicketChanged(ticket) lets the inbox follow edits, live is the LiveConnection.
 */
export class TicketPane {
  constructor({ agent, viewId, onTicketChanged, live }) {
    this.agent = agent;
    this.viewId = viewId;
    this.onTicketChanged = onTicketChanged;
    this.live = live;
    this.pane = byId('ticket-pane');
    this.emptyState = [...this.pane.childNodes];
    this.data = null;
    this.thread = null;
    this.loading = null;
    this.refreshTimer = null;
  }

  /** Open a ticket by id (does nothing if it is already open). */
  async open(ticketId) {
    if (this.data?.ticket.id === ticketId && !this.loading) return;
    this.loading?.abort();
    const controller = new AbortController();
    this.loading = controller;
    this.data = null;
    this.pane.setAttribute('aria-busy', 'true');
    this.pane.replaceChildren(h('p', { class: 'empty', text: `Loading ticket #${ticketId}…` }));
    try {
      const [data, directory] = await Promise.all([api.getTicket(ticketId, controller.signal), loadDirectory()]);
      this.directory = directory;
      this.render(data);
    } catch (error) {
      if (error.name === 'AbortError') return;
      this.pane.replaceChildren(h('div', { class: 'empty empty-large' },
        h('h2', { text: `Ticket #${ticketId} could not be opened` }),
        h('p', { role: 'alert', text: error.message })));
    } finally {
      if (this.loading === controller) {
        this.loading = null;
        this.pane.setAttribute('aria-busy', 'false');
      }
    }
  }

  /** Show the "no ticket selected" state. */
  close() {
    this.loading?.abort();
    this.loading = null;
    this.data = null;
    this.thread = null;
    clearTimeout(this.refreshTimer);
    this.pane.replaceChildren(...this.emptyState);
  }

  /** Follow the open conversation on the live connection and catch up on what was missed. */
  follow() {
    if (!this.data || !this.thread) return;
    const { ticket } = this.data;
    this.live.send({ type: 'resume', id: `resume-${ticket.id}`, conversation_id: ticket.conversation_id,
      after_seq: this.thread.lastSeq() });
    this.markRead();
  }

  /** Fetch the open ticket again; own: the change was this agent's (a kept, edited form moves onto it). */
  async refresh({ notice = '', own = false } = {}) {
    if (!this.data) return;
    const id = this.data.ticket.id;
    const data = await api.getTicket(id);
    if (this.data?.ticket.id !== id) return;
    this.data = data;
    this.thread.add(...(data.messages ?? []));
    this.renderHeader();
    this.renderSide({ notice, own });
    this.onTicketChanged(data.ticket);
  }

  /** A live frame: act on it when it concerns the open ticket. */
  receive(frame) {
    if (!this.data || !this.thread) return;
    const { ticket } = this.data;
    if (frame.ticket_id !== ticket.id && frame.conversation_id !== ticket.conversation_id
        && frame.ticket?.id !== ticket.id) return;
    if (frame.type === 'message' && frame.message) this.receiveMessage(frame);
    else if (frame.type === 'typing') this.showTyping(frame);
    else if (frame.type === 'read' && frame.reader === 'customer') this.thread.markSeen(frame.seq);
    else if (frame.type === 'resumed') this.thread.markSeen(frame.read_seq);
    else if (CHANGE_FRAMES.has(frame.type)) {
      if (frame.type !== 'ticket_updated' || frame.ticket?.version !== ticket.version) this.scheduleRefresh();
    }
  }

  receiveMessage(frame) {
    const message = { seq: frame.seq, ...frame.message };
    const known = this.thread.byId.has(message.id ?? `seq-${message.seq}`);
    this.thread.add(message);
    if (known || message.author_type !== 'customer') return;
    this.hideTyping();
    announce(`New message from ${this.thread.authorName(message)}`);
    this.markRead();
  }

  showTyping(frame) {
    if (frame.author_type === 'agent' && frame.author_id === this.agent()?.id) return;
    if (frame.state !== 'start') {
      this.hideTyping();
      return;
    }
    const who = frame.author_type === 'customer' ? this.thread.names.customer || 'The customer'
      : frame.author_name || 'Another agent';
    this.typing.textContent = `${who} is typing…`;
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => this.hideTyping(), TYPING_SHOWN_MS);
  }

  hideTyping() {
    clearTimeout(this.typingTimer);
    if (this.typing) this.typing.textContent = '';
  }

  markRead() {
    const seq = this.thread?.lastSeq() ?? 0;
    if (!this.data || seq <= (this.readSeq ?? 0) || document.visibilityState !== 'visible') return;
    if (this.live.send({ type: 'read', conversation_id: this.data.ticket.conversation_id, seq })) this.readSeq = seq;
  }

  scheduleRefresh(options = {}) {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => this.refresh(options).catch(() => {}), REFRESH_DELAY_MS);
  }

  render(data) {
    this.data = data;
    this.readSeq = 0;
    this.properties = null;
    const customerName = data.customer?.name || data.customer?.email || '';
    this.thread = new Thread({ customer: customerName, agent: this.agent(), agents: this.directory?.agents ?? [] },
      { openAttachment: (attachment) => this.openAttachment(attachment) });
    this.thread.add(...(data.messages ?? []));
    this.typing = h('p', { class: 'typing', 'aria-live': 'polite' });
    this.header = h('header', { class: 'ticket-header' });
    this.side = h('aside', { class: 'ticket-side', 'aria-label': 'Customer and ticket details' });
    // Kept across header redraws, so a live refresh does not close an open menu.
    this.macroMenu = this.agent()?.role === 'light_agent' ? null
      : createMacroMenu({ onApply: (macro) => this.applyMacro(macro) });
    const { conversation_id: conversationId, id: ticketId } = data.ticket;
    const composer = createComposer({
      role: this.agent()?.role,
      customerName,
      onSend: (body, isPublic, attachments) => this.send(body, isPublic, attachments),
      onTyping: (state) => this.live.send({ type: 'typing', conversation_id: conversationId, state }),
      shortcuts: { list: api.listShortcuts, render: (name) => api.renderShortcut(ticketId, name) },
      upload: (file) => api.uploadAttachment(ticketId, file),
    });
    this.pane.replaceChildren(h('article', { class: 'ticket', 'aria-labelledby': 'ticket-subject' },
      this.header,
      h('div', { class: 'ticket-body' },
        h('section', { class: 'conversation', 'aria-label': 'Conversation and reply' },
          h('div', { class: 'conversation-scroll' }, this.thread.element, this.typing),
          composer),
        this.side)));
    this.renderHeader();
    this.renderSide();
    this.thread.scrollToEnd();
    document.title = `#${data.ticket.id} ${data.ticket.subject} · Parley`;
    this.follow();
  }

  renderHeader() {
    const { ticket } = this.data;
    const facts = [`Ticket #${ticket.id}`, `via ${channelLabel(ticket.channel)}`, ticket.department]
      .filter(Boolean).join(' · ');
    this.header.replaceChildren(
      h('a', { class: 'back-link', href: href(this.viewId()), text: '← Back to tickets' }),
      h('div', { class: 'ticket-heading' },
        h('p', { class: 'ticket-ref' }, `${facts} · opened `, timeElement(ticket.created_at, false)),
        h('h2', { id: 'ticket-subject', class: 'ticket-subject', text: ticket.subject || '(no subject)' }),
        (ticket.tags ?? []).length > 0 && h('ul', { class: 'tags', 'aria-label': 'Tags' },
          ticket.tags.map((tag) => h('li', { class: 'tag', text: tag })))),
      h('div', { class: 'ticket-badges' },
        ticket.status !== 'closed' && this.macroMenu,
        statusPill(ticket.status),
        ticket.priority && ticket.priority !== 'normal'
          && h('span', { class: `priority priority-${ticket.priority}`, text: priorityLabel(ticket.priority) })));
  }

  /**
   * Redraw the side panel section by section. A properties form with unsaved edits is left in place
   * (focus and typing survive); it moves onto the new version only for the agent's own changes.
   */
  renderSide({ notice = '', own = false, freshForm = false } = {}) {
    const { ticket, customer = {}, customer_tickets: others = [], audit = [] } = this.data;
    const keep = !notice && !freshForm && this.properties?.isDirty() ? this.properties : null;
    if (keep && own) keep.rebase(ticket);
    this.properties = keep ?? createPropertiesForm({
      ticket, agent: this.agent(), directory: this.directory,
      onSave: (changes, base) => this.save(changes, base),
    });
    const sections = [
      notice ? h('p', { class: 'banner banner-warning', role: 'alert', text: notice }) : h('div', { hidden: true }),
      customerCard(customer),
      this.properties.element,
      otherTickets(others, this.viewId()),
      activityLog(audit, this.side.querySelector('details.activity')?.open),
    ];
    if (this.side.children.length !== sections.length) {
      this.side.replaceChildren(...sections);
      return;
    }
    sections.forEach((section, index) => {
      const current = this.side.children[index];
      if (current !== section) current.replaceWith(section);
    });
  }

  async send(body, isPublic, attachments) {
    const ticketId = this.data.ticket.id;
    const result = await api.addMessage(ticketId, body, isPublic, attachments);
    if (this.data?.ticket.id !== ticketId) return;
    if (result?.message) this.thread.add(result.message);
    this.thread.scrollToEnd();
    announce(isPublic ? 'Reply sent' : 'Internal note added');
    // A reply may change the ticket (status, version); show the server's view of it.
    this.refresh({ own: true }).catch(() => {});
  }

  /** Download a file a message carries, through a short-lived link the API hands out. */
  async openAttachment(attachment) {
    const { url } = await api.attachmentLink(this.data.ticket.id, attachment.key);
    const link = h('a', { href: url, download: attachment.filename, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
  }

  /**
   * Apply a macro to the open ticket on the version shown. When a colleague changed the ticket
   * first the server refuses (409); the latest version is shown and its message passed on.
   */
  async applyMacro(macro) {
    const { ticket } = this.data;
    try {
      await api.applyMacro(ticket.id, macro.id, ticket.version);
    } catch (error) {
      if (error instanceof api.ApiError && error.status === 409) this.refresh().catch(() => {});
      throw error;
    }
    if (this.data?.ticket.id !== ticket.id) return;
    announce(`Macro ${macro.title} applied`);
    await this.refresh({ own: true });
  }

  /**
   * Save property changes made on `base` (the ticket the form showed). When someone else changed the
   * ticket meanwhile (409) but not the same fields, the changes are applied to the latest version;
   * when they changed a field this agent also changed, nothing is overwritten and the agent is told.
   */
  async save(changes, base) {
    let result;
    try {
      result = await api.updateTicket(base.id, base.version, changes);
    } catch (error) {
      if (!(error instanceof api.ApiError) || error.status !== 409) throw error;
      result = await this.saveOnLatest(changes, base);
      if (!result) return;
    }
    if (this.data?.ticket.id !== base.id) return;
    this.data.ticket = { ...this.data.ticket, ...result.ticket };
    this.renderHeader();
    this.renderSide({ freshForm: true });
    this.onTicketChanged(this.data.ticket);
    announce('Ticket updated');
    // The audit trail and the customer's ticket list may have changed too.
    this.refresh({ own: true }).catch(() => {});
  }

  async saveOnLatest(changes, base) {
    const latest = await api.getTicket(base.id);
    if (!touchedByOthers(changes, base, latest.ticket)) {
      try {
        return await api.updateTicket(base.id, latest.ticket.version, changes);
      } catch (error) {
        if (!(error instanceof api.ApiError) || error.status !== 409) throw error;
      }
    }
    await this.refresh({ notice: STALE_NOTICE });
    announce(STALE_NOTICE);
    return null;
  }
}

function comparable(field, value) {
  if (field === 'tags') return [...(value ?? [])].sort().join(' ');
  return value ?? '';
}

/** Whether any field in changes differs between what the agent started from and the latest ticket. */
function touchedByOthers(changes, base, latest) {
  return Object.keys(changes).some((field) => comparable(field, base[field]) !== comparable(field, latest[field]));
}
