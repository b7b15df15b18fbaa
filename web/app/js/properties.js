/**
 * The ticket properties form in the side panel: status, priority, assignee, department, tags.
 * Only changed fields are sent; the ticket's version guards against overwriting a colleague.
 */
import { h } from './dom.js';
import { PRIORITIES, STATUSES, priorityLabel, statusLabel } from './format.js';

// Closed is final and nothing goes back to "new" (mirrors the server's rule, which has the last word).
function statusChoices(current) {
  if (current === 'closed') return ['closed'];
  return STATUSES.filter((status) => status !== 'new' || current === 'new');
}

function parseTags(text) {
  return [...new Set(text.split(/[\s,]+/).map((tag) => tag.trim()).filter(Boolean))];
}

function withCurrent(values, current) {
  return current && !values.includes(current) ? [...values, current] : values;
}

// Anyone who may reply can be given a ticket; the signed-in agent comes first, marked "(me)".
function assignees(ticket, agent, agents) {
  const options = [['', 'Unassigned'], [agent.id, `${agent.name || agent.email} (me)`]];
  for (const other of agents) {
    if (other.id !== agent.id && other.role !== 'light_agent') options.push([other.id, other.name || other.email]);
  }
  if (ticket.assignee_id && !options.some(([id]) => id === ticket.assignee_id)) {
    options.push([ticket.assignee_id, `Agent ${ticket.assignee_id}`]);
  }
  return options;
}

function field(id, label, control) {
  return h('div', { class: 'field field-compact' }, h('label', { for: id, text: label }), control);
}

function select(id, options, selected) {
  return h('select', { id, name: id },
    options.map(([value, label]) => h('option', { value, selected: value === selected, text: label })));
}

/**
 * Build the form for ticket. agent is the signed-in agent (for "Assign to me").
 * onSave(changes, base) returns a promise (base: the ticket as the form showed it, version included);
 * its rejection message is shown under the button. Returns {element, isDirty(), rebase(ticket)}:
 * a form with unsaved edits survives a refresh and keeps its base unless rebased (only onto the
 * agent's own changes).
 */
export function createPropertiesForm({ ticket, agent, directory = { agents: [], departments: [] }, onSave }) {
  const assigneeOptions = assignees(ticket, agent, directory.agents);
  const departmentOptions = [['', 'No department'],
    ...withCurrent(directory.departments.map((d) => d.name), ticket.department).map((name) => [name, name])];
  const original = {
    status: ticket.status,
    priority: ticket.priority ?? 'normal',
    assignee_id: ticket.assignee_id ?? '',
    department: ticket.department ?? '',
    tags: (ticket.tags ?? []).join(' '),
  };
  const controls = {
    status: select('prop-status', statusChoices(ticket.status).map((s) => [s, statusLabel(s)]), original.status),
    priority: select('prop-priority', PRIORITIES.map((p) => [p, priorityLabel(p)]), original.priority),
    assignee_id: select('prop-assignee', assigneeOptions, original.assignee_id),
    department: select('prop-department', departmentOptions, original.department),
    tags: h('input', { id: 'prop-tags', type: 'text', value: original.tags, autocomplete: 'off',
      'aria-describedby': 'prop-tags-hint' }),
  };
  const save = h('button', { class: 'button button-primary button-block', type: 'submit', disabled: true,
    text: 'Save changes' });
  const error = h('p', { class: 'form-error', role: 'alert' });
  const closed = ticket.status === 'closed';
  const readOnly = agent.role === 'light_agent';
  const form = h('form', { class: 'properties', 'aria-labelledby': 'properties-title', novalidate: true },
    h('h3', { id: 'properties-title', class: 'side-title', text: 'Properties' }),
    readOnly && h('p', { class: 'hint hint-block', text: 'Light agents can see these; an agent or admin changes them.' }),
    h('fieldset', { disabled: closed || readOnly },
      h('legend', { class: 'visually-hidden', text: 'Ticket properties' }),
      h('div', { class: 'field-row' },
        field('prop-status', 'Status', controls.status),
        field('prop-priority', 'Priority', controls.priority)),
      field('prop-assignee', 'Assignee', controls.assignee_id),
      field('prop-department', 'Department', controls.department),
      field('prop-tags', 'Tags', controls.tags),
      h('p', { id: 'prop-tags-hint', class: 'hint', text: 'Separate tags with spaces or commas.' }),
      error, !readOnly && save),
    closed && h('p', { class: 'hint', text: 'Closed tickets are final; a new message starts a follow-up ticket.' }));

  function changes() {
    const result = {};
    for (const [name, control] of Object.entries(controls)) {
      const value = control.value.trim();
      if (value === original[name]) continue;
      if (name === 'tags') result.tags = parseTags(value);
      else if (name === 'assignee_id' || name === 'department') result[name] = value || null;
      else result[name] = value;
    }
    if (result.tags && parseTags(original.tags).join(' ') === result.tags.join(' ')) delete result.tags;
    return result;
  }

  let base = ticket;
  form.addEventListener('input', () => {
    save.disabled = Object.keys(changes()).length === 0;
    error.textContent = '';
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const changed = changes();
    if (Object.keys(changed).length === 0) return;
    save.disabled = true;
    save.textContent = 'Saving…';
    try {
      await onSave(changed, base);
    } catch (failure) {
      error.textContent = failure.message || 'Saving failed; try again.';
      save.disabled = false;
      save.textContent = 'Save changes';
    }
  });
  return {
    element: form,
    isDirty: () => Object.keys(changes()).length > 0,
    rebase: (newer) => { base = newer; },
  };
}
