/**
 * The form that creates or edits one business rule of any kind: its name, conditions
 * ({"all": [...], "any": [...]}) and actions, SLA targets or assignment target edited as rows,
 * with the whole rule as raw JSON as a fallback for shapes the rows cannot show. The server's
 * explanation of a rule it refuses is shown as it is.
 */
import { h } from '../dom.js';
import { field, select } from '../page.js';
import {
  ACTION_FIELDS, CHANNEL_OPTIONS, CONDITION_FIELDS, EDITED_KEYS, OPERATORS, PRIORITY_OPTIONS, SERVER_KEYS,
  SLA_METRICS,
} from './rule_kinds.js';
import { RowList, datalist } from './rule_rows.js';

const CONDITION_KEYS = ['field', 'operator', 'value'];
const ACTION_KEYS = ['field', 'value'];
const TARGET_KEYS = ['metric', 'priority', 'target', 'channel', 'business_hours'];
const FALLBACKS = [['queue', 'Wait for that agent'], ['department', 'Route in the department']];

function conditionColumns() {
  return [
    { key: 'field', label: 'Field', type: 'text', list: 'rule-condition-fields' },
    { key: 'operator', label: 'Operator', type: 'text', list: 'rule-operators' },
    { key: 'value', label: 'Value', type: 'value' },
  ];
}

function onlyKeys(item, keys) {
  return item && typeof item === 'object' && !Array.isArray(item) && Object.keys(item).every((key) => keys.includes(key));
}

/** Whether rows can show this rule without losing anything (otherwise it is edited as JSON). */
function fitsRows(rule, parts) {
  const conditions = rule.conditions ?? rule.filter;
  if (parts.includes('conditions') && conditions !== undefined && conditions !== null) {
    if (!onlyKeys(conditions, ['all', 'any'])) return false;
    for (const group of ['all', 'any']) {
      const items = conditions[group] ?? [];
      if (!Array.isArray(items) || !items.every((item) => onlyKeys(item, CONDITION_KEYS))) return false;
    }
  }
  if (parts.includes('actions') && rule.actions !== undefined) {
    if (!Array.isArray(rule.actions) || !rule.actions.every((item) => onlyKeys(item, ACTION_KEYS))) return false;
  }
  if (parts.includes('targets')) {
    const targets = rule.targets ?? rule.policy_metrics ?? [];
    if (!Array.isArray(targets) || !targets.every((item) => onlyKeys(item, TARGET_KEYS))) return false;
  }
  if (parts.includes('assign') && rule.assign !== undefined && !onlyKeys(rule.assign, ['agent_id', 'department'])) {
    return false;
  }
  return true;
}

/**
 * Build the form. kind: one of RULE_KINDS; rule: the stored rule (null for a new one);
 * directory: {agents, departments} for the assignment target; onSubmit(body) returns a promise
 * whose rejection message is shown; onCancel() closes the form.
 */
export function createRuleForm({ kind, rule, directory, onSubmit, onCancel }) {
  const creating = !rule;
  const source = rule ?? {};
  const parts = kind.parts;
  const extras = Object.fromEntries(Object.entries(source)
    .filter(([key]) => !EDITED_KEYS.includes(key) && !SERVER_KEYS.includes(key)));
  const labelName = kind.label === 'name' ? 'Name' : 'Title';
  const nameInput = h('input', { id: 'rule-name', type: 'text', autocomplete: 'off',
    value: source[kind.label] ?? source.title ?? source.name ?? '' });

  const all = new RowList({ noun: 'condition', prefix: 'All', columns: conditionColumns(),
    addLabel: 'Add condition to All' });
  const any = new RowList({ noun: 'condition', prefix: 'Any', columns: conditionColumns(),
    addLabel: 'Add condition to Any' });
  const actions = new RowList({ noun: 'Action', columns: [
    { key: 'field', label: 'Field', type: 'text', list: 'rule-action-fields' },
    { key: 'value', label: 'Value', type: 'value' },
  ], addLabel: 'Add action' });
  const targets = new RowList({ noun: 'Target', columns: [
    { key: 'metric', label: 'Metric', type: 'select', options: SLA_METRICS, default: 'first_reply' },
    { key: 'priority', label: 'Priority', type: 'select', options: PRIORITY_OPTIONS, default: 'normal' },
    { key: 'target', label: 'Minutes', type: 'number' },
    { key: 'channel', label: 'Channel', type: 'select', options: CHANNEL_OPTIONS, optional: true },
    { key: 'business_hours', label: 'Business hours', type: 'checkbox', default: true },
  ], addLabel: 'Add target' });
  const agentOptions = [['', 'No agent'], ...(directory.agents ?? [])
    .filter((agent) => agent.role !== 'light_agent').map((agent) => [agent.id, agent.name || agent.email])];
  const departmentOptions = [['', 'No department'], ...(directory.departments ?? []).map((d) => [d.name, d.name])];
  const assignAgent = select('rule-assign-agent', agentOptions, source.assign?.agent_id ?? '');
  const assignDepartment = select('rule-assign-department', departmentOptions, source.assign?.department ?? '');
  const fallback = select('rule-fallback', FALLBACKS, source.fallback ?? 'queue');

  const json = h('textarea', { id: 'rule-json', class: 'code', rows: '16', spellcheck: 'false' });
  const jsonField = h('div', { class: 'field', hidden: true },
    h('label', { for: 'rule-json', text: `The ${kind.noun} as JSON` }), json,
    h('p', { class: 'hint', text: 'Everything the API accepts can be written here, e.g. Zendesk exports.' }));
  const rowsArea = h('div', { class: 'rule-rows' });
  const modeButton = h('button', { class: 'button button-ghost button-small', type: 'button', 'aria-pressed': 'false',
    text: 'Edit as JSON' });
  const notice = h('p', { class: 'hint hint-block' });
  const error = h('p', { class: 'form-error', role: 'alert', id: 'rule-error' });
  const submit = h('button', { class: 'button button-primary', type: 'submit',
    text: creating ? `Create ${kind.noun}` : `Save ${kind.noun}` });

  if (parts.includes('conditions')) {
    rowsArea.append(h('fieldset', { class: 'form-section' },
      h('legend', { text: 'Conditions' }),
      h('p', { class: 'hint', text: 'Values are plain text, or JSON such as 24, true or ["vip", "gold"].' }),
      h('h3', { class: 'rows-title', text: 'Meet all of these' }), all.element,
      h('h3', { class: 'rows-title', text: 'Meet any of these (at least one, when there are some)' }), any.element));
  }
  if (parts.includes('actions')) {
    rowsArea.append(h('fieldset', { class: 'form-section' }, h('legend', { text: 'Actions' }),
      h('p', { class: 'hint',
        text: 'Run in this order, e.g. status → solved, current_tags → vip, comment_value → a reply.' }),
      actions.element));
  }
  if (parts.includes('targets')) {
    rowsArea.append(h('fieldset', { class: 'form-section' }, h('legend', { text: 'Targets' }),
      h('p', { class: 'hint',
        text: 'Minutes until the reply or resolution is due, per priority; a channel target beats a general one.' }),
      targets.element));
  }
  if (parts.includes('assign')) {
    rowsArea.append(h('fieldset', { class: 'form-section' }, h('legend', { text: 'Send the ticket to' }),
      h('div', { class: 'form-grid' },
        field('rule-assign-agent', 'Agent', assignAgent),
        field('rule-assign-department', 'Department', assignDepartment),
        field('rule-fallback', 'If the agent cannot take it now', fallback))));
  }

  const form = h('form', { class: 'editor-form rule-form', novalidate: true, 'aria-labelledby': 'rule-form-title' },
    h('div', { class: 'editor-head' },
      h('h2', { id: 'rule-form-title', class: 'card-title',
        text: creating ? `New ${kind.noun}` : `Edit ${kind.noun}: ${source[kind.label] ?? source.title ?? ''}` }),
      modeButton),
    field('rule-name', labelName, nameInput),
    notice, rowsArea, jsonField,
    datalist('rule-condition-fields', CONDITION_FIELDS),
    datalist('rule-operators', OPERATORS),
    datalist('rule-action-fields', ACTION_FIELDS),
    error,
    h('div', { class: 'form-actions' }, submit,
      h('button', { class: 'button button-ghost', type: 'button', text: 'Cancel', onclick: onCancel })));

  let jsonMode = false;

  function loadRows(data) {
    if (data[kind.label] !== undefined || data.title !== undefined) {
      nameInput.value = data[kind.label] ?? data.title ?? '';
    }
    const conditions = data.conditions ?? data.filter ?? {};
    all.set(conditions.all ?? []);
    any.set(conditions.any ?? []);
    actions.set(data.actions ?? []);
    targets.set(data.targets ?? data.policy_metrics ?? []);
    assignAgent.value = data.assign?.agent_id ?? '';
    assignDepartment.value = data.assign?.department ?? '';
    fallback.value = data.fallback ?? 'queue';
  }

  function fromRows() {
    const body = { ...extras, [kind.label]: nameInput.value.trim() };
    if (parts.includes('conditions')) body.conditions = { all: all.value(), any: any.value() };
    if (parts.includes('actions')) body.actions = actions.value();
    if (parts.includes('targets')) body.targets = targets.value();
    if (parts.includes('assign')) {
      body.assign = {};
      if (assignAgent.value) body.assign.agent_id = assignAgent.value;
      if (assignDepartment.value) body.assign.department = assignDepartment.value;
      if (assignAgent.value) body.fallback = fallback.value;
    }
    return body;
  }

  function fromJson() {
    let parsed;
    try {
      parsed = JSON.parse(json.value);
    } catch (problem) {
      throw new Error(`The JSON is not valid: ${problem.message}`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      const example = [`"${kind.label}": "…"`, ...parts.map((part) => `"${part}": …`)].join(', ');
      throw new Error(`The JSON must be one object, e.g. {${example}}`);
    }
    return parsed;
  }

  function setMode(toJson) {
    jsonMode = toJson;
    rowsArea.hidden = toJson;
    nameInput.closest('.field').hidden = toJson;
    jsonField.hidden = !toJson;
    modeButton.textContent = toJson ? 'Edit as rows' : 'Edit as JSON';
    modeButton.setAttribute('aria-pressed', String(toJson));
  }

  modeButton.addEventListener('click', () => {
    error.textContent = '';
    if (!jsonMode) {
      json.value = JSON.stringify(fromRows(), null, 2);
      notice.textContent = '';
      setMode(true);
      json.focus();
      return;
    }
    let data;
    try {
      data = fromJson();
    } catch (problem) {
      error.textContent = problem.message;
      return;
    }
    if (!fitsRows(data, parts)) {
      error.textContent = `This ${kind.noun} has parts the rows cannot show; keep editing it as JSON.`;
      return;
    }
    for (const key of Object.keys(extras)) delete extras[key];
    Object.assign(extras, Object.fromEntries(Object.entries(data)
      .filter(([key]) => !EDITED_KEYS.includes(key) && !SERVER_KEYS.includes(key))));
    loadRows(data);
    setMode(false);
    nameInput.focus();
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    let body;
    try {
      body = jsonMode ? fromJson() : fromRows();
    } catch (problem) {
      error.textContent = problem.message;
      return;
    }
    submit.disabled = true;
    const label = submit.textContent;
    submit.textContent = 'Saving…';
    try {
      await onSubmit(body);
    } catch (failure) {
      error.textContent = failure.message;
    } finally {
      submit.disabled = false;
      submit.textContent = label;
    }
  });

  loadRows(source);
  if (creating) {
    if (parts.includes('conditions')) all.add({});
    if (parts.includes('actions')) actions.add({});
    if (parts.includes('targets')) targets.add({ metric: 'first_reply', priority: 'normal' });
  }
  if (!fitsRows(source, parts)) {
    json.value = JSON.stringify({ ...extras, ...Object.fromEntries(Object.entries(source)
      .filter(([key]) => EDITED_KEYS.includes(key))) }, null, 2);
    notice.textContent = `This ${kind.noun} has parts the rows cannot show, so it is edited as JSON.`;
    setMode(true);
  }
  return { element: form, focus: () => (jsonMode ? json : nameInput).focus() };
}
