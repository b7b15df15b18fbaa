/**
 * The customer page: who the customer is on every channel, their satisfaction ratings, and their
 * whole history (open and past tickets on any channel, with channel badges). Agents and admins can
 * merge the customer into another one when the same person wrote from two addresses.
 */
import * as api from './api.js';
import { announce } from './announce.js';
import { h, show } from './dom.js';
import { channelLabel, initials, statusPill, timeElement } from './format.js';
import { card, errorBanner, pageHeader } from './page.js';
import { href, navigateToPage } from './router.js';

/** A small coloured badge naming a channel. */
export function channelBadge(channel) {
  return h('span', { class: `channel-badge channel-${channel}`, text: channelLabel(channel) });
}

function ticketList(tickets, emptyText) {
  if (tickets.length === 0) return h('p', { class: 'hint', text: emptyText });
  const sorted = [...tickets].sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)));
  return h('ul', { class: 'history' }, sorted.map((ticket) => h('li', { class: 'history-item' },
    h('a', { class: 'history-link', href: href('all', ticket.id) },
      channelBadge(ticket.channel),
      h('span', { class: 'history-subject', text: ticket.subject || '(no subject)' }),
      h('span', { class: 'history-meta' },
        ticket.rating && h('span', { class: `rating rating-${ratingOf(ticket.rating)}`,
          text: ratingOf(ticket.rating) === 'good' ? 'Rated good' : 'Rated bad' }),
        statusPill(ticket.status), `#${ticket.id}`, timeElement(ticket.created_at))))));
}

function ratingOf(rating) {
  return typeof rating === 'object' && rating !== null ? rating.score : rating;
}

function lookupFor(text) {
  const value = text.trim();
  if (value.includes('@')) return { email: value };
  if (/^\+?[\d\s().-]{6,}$/.test(value)) return { phone: value.replace(/[\s().-]/g, '') };
  return null;
}

/** The page for one customer; agent() is the signed-in agent (light agents cannot merge). */
export class CustomerPage {
  constructor({ agent }, customerId) {
    this.agent = agent;
    this.customerId = customerId;
    this.title = 'Customer';
    this.error = errorBanner();
    this.body = h('div', { class: 'customer-page', 'aria-busy': 'true' },
      h('p', { class: 'empty', text: 'Loading customer…' }));
    this.element = h('div', { class: 'page-body' }, this.body);
    this.loading = null;
  }

  start() {
    this.load();
  }

  stop() {
    this.loading?.abort();
  }

  async load() {
    this.loading?.abort();
    const controller = new AbortController();
    this.loading = controller;
    try {
      const profile = await api.getCustomer(this.customerId, controller.signal);
      this.render(profile);
    } catch (error) {
      if (error.name === 'AbortError') return;
      this.body.replaceChildren(pageHeader('Customer'), this.error.element);
      this.error.show(`This customer could not be shown: ${error.message}`);
    } finally {
      if (this.loading === controller) this.loading = null;
      this.body.setAttribute('aria-busy', 'false');
    }
  }

  render(profile) {
    const customer = profile.customer ?? {};
    const open = profile.open_tickets ?? [];
    const past = profile.past_tickets ?? [];
    const name = customer.name || customer.email || 'Unknown customer';
    this.title = name;
    document.title = `${name} · Parley`;
    const canMerge = this.agent()?.role !== 'light_agent';
    const mergePanel = h('div', { hidden: true });
    const mergeButton = canMerge && h('button', { class: 'button button-secondary', type: 'button',
      text: 'Merge into…', 'aria-expanded': 'false' });
    if (mergeButton) {
      mergeButton.addEventListener('click', () => {
        const opening = mergePanel.hidden;
        mergePanel.replaceChildren(...(opening ? [this.mergeForm(customer, () => {
          show(mergePanel, false);
          mergeButton.setAttribute('aria-expanded', 'false');
          mergeButton.focus();
        })] : []));
        show(mergePanel, opening);
        mergeButton.setAttribute('aria-expanded', String(opening));
        if (opening) mergePanel.querySelector('input')?.focus();
      });
    }
    const channels = [...new Set([...open, ...past].map((ticket) => ticket.channel))];
    this.body.replaceChildren(...[
      pageHeader(name, { subtitle: customer.email ?? '', actions: [mergeButton] }),
      this.error.element,
      customer.id && customer.id !== this.customerId
        ? h('p', { class: 'banner banner-warning page-banner',
          text: 'This customer was merged; showing the customer they became.' })
        : null,
      mergePanel,
      h('div', { class: 'customer-layout' },
        h('div', { class: 'customer-main' },
          card(`Open tickets (${open.length})`, ticketList(open, 'No open tickets.')),
          card(`Past tickets (${past.length})`, ticketList(past, 'No solved or closed tickets yet.'))),
        h('div', { class: 'customer-aside' },
          card('Contact', contact(customer, name, channels)),
          card('Satisfaction', satisfaction(profile.csat ?? {})))),
    ].filter(Boolean));
    this.element.querySelector('#page-title')?.focus();
  }

  /** Find the customer to keep, then merge this one into them. */
  mergeForm(customer, close) {
    const input = h('input', { id: 'merge-lookup', type: 'text', autocomplete: 'off',
      placeholder: 'mia.chen@example.com, +4915112345678 or c_…' });
    const error = h('p', { class: 'form-error', role: 'alert' });
    const found = h('div', { class: 'merge-found' });
    const find = h('button', { class: 'button button-secondary', type: 'submit', text: 'Find customer' });
    const form = h('form', { class: 'editor-form', novalidate: true, 'aria-labelledby': 'merge-title' },
      h('h2', { id: 'merge-title', class: 'card-title',
        text: `Merge ${customer.name || customer.email || 'this customer'} into another customer` }),
      h('p', { class: 'hint hint-block', text: 'Their identities and tickets move to the customer you pick; this one is retired. '
        + 'Use it when one person wrote from two addresses or channels.' }),
      h('div', { class: 'field' },
        h('label', { for: 'merge-lookup', text: 'The other customer’s email, phone or id' }),
        h('div', { class: 'input-row' }, input, find)),
      error, found,
      h('div', { class: 'form-actions' },
        h('button', { class: 'button button-ghost', type: 'button', text: 'Cancel', onclick: close })));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      error.textContent = '';
      found.replaceChildren();
      const text = input.value.trim();
      if (!text) {
        error.textContent = 'Enter the email, phone number or id of the customer to merge into.';
        input.focus();
        return;
      }
      find.disabled = true;
      try {
        const lookup = lookupFor(text);
        const other = lookup ? await api.findCustomer(lookup) : await api.getCustomer(text);
        found.replaceChildren(this.mergeConfirm(customer, other, error));
      } catch (failure) {
        error.textContent = failure.message;
      } finally {
        find.disabled = false;
      }
    });
    return h('section', { class: 'card card-editor' }, form);
  }

  mergeConfirm(customer, other, error) {
    const keep = other.customer ?? {};
    const keepName = keep.name || keep.email || keep.id;
    const tickets = (other.open_tickets ?? []).length + (other.past_tickets ?? []).length;
    if (keep.id === customer.id) {
      return h('p', { class: 'hint', text: 'That is this customer; pick the other one.' });
    }
    const confirm = h('button', { class: 'button button-primary', type: 'button',
      text: `Merge into ${keepName}` });
    confirm.addEventListener('click', async () => {
      error.textContent = '';
      confirm.disabled = true;
      try {
        await api.mergeCustomer(keep.id, customer.id);
        announce(`Merged into ${keepName}`);
        navigateToPage('customers', keep.id);
      } catch (failure) {
        error.textContent = failure.message;
        confirm.disabled = false;
      }
    });
    return h('div', { class: 'merge-candidate' },
      h('span', { class: 'avatar avatar-customer', 'aria-hidden': 'true', text: initials(keepName) }),
      h('div', { class: 'cell-stack' },
        h('span', { class: 'customer-name', text: keepName }),
        h('span', { class: 'hint',
          text: [keep.email, `${tickets} ticket${tickets === 1 ? '' : 's'}`].filter(Boolean).join(' · ') })),
      confirm);
  }
}

function contact(customer, name, channels) {
  // Anonymous web visitors are identified by a random id that means nothing to a person.
  const identities = (customer.identities ?? []).filter((identity) => identity.channel !== 'web');
  return h('div', {},
    h('div', { class: 'customer-head' },
      h('span', { class: 'avatar avatar-customer avatar-large', 'aria-hidden': 'true', text: initials(name) }),
      h('div', {}, h('p', { class: 'customer-name', text: name }),
        customer.email && h('p', { class: 'customer-email', text: customer.email }))),
    h('dl', { class: 'facts' },
      customer.organization && [h('dt', { text: 'Organization' }), h('dd', { text: customer.organization })],
      customer.phone && [h('dt', { text: 'Phone' }), h('dd', { text: customer.phone })],
      identities.map((identity) => [h('dt', {}, channelBadge(identity.channel)), h('dd', { text: identity.address })]),
      customer.created_at && [h('dt', { text: 'Customer since' }), h('dd', {}, timeElement(customer.created_at, false))]),
    channels.length > 0 && h('p', { class: 'channel-list' }, h('span', { class: 'hint', text: 'Wrote via ' }),
      channels.map((channel) => channelBadge(channel))));
}

function satisfaction(csat) {
  if (!csat.rated) return h('p', { class: 'hint', text: 'No ratings yet.' });
  const percent = Math.round((csat.score ?? 0) * 100);
  return h('div', { class: 'csat' },
    h('p', { class: 'csat-score', text: `${percent}%` }),
    h('p', { class: 'hint', text: `${csat.good} of ${csat.rated} rating${csat.rated === 1 ? '' : 's'} good` }));
}
