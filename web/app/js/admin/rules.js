/**
 * Admin › triggers, automations, macros, SLA policies and assignment rules: one page for every
 * kind. The rules are listed in the order they run, each can be enabled or disabled, moved,
 * edited or deleted, and the form creates or changes one (see rule_form.js).
 */
import * as api from '../api.js';
import { announce } from '../announce.js';
import { loadDirectory } from '../directory.js';
import { h, show } from '../dom.js';
import { card, deleteButton, errorBanner, pageHeader, table } from '../page.js';
import { createRuleForm } from './rule_form.js';
import { encodeValue } from './rule_rows.js';

function nameOf(kind, rule) {
  return rule[kind.label] || rule.title || rule.name || `#${rule.id}`;
}

function describeConditions(conditions) {
  if (!conditions || typeof conditions !== 'object') return '';
  const text = (items, joiner) => (Array.isArray(items) ? items : [])
    .map((c) => `${c.field} ${c.operator ?? 'is'} ${encodeValue(c.value)}`.trim()).join(joiner);
  const all = text(conditions.all, ' and ');
  const any = text(conditions.any, ' or ');
  if (all && any) return `${all}, and ${any}`;
  return all || any;
}

/** A one-line summary of what a rule checks and does. */
export function describeRule(rule) {
  const when = describeConditions(rule.conditions ?? rule.filter);
  let then = '';
  if (Array.isArray(rule.actions)) then = rule.actions.map((a) => `${a.field} → ${encodeValue(a.value)}`).join(', ');
  const targets = rule.targets ?? rule.policy_metrics;
  if (Array.isArray(targets)) {
    then = targets.map((t) => `${t.metric} (${t.priority}${t.channel ? `, ${t.channel}` : ''}) ${t.target ?? t.minutes} min`)
      .join(', ');
  }
  if (rule.assign) {
    then = ['agent_id', 'department'].filter((key) => rule.assign[key])
      .map((key) => `${key === 'agent_id' ? 'agent' : 'department'} ${rule.assign[key]}`).join(', ');
    then = then ? `send to ${then}` : '';
  }
  return [when && `If ${when}`, then && `then ${then}`].filter(Boolean).join(' · ') || '—';
}

/** The page for one kind of rule (see RULE_KINDS). */
export class RulesPage {
  constructor(kind) {
    this.kind = kind;
    this.title = kind.title;
    this.rules = [];
    this.error = errorBanner();
    this.list = h('div', { 'aria-busy': 'true' });
    this.editor = h('div', { hidden: true });
    this.element = h('div', { class: 'page-body' },
      pageHeader(kind.title, {
        subtitle: kind.intro,
        actions: [h('button', { class: 'button button-primary', type: 'button', text: `New ${kind.noun}`,
          onclick: () => this.edit(null) })],
      }),
      this.error.element, this.editor, card(`All ${kind.many}`, this.list));
  }

  start() {
    this.load();
  }

  async load() {
    this.list.setAttribute('aria-busy', 'true');
    try {
      const result = await api.listRules(this.kind.collection);
      this.rules = sortByPosition(result[this.kind.plural] ?? []);
      this.error.clear();
      this.render();
    } catch (error) {
      this.error.show(`${this.kind.title} could not be loaded: ${error.message}`);
    } finally {
      this.list.setAttribute('aria-busy', 'false');
    }
  }

  render() {
    const { kind } = this;
    this.list.replaceChildren(table({
      caption: `${kind.title}, in the order they run`,
      captionHidden: true,
      rowHeader: 1,
      columns: [{ label: 'Order', class: 'num order' }, 'Name', 'What it does', 'Enabled',
        { label: 'Actions', class: 'actions' }],
      rows: this.rules.map((rule, index) => {
        const name = nameOf(kind, rule);
        return {
          props: { class: rule.active === false ? 'is-disabled' : null, dataset: { ruleId: rule.id } },
          cells: [
            h('span', { class: 'order-cell' }, String(index + 1),
              kind.reorder && h('span', { class: 'order-buttons' },
                h('button', { class: 'button button-ghost button-icon', type: 'button', text: '↑',
                  'aria-label': `Move ${name} up`, disabled: index === 0, onclick: () => this.move(index, -1) }),
                h('button', { class: 'button button-ghost button-icon', type: 'button', text: '↓',
                  'aria-label': `Move ${name} down`, disabled: index === this.rules.length - 1,
                  onclick: () => this.move(index, 1) }))),
            h('span', { class: 'rule-name', text: name }),
            h('span', { class: 'rule-summary', title: describeRule(rule), text: describeRule(rule) }),
            this.toggle(rule, name),
            h('span', { class: 'row-actions' },
              h('button', { class: 'button button-ghost button-small', type: 'button', text: 'Edit',
                'aria-label': `Edit ${name}`, onclick: () => this.edit(rule) }),
              deleteButton(`Delete ${name}`, () => this.remove(rule, name))),
          ],
        };
      }),
      empty: `No ${kind.many} yet.`,
    }));
  }

  toggle(rule, name) {
    const box = h('input', { type: 'checkbox', class: 'switch', checked: rule.active !== false,
      'aria-label': `Enabled: ${name}` });
    box.addEventListener('change', async () => {
      box.disabled = true;
      try {
        const result = await api.patchRule(this.kind.collection, rule.id, { active: box.checked });
        Object.assign(rule, result[this.kind.singular] ?? { active: box.checked });
        this.error.clear();
        announce(`${name} ${box.checked ? 'enabled' : 'disabled'}`);
        box.closest('tr')?.classList.toggle('is-disabled', !box.checked);
      } catch (error) {
        box.checked = !box.checked;
        this.error.show(`${name} was not changed: ${error.message}`);
      } finally {
        box.disabled = false;
      }
    });
    return box;
  }

  async move(index, step) {
    const ids = this.rules.map((rule) => rule.id);
    const [moved] = ids.splice(index, 1);
    ids.splice(index + step, 0, moved);
    try {
      const result = await api.reorderRules(this.kind.collection, ids);
      this.rules = sortByPosition(result[this.kind.plural] ?? []);
      this.error.clear();
      this.render();
      const name = nameOf(this.kind, this.rules[index + step] ?? {});
      announce(`${name} moved to position ${index + step + 1}`);
      this.list.querySelector(`[aria-label="Move ${CSS.escape(name)} ${step < 0 ? 'up' : 'down'}"]:not(:disabled)`)?.focus();
    } catch (error) {
      this.error.show(`The order was not changed: ${error.message}`);
    }
  }

  async remove(rule, name) {
    try {
      await api.deleteRule(this.kind.collection, rule.id);
      announce(`${name} deleted`);
      this.error.clear();
      await this.load();
    } catch (error) {
      this.error.show(`${name} was not deleted: ${error.message}`);
    }
  }

  async edit(rule) {
    const directory = this.kind.parts.includes('assign') ? await loadDirectory() : { agents: [], departments: [] };
    const form = createRuleForm({
      kind: this.kind, rule, directory,
      onCancel: () => this.closeEditor(),
      onSubmit: async (body) => {
        const result = rule
          ? await api.replaceRule(this.kind.collection, rule.id, body)
          : await api.createRule(this.kind.collection, body);
        const saved = result[this.kind.singular] ?? body;
        announce(`${nameOf(this.kind, saved)} saved`);
        this.closeEditor();
        await this.load();
      },
    });
    this.editor.replaceChildren(h('section', { class: 'card card-editor' }, form.element));
    show(this.editor, true);
    form.focus();
  }

  closeEditor() {
    this.editor.replaceChildren();
    show(this.editor, false);
  }
}

function sortByPosition(rules) {
  return [...rules].sort((a, b) => (Number(a.position) || 0) - (Number(b.position) || 0));
}
