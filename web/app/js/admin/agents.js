/**
 * Admin › Agents: every agent's role, departments, skills and capacity per channel group, and a
 * form to change the departments, skills (name and level) and capacities of one agent.
 */
import * as api from '../api.js';
import { h } from '../dom.js';
import { resetDirectory } from '../directory.js';
import { roleLabel } from '../format.js';
import { CHANNEL_GROUPS, presenceBadge } from '../monitor.js';
import { table } from '../page.js';
import { ListPage } from './list_page.js';

/** The agents page. */
export class AgentsPage extends ListPage {
  constructor() {
    super({
      title: 'Agents',
      subtitle: 'Which departments each agent works in, their skills, and how much they take on at once.',
      listTitle: 'All agents',
    });
    this.agents = [];
    this.departments = [];
  }

  async fetch() {
    const [{ agents = [] }, { departments = [] }] = await Promise.all([api.listAgents(), api.listDepartments()]);
    this.agents = agents;
    this.departments = departments;
  }

  render() {
    this.list.replaceChildren(table({
      caption: 'Agents',
      captionHidden: true,
      columns: ['Agent', 'Role', 'Presence', 'Departments', 'Skills', 'Capacity', { label: 'Actions', class: 'actions' }],
      rows: this.agents.map((agent) => [
        h('span', { class: 'cell-stack' }, h('span', { text: agent.name || agent.email }),
          h('span', { class: 'hint', text: agent.email })),
        roleLabel(agent.role),
        presenceBadge(agent.presence),
        chips(agent.departments ?? []),
        chips(Object.entries(agent.skills ?? {}).map(([name, level]) => `${name} ${level}`)),
        h('span', { class: 'capacity-list' }, CHANNEL_GROUPS.map(([group, label]) =>
          h('span', { class: 'capacity-item', text: `${label} ${agent.capacity?.[group] ?? '—'}` }))),
        h('button', { class: 'button button-ghost button-small', type: 'button', text: 'Edit',
          'aria-label': `Edit ${agent.name || agent.email}`, onclick: () => this.edit(agent) }),
      ]),
      empty: 'No agents yet.',
    }));
  }

  edit(agent) {
    const name = agent.name || agent.email;
    const departmentBoxes = this.departments.map((department, index) => {
      const box = h('input', { id: `agent-dept-${index}`, type: 'checkbox', value: department.name,
        checked: (agent.departments ?? []).includes(department.name) });
      return { box, element: h('div', { class: 'checkbox-field' }, box,
        h('label', { for: `agent-dept-${index}`, text: department.name })) };
    });
    const skills = new SkillRows(agent.skills ?? {});
    const capacity = CHANNEL_GROUPS.map(([group, label]) => {
      const input = h('input', { id: `agent-capacity-${group}`, type: 'number', min: '0', step: '1',
        inputmode: 'numeric', value: agent.capacity?.[group] ?? '' });
      return { group, input, element: h('div', { class: 'field field-compact' },
        h('label', { for: `agent-capacity-${group}`, text: `${label} capacity` }), input) };
    });
    const error = h('p', { class: 'form-error', role: 'alert' });
    const submit = h('button', { class: 'button button-primary', type: 'submit', text: 'Save agent' });
    const form = h('form', { class: 'editor-form', novalidate: true, 'aria-labelledby': 'agent-form-title' },
      h('h2', { id: 'agent-form-title', class: 'card-title', text: `Edit ${name}` }),
      h('fieldset', { class: 'form-section' }, h('legend', { text: 'Departments' }),
        departmentBoxes.length ? h('div', { class: 'checkbox-row' }, departmentBoxes.map((d) => d.element))
          : h('p', { class: 'hint', text: 'No departments yet; create one under Departments.' })),
      h('fieldset', { class: 'form-section' }, h('legend', { text: 'Skills' }),
        h('p', { class: 'hint', text: 'Tickets that need a skill go to agents with at least that level (1–10).' }),
        skills.element),
      h('fieldset', { class: 'form-section' }, h('legend', { text: 'Capacity per channel' }),
        h('p', { class: 'hint', text: 'How many tickets of each kind the agent handles at once; 0 means none.' }),
        h('div', { class: 'capacity-grid' }, capacity.map((c) => c.element))),
      error,
      h('div', { class: 'form-actions' }, submit,
        h('button', { class: 'button button-ghost', type: 'button', text: 'Cancel', onclick: () => this.closeEditor() })));
    this.onSubmit(form, { error, submit, save: async () => {
      const changes = {
        departments: departmentBoxes.filter((d) => d.box.checked).map((d) => d.box.value),
        skills: skills.value(),
        capacity: Object.fromEntries(capacity.filter((c) => c.input.value.trim() !== '')
          .map((c) => [c.group, Number(c.input.value)])),
      };
      await api.updateAgent(agent.id, changes);
      resetDirectory();
      return `${name} saved`;
    } });
    this.openEditor(form);
    form.querySelector('input')?.focus();
  }
}

function chips(items) {
  if (items.length === 0) return h('span', { class: 'hint', text: '—' });
  return h('ul', { class: 'tags' }, items.map((item) => h('li', { class: 'tag', text: item })));
}

/** Skill rows: name and level, add and remove. */
class SkillRows {
  constructor(skills) {
    this.list = h('ol', { class: 'rows' });
    this.element = h('div', {}, this.list,
      h('button', { class: 'button button-secondary button-small', type: 'button', text: 'Add skill',
        onclick: () => this.add('', 1, true) }));
    for (const [name, level] of Object.entries(skills)) this.add(name, level);
  }

  add(name, level, focus = false) {
    const nameInput = h('input', { type: 'text', value: name, autocomplete: 'off' });
    const levelInput = h('input', { type: 'number', min: '1', max: '10', step: '1', value: level, class: 'input-narrow' });
    const remove = h('button', { class: 'button button-ghost button-small row-remove', type: 'button', text: '×' });
    const row = h('li', { class: 'row' }, nameInput, levelInput, remove);
    remove.addEventListener('click', () => {
      row.remove();
      this.label();
    });
    this.list.append(row);
    this.label();
    if (focus) nameInput.focus();
  }

  label() {
    [...this.list.children].forEach((row, index) => {
      const [name, level, remove] = row.querySelectorAll('input, button');
      name.setAttribute('aria-label', `Skill ${index + 1} name`);
      level.setAttribute('aria-label', `Skill ${index + 1} level`);
      remove.setAttribute('aria-label', `Remove skill ${index + 1}`);
    });
  }

  /** {name: level} from the filled rows. */
  value() {
    const skills = {};
    for (const row of this.list.children) {
      const [name, level] = row.querySelectorAll('input');
      const key = name.value.trim();
      if (!key) continue;
      skills[key] = level.value.trim() === '' ? 1 : Number(level.value);
    }
    return skills;
  }
}
