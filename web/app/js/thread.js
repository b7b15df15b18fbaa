/**
 * The conversation thread of a ticket: customer messages, public replies and internal notes
 * (yellow, labelled), in sequence order, with the files each carries. Bodies are shown as text,
 * exactly as written.
 */
import { attachmentList } from './attachments.js';
import { h } from './dom.js';
import { channelLabel, initials, timeElement } from './format.js';

/** A list of messages that keeps order by seq and ignores duplicates (live + reload). */
export class Thread {
  /**
   * names: {customer: "Mia Chen", agent: {id, name}, agents: [{id, name}]} used to name authors;
   * openAttachment(attachment) opens a file a message carries (rejects with a reason to show).
   */
  constructor(names, { openAttachment } = {}) {
    this.names = names;
    this.openAttachment = openAttachment;
    this.byId = new Map();
    // New messages are announced briefly by the ticket pane, not read out in full here.
    this.element = h('ol', { class: 'thread', 'aria-label': 'Conversation' });
  }

  /** Add messages not yet shown; scroll to the newest if the reader was already at the bottom. */
  add(...messages) {
    const scroller = this.element.closest('.conversation-scroll');
    const atBottom = !scroller || scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
    for (const message of messages) {
      const key = message.id ?? `seq-${message.seq}`;
      if (this.byId.has(key)) continue;
      const item = this.render(message);
      this.byId.set(key, item);
      const later = [...this.element.children].find((el) => Number(el.dataset.seq) > Number(message.seq));
      this.element.insertBefore(item, later ?? null);
    }
    if (atBottom) this.scrollToEnd();
  }

  /** The highest message sequence shown (0 when empty). */
  lastSeq() {
    return Math.max(0, ...[...this.element.children].map((el) => Number(el.dataset.seq) || 0)
      .filter((seq) => seq < Number.MAX_SAFE_INTEGER));
  }

  /** Mark the customer as having read up to seq: "Seen" under the latest public reply they read. */
  markSeen(seq) {
    if (!(seq > 0)) return;
    const replies = [...this.element.querySelectorAll('.message-agent')]
      .filter((el) => Number(el.dataset.seq) <= seq);
    const latest = replies.at(-1);
    if (!latest || latest.querySelector('.message-seen')) return;
    this.element.querySelector('.message-seen')?.remove();
    latest.querySelector('.message-card').append(h('p', { class: 'message-seen', text: 'Seen by customer' }));
  }

  /** Show the newest message. */
  scrollToEnd() {
    const scroller = this.element.closest('.conversation-scroll');
    if (scroller) scroller.scrollTop = scroller.scrollHeight;
  }

  authorName(message) {
    if (message.author_name) return message.author_name;
    if (message.author_type === 'customer') return this.names.customer || 'Customer';
    if (message.author_type === 'system') return 'Parley';
    if (message.author_id && message.author_id === this.names.agent?.id) return this.names.agent.name || 'You';
    const known = (this.names.agents ?? []).find((agent) => agent.id === message.author_id);
    return known?.name || 'Agent';
  }

  render(message) {
    const seq = message.seq ?? Number.MAX_SAFE_INTEGER;
    if (message.author_type === 'system') {
      return h('li', { class: 'message message-system', dataset: { seq } },
        h('p', {}, h('span', { class: 'message-body', text: message.body }), ' · ',
          timeElement(message.created_at, false)));
    }
    const note = message.public === false;
    const kind = note ? 'note' : message.author_type === 'customer' ? 'customer' : 'agent';
    const name = this.authorName(message);
    return h('li', { class: `message message-${kind}`, dataset: { seq, messageId: message.id ?? '' } },
      h('span', { class: `avatar avatar-${kind}`, 'aria-hidden': 'true', text: initials(name) }),
      h('article', { class: 'message-card', 'aria-label': `${note ? 'Internal note' : 'Message'} from ${name}` },
        h('header', { class: 'message-header' },
          h('span', { class: 'message-author', text: name }),
          note && h('span', { class: 'badge badge-note', text: 'Internal note' }),
          !note && kind === 'agent' && h('span', { class: 'badge badge-reply', text: 'Public reply' }),
          message.channel && !note && h('span', { class: 'message-channel', text: `via ${channelLabel(message.channel)}` }),
          timeElement(message.created_at, false)),
        h('div', { class: 'message-body', text: message.body ?? '' }),
        message.attachments?.length > 0 && attachmentList(message.attachments, this.openAttachment)));
  }
}
