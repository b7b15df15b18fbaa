/**
 * Admin › Webhooks: the URLs Parley posts domain events to, a form to subscribe one, and delete.
 * The signing secret is shown once, right after the webhook is created.
 */
import * as api from '../api.js';
import { announce } from '../announce.js';
import { h, show } from '../dom.js';
import { deleteButton, field, table } from '../page.js';
import { ListPage } from './list_page.js';

// The events the server sends today; it refuses others with a message naming the ones it knows.
const EVENTS = [
  ['TicketCreated', 'Ticket created'], ['TicketUpdated', 'Ticket updated'], ['MessageAdded', 'Message added'],
  ['CustomerMerged', 'Customer merged'],
];

/** The webhooks page. */
export class WebhooksPage extends ListPage {
  constructor() {
    super({
      title: 'Webhooks',
      subtitle: 'Send ticket and customer events to your other tools, signed with a secret.',
      listTitle: 'Subscribed URLs',
    });
  }

  above() {
    this.secret = h('div', { hidden: true });
    return [this.secret, this.form()];
  }

  async fetch() {
    const { webhooks = [] } = await api.listWebhooks();
    return webhooks;
  }

  render(webhooks) {
    this.list.replaceChildren(table({
      caption: 'Webhooks',
      captionHidden: true,
      columns: ['URL', 'Events', 'Active', { label: 'Actions', class: 'actions' }],
      rows: webhooks.map((hook) => [
        h('span', { class: 'cell-stack' }, h('code', { class: 'url', text: hook.url }),
          hook.name && h('span', { class: 'hint', text: hook.name })),
        h('ul', { class: 'tags' }, (hook.events ?? []).map((event) => h('li', { class: 'tag', text: event }))),
        hook.active === false ? 'Paused' : 'Active',
        deleteButton(`Delete webhook ${hook.url}`, () => this.remove(hook)),
      ]),
      empty: 'No webhooks yet.',
    }));
  }

  form() {
    const url = h('input', { id: 'webhook-url', type: 'url', placeholder: 'https://crm.example.com/parley',
      autocomplete: 'off', required: true });
    const boxes = EVENTS.map(([value, label]) => {
      const box = h('input', { id: `webhook-event-${value}`, type: 'checkbox', value });
      return { box, element: h('div', { class: 'checkbox-field' }, box, h('label', { for: box.id, text: label })) };
    });
    const error = h('p', { class: 'form-error', role: 'alert' });
    const submit = h('button', { class: 'button button-primary', type: 'submit', text: 'Add webhook' });
    const form = h('form', { class: 'editor-form', novalidate: true, 'aria-labelledby': 'webhook-form-title' },
      h('h2', { id: 'webhook-form-title', class: 'card-title', text: 'New webhook' }),
      field('webhook-url', 'URL', url, 'Parley POSTs JSON here, signed in the X-Parley-Signature header.'),
      h('fieldset', { class: 'form-section' }, h('legend', { text: 'Events' }),
        h('p', { class: 'hint', text: 'None ticked: every event.' }),
        h('div', { class: 'checkbox-row' }, boxes.map((b) => b.element))),
      error, h('div', { class: 'form-actions' }, submit));
    this.onSubmit(form, { error, submit, save: async () => {
      const body = { url: url.value.trim() };
      const events = boxes.filter((b) => b.box.checked).map((b) => b.box.value);
      if (events.length) body.events = events;
      const { webhook } = await api.createWebhook(body);
      this.showSecret(webhook);
      return 'Webhook added; copy its secret now';
    } });
    return h('section', { class: 'card card-editor' }, form);
  }

  showSecret(webhook) {
    if (!webhook?.secret) return;
    const value = h('input', { id: 'webhook-secret', type: 'text', readonly: true, value: webhook.secret,
      class: 'code', onfocus: (event) => event.target.select() });
    this.secret.replaceChildren(h('section', { class: 'banner banner-success', role: 'status' },
      h('p', { class: 'banner-title', text: `Webhook for ${webhook.url} added.` }),
      h('p', { text: 'This is its signing secret. Copy it now: it is not shown again.' }),
      h('div', { class: 'field field-inline' }, h('label', { for: 'webhook-secret', text: 'Signing secret' }), value),
      h('button', { class: 'button button-ghost button-small', type: 'button', text: 'Done',
        onclick: () => { this.secret.replaceChildren(); show(this.secret, false); } })));
    show(this.secret, true);
  }

  async remove(hook) {
    try {
      await api.deleteWebhook(hook.id);
      announce('Webhook deleted');
      this.error.clear();
      await this.load();
    } catch (error) {
      this.error.show(`The webhook was not deleted: ${error.message}`);
    }
  }
}
