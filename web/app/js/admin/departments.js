/**
 * Admin › Departments: each department's routing settings and queue, and a form to create one or
 * change one (strategy, maximum per agent for round robin, whether offline agents are offered tickets).
 */
import * as api from '../api.js';
import { h } from '../dom.js';
import { resetDirectory } from '../directory.js';
import { field, select, table } from '../page.js';
import { ListPage } from './list_page.js';

const STRATEGIES = [['least_busy', 'Least busy'], ['round_robin', 'Round robin']];
const SETTINGS_SHOWN = ['name', 'strategy', 'max_per_agent', 'include_offline', 'queue_length'];

function strategyLabel(value) {
  return STRATEGIES.find(([id]) => id === value)?.[1] ?? value ?? 'Least busy';
}

/** The departments page. */
export class DepartmentsPage extends ListPage {
  constructor() {
    super({
      title: 'Departments',
      subtitle: 'Where tickets wait and how they are offered to the agents in each department.',
      actions: [h('button', { class: 'button button-primary', type: 'button', text: 'New department',
        onclick: () => this.edit(null) })],
      listTitle: 'All departments',
    });
    this.departments = [];
  }

  async fetch() {
    const { departments = [] } = await api.listDepartments();
    this.departments = departments;
  }

  render() {
    this.list.replaceChildren(table({
      caption: 'Departments',
      captionHidden: true,
      columns: ['Name', 'Strategy', { label: 'Max per agent', class: 'num' }, 'Offline agents',
        { label: 'Waiting', class: 'num' }, { label: 'Actions', class: 'actions' }],
      rows: this.departments.map((department) => [
        department.name,
        strategyLabel(department.strategy),
        department.max_per_agent ? String(department.max_per_agent) : '—',
        department.include_offline ? 'Included' : 'Not included',
        String(department.queue_length ?? 0),
        h('button', { class: 'button button-ghost button-small', type: 'button', text: 'Edit',
          'aria-label': `Edit ${department.name}`, onclick: () => this.edit(department) }),
      ]),
      empty: 'No departments yet. Create one to route tickets.',
    }));
  }

  /** Open the form for a department (null: a new one). */
  edit(department) {
    const creating = department === null;
    const id = (name) => `department-${name}`;
    const name = h('input', { id: id('name'), type: 'text', value: department?.name ?? '', required: true,
      readonly: !creating, autocomplete: 'off' });
    const strategy = select(id('strategy'), STRATEGIES, department?.strategy ?? 'least_busy');
    const maxPerAgent = h('input', { id: id('max'), type: 'number', min: '1', step: '1', inputmode: 'numeric',
      value: department?.max_per_agent ?? '' });
    const includeOffline = h('input', { id: id('offline'), type: 'checkbox', checked: Boolean(department?.include_offline) });
    const error = h('p', { class: 'form-error', role: 'alert' });
    const submit = h('button', { class: 'button button-primary', type: 'submit',
      text: creating ? 'Create department' : 'Save department' });
    const form = h('form', { class: 'editor-form', novalidate: true, 'aria-labelledby': id('form-title') },
      h('h2', { id: id('form-title'), class: 'card-title',
        text: creating ? 'New department' : `Edit ${department.name}` }),
      h('div', { class: 'form-grid' },
        field(id('name'), 'Name', name, creating ? '' : 'A department is known by its name; it cannot be renamed.'),
        field(id('strategy'), 'Strategy', strategy,
          'Least busy offers a ticket to the agent with the most free capacity; round robin takes turns.'),
        field(id('max'), 'Max per agent', maxPerAgent, 'Round robin: the most tickets one agent holds. Empty: no limit.')),
      h('div', { class: 'checkbox-field' }, includeOffline,
        h('label', { for: id('offline'), text: 'Include offline agents' }),
        h('span', { class: 'hint', text: 'Assign tickets to agents who are offline too (e.g. email teams).' })),
      error,
      h('div', { class: 'form-actions' }, submit,
        h('button', { class: 'button button-ghost', type: 'button', text: 'Cancel', onclick: () => this.closeEditor() })));
    this.onSubmit(form, { error, submit, save: async () => {
      const body = { ...withoutListing(department), name: name.value.trim(), strategy: strategy.value,
        include_offline: includeOffline.checked };
      if (maxPerAgent.value.trim() === '') delete body.max_per_agent;
      else body.max_per_agent = Number(maxPerAgent.value);
      const { department: saved } = await api.saveDepartment(body);
      resetDirectory();
      return `Department ${saved?.name ?? body.name} saved`;
    } });
    this.openEditor(form);
    (creating ? name : strategy).focus();
  }
}

// Settings this page does not edit (weights, overflow...) are sent back unchanged.
function withoutListing(department) {
  if (!department) return {};
  const kept = { ...department };
  delete kept.queue_length;
  for (const key of SETTINGS_SHOWN) if (key !== 'name' && key !== 'queue_length') delete kept[key];
  return kept;
}
