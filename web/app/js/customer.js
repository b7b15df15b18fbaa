/** The side panel's customer card, their other tickets, and the ticket's activity log. */
import { h } from './dom.js';
import { channelLabel, initials, statusPill, timeElement } from './format.js';
import { href, pageHref } from './router.js';

/** Who the customer is and how to reach them (every identity on every channel). */
export function customerCard(customer) {
  const name = customer.name || customer.email || 'Unknown customer';
  // Anonymous web visitors are identified by a random id that means nothing to a person.
  const identities = (customer.identities ?? [])
    .filter((identity) => identity.address !== customer.email && identity.channel !== 'web');
  return h('section', { class: 'side-section customer', 'aria-labelledby': 'customer-title' },
    h('div', { class: 'side-title-row' },
      h('h3', { id: 'customer-title', class: 'side-title', text: 'Customer' }),
      customer.id && h('a', { class: 'side-link', href: pageHref('customers', customer.id),
        text: 'Customer page', 'aria-label': `Customer page of ${name}` })),
    h('div', { class: 'customer-head' },
      h('span', { class: 'avatar avatar-customer avatar-large', 'aria-hidden': 'true', text: initials(name) }),
      h('div', {},
        h('p', { class: 'customer-name', text: name }),
        customer.email && h('p', { class: 'customer-email', text: customer.email }))),
    h('dl', { class: 'facts' },
      customer.organization && [h('dt', { text: 'Organization' }), h('dd', { text: customer.organization })],
      customer.phone && [h('dt', { text: 'Phone' }), h('dd', { text: customer.phone })],
      identities.map((identity) => [
        h('dt', { text: channelLabel(identity.channel) }), h('dd', { text: identity.address })]),
      customer.created_at && [h('dt', { text: 'Customer since' }), h('dd', {}, timeElement(customer.created_at, false))]));
}

/** Links to the customer's other tickets, on any channel. */
export function otherTickets(tickets, viewId) {
  return h('section', { class: 'side-section', 'aria-labelledby': 'other-tickets-title' },
    h('h3', { id: 'other-tickets-title', class: 'side-title', text: `Other tickets (${tickets.length})` }),
    tickets.length === 0
      ? h('p', { class: 'hint', text: 'No other tickets from this customer.' })
      : h('ul', { class: 'other-tickets' }, tickets.map((ticket) => h('li', {},
        h('a', { href: href(viewId, ticket.id) },
          h('span', { class: 'other-ticket-subject', text: ticket.subject || '(no subject)' }),
          h('span', { class: 'other-ticket-meta' }, statusPill(ticket.status),
            ` #${ticket.id} · ${channelLabel(ticket.channel)} · `, timeElement(ticket.created_at)))))));
}

function describeActor(actor) {
  const [kind, id] = String(actor ?? '').split('#');
  if (kind === 'customer') return 'Customer';
  if (kind === 'agent') return `Agent ${id}`;
  return kind ? kind.charAt(0).toUpperCase() + kind.slice(1) : 'Parley';
}

function describeAction(action) {
  const text = String(action ?? '').replaceAll('_', ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The audit trail: who did what, when (collapsed unless open). */
export function activityLog(audit, open = false) {
  return h('details', { class: 'side-section activity', open },
    h('summary', { class: 'side-title', text: `Activity (${audit.length})` }),
    h('ol', { class: 'activity-list' }, [...audit].reverse().map((entry) => h('li', {},
      h('span', { class: 'activity-action', text: describeAction(entry.action) }),
      h('span', { class: 'activity-meta' }, `${describeActor(entry.actor)} · `, timeElement(entry.at, false))))));
}
