/**
 * Admin › Shortcuts: the chat shortcuts agents type as "/name" in a reply, and a form to create one
 * or change its text, description and whether agents are offered it. A shortcut is known by its
 * name, so a name cannot change; the server checks name, text and placeholders and explains what
 * to fix.
 */
import * as api from '../api.js';
import { announce } from '../announce.js';
import { h } from '../dom.js';
import { deleteButton, field, table } from '../page.js';
import { ListPage } from './list_page.js';

const COLLECTION = '/shortcuts';
const PREVIEW_CHARS = 120;

function preview(text = '') {
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS - 1)}…` : text;
}

/** The shortcuts page. */
export class ShortcutsPage extends ListPage {
  constructor({ agent = null } = {}) {
    super({
      title: 'Shortcuts',
      subtitle: 'Replies agents insert by typing / and the name; placeholders are filled in for the ticket.',
      actions: [h('button', { class: 'button button-primary', type: 'button', text: 'New shortcut',
        onclick: () => this.edit(null) })],
      listTitle: 'All shortcuts',
    });
    this.agent = agent;
  }

  // Agents may read shortcuts through the API, so it would not refuse them this page; only admins manage them.
  start() {
    if (this.agent && this.agent.role !== 'admin') {
      this.element.querySelector('.page-actions')?.replaceChildren();
      this.list.setAttribute('aria-busy', 'false');
      this.list.replaceChildren();
      this.error.show(`only admins can manage shortcuts; you are ${this.agent.role}`);
      return;
    }
    super.start();
  }

  async fetch() {
    const { shortcuts = [] } = await api.listShortcuts();
    return [...shortcuts].sort((a, b) => String(a.name).localeCompare(String(b.name)));
  }

  render(shortcuts) {
    this.list.replaceChildren(table({
      caption: 'Shortcuts',
      captionHidden: true,
      columns: ['Name', 'Text', 'Offered to agents', { label: 'Actions', class: 'actions' }],
      rows: shortcuts.map((shortcut) => ({
        props: { class: shortcut.active === false ? 'is-disabled' : null },
        cells: [
          h('span', { class: 'cell-stack' }, h('code', { text: `/${shortcut.name}` }),
            shortcut.description && h('span', { class: 'hint', text: shortcut.description })),
          h('span', { class: 'rule-summary', title: shortcut.text ?? '', text: preview(shortcut.text) }),
          shortcut.active === false ? 'No' : 'Yes',
          h('span', { class: 'row-actions' },
            h('button', { class: 'button button-ghost button-small', type: 'button', text: 'Edit',
              'aria-label': `Edit /${shortcut.name}`, onclick: () => this.edit(shortcut) }),
            deleteButton(`Delete /${shortcut.name}`, () => this.remove(shortcut))),
        ],
      })),
      empty: 'No shortcuts yet. Create one to save agents typing the same reply.',
    }));
  }

  /** Open the form for a shortcut (null: a new one). */
  edit(shortcut) {
    const creating = shortcut === null;
    const name = h('input', { id: 'shortcut-name', type: 'text', value: shortcut?.name ?? '', required: true,
      readonly: !creating, autocomplete: 'off', spellcheck: 'false' });
    const text = h('textarea', { id: 'shortcut-text', rows: '5', required: true });
    text.value = shortcut?.text ?? '';
    const description = h('input', { id: 'shortcut-description', type: 'text', value: shortcut?.description ?? '',
      autocomplete: 'off' });
    const active = h('input', { id: 'shortcut-active', type: 'checkbox', checked: shortcut?.active !== false });
    const error = h('p', { class: 'form-error', role: 'alert' });
    const submit = h('button', { class: 'button button-primary', type: 'submit',
      text: creating ? 'Create shortcut' : 'Save shortcut' });
    const form = h('form', { class: 'editor-form', novalidate: true, 'aria-labelledby': 'shortcut-form-title' },
      h('h2', { id: 'shortcut-form-title', class: 'card-title',
        text: creating ? 'New shortcut' : `Edit /${shortcut.name}` }),
      field('shortcut-name', 'Name', name, creating
        ? 'Lowercase letters, digits, - or _ (e.g. refund); agents type /refund. It cannot be renamed later.'
        : 'A shortcut is known by its name; it cannot be renamed.'),
      field('shortcut-text', 'Text', text,
        'Placeholders such as {{customer.first_name}}, {{customer.name}}, {{ticket.id}} and {{agent.name}} '
        + 'are filled in for the ticket.'),
      field('shortcut-description', 'Description', description, 'Optional: a note for other admins.'),
      h('div', { class: 'checkbox-field' }, active,
        h('label', { for: 'shortcut-active', text: 'Offer to agents' }),
        h('span', { class: 'hint', text: 'Unticked: kept here, but not listed when agents type /.' })),
      error,
      h('div', { class: 'form-actions' }, submit,
        h('button', { class: 'button button-ghost', type: 'button', text: 'Cancel', onclick: () => this.closeEditor() })));
    this.onSubmit(form, { error, submit, save: async () => {
      const body = { text: text.value, active: active.checked, description: description.value.trim() };
      const result = creating
        ? await api.createRule(COLLECTION, { name: name.value.trim(), ...body })
        : await api.patchRule(COLLECTION, shortcut.id ?? shortcut.name, body);
      return `Shortcut /${result.shortcut?.name ?? name.value.trim()} saved`;
    } });
    this.openEditor(form);
    (creating ? name : text).focus();
  }

  async remove(shortcut) {
    try {
      await api.deleteRule(COLLECTION, shortcut.id ?? shortcut.name);
      announce(`Shortcut /${shortcut.name} deleted`);
      this.error.clear();
      await this.load();
    } catch (error) {
      this.error.show(`/${shortcut.name} was not deleted: ${error.message}`);
    }
  }
}
