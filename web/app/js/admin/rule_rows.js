/**
 * Rows of inputs for the parts of a rule: conditions (field / operator / value), actions
 * (field / value), SLA targets. Rows are added and removed; every input is labelled with its
 * row number ("All condition 2 operator"). Values are typed as text: JSON literals (24, true,
 * ["a", "b"]) are read as JSON, anything else as plain text.
 */
import { h } from '../dom.js';

/** Text for a value: strings as typed, unless they would read back as something else. */
export function encodeValue(value) {
  if (value === undefined) return '';
  if (typeof value === 'string') {
    try {
      JSON.parse(value);
    } catch {
      return value;
    }
    return JSON.stringify(value);
  }
  return JSON.stringify(value);
}

/** A value from its text: a JSON literal when it is one, otherwise the text itself. */
export function decodeValue(text) {
  const trimmed = text.trim();
  if (trimmed === '') return '';
  try {
    return JSON.parse(trimmed);
  } catch {
    return trimmed;
  }
}

/** A <datalist> of suggestions (its id goes in an input's list attribute). */
export function datalist(id, values) {
  return h('datalist', { id }, values.map((value) => h('option', { value })));
}

/**
 * A list of rows. columns: [{key, label, type: "text" | "value" | "number" | "select" | "checkbox",
 * list (datalist id), options ([value, label]), placeholder, optional}]. noun names one row
 * ("condition"), prefix goes before it in labels ("All").
 */
export class RowList {
  constructor({ noun, prefix = '', columns, addLabel, hint = '' }) {
    this.noun = noun;
    this.prefix = prefix;
    this.columns = columns;
    this.list = h('ol', { class: 'rows' });
    this.element = h('div', { class: 'row-list' },
      hint && h('p', { class: 'hint', text: hint }),
      this.list,
      h('button', { class: 'button button-secondary button-small', type: 'button', text: addLabel,
        onclick: () => this.add({}, true) }));
  }

  /** Replace the rows with these items. */
  set(items) {
    this.list.replaceChildren();
    for (const item of items ?? []) this.add(item);
  }

  /** Add a row for item (focus its first input when asked). */
  add(item, focus = false) {
    const inputs = this.columns.map((column) => this.input(column, item[column.key]));
    const remove = h('button', { class: 'button button-ghost button-small row-remove', type: 'button', text: '×' });
    const row = h('li', { class: 'row' }, inputs, remove);
    row.inputs = inputs;
    remove.addEventListener('click', () => {
      const next = row.nextElementSibling ?? row.previousElementSibling;
      row.remove();
      this.label();
      (next?.querySelector('input, select') ?? this.element.querySelector(':scope > button'))?.focus();
    });
    this.list.append(row);
    this.label();
    if (focus) inputs[0].focus();
  }

  input(column, value) {
    if (column.type === 'select') {
      return h('select', { class: `row-input row-${column.key}` }, column.options.map(([option, label]) =>
        h('option', { value: option, selected: String(value ?? column.default ?? '') === option, text: label })));
    }
    if (column.type === 'checkbox') {
      return h('span', { class: 'row-check' },
        h('input', { type: 'checkbox', checked: value === undefined ? Boolean(column.default) : Boolean(value) }),
        h('span', { class: 'row-check-label', 'aria-hidden': 'true', text: column.label }));
    }
    return h('input', {
      class: `row-input row-${column.key}`, type: column.type === 'number' ? 'number' : 'text',
      list: column.list, placeholder: column.placeholder ?? column.label, autocomplete: 'off', spellcheck: 'false',
      value: column.type === 'value' ? encodeValue(value) : (value ?? ''),
    });
  }

  label() {
    [...this.list.children].forEach((row, index) => {
      const name = `${this.prefix ? `${this.prefix} ` : ''}${this.noun} ${index + 1}`;
      row.inputs.forEach((input, column) => {
        const control = input.matches('input, select') ? input : input.querySelector('input');
        control.setAttribute('aria-label', `${name} ${this.columns[column].label.toLowerCase()}`);
      });
      row.lastElementChild.setAttribute('aria-label', `Remove ${name.charAt(0).toLowerCase()}${name.slice(1)}`);
    });
  }

  /** The filled rows as objects (rows left empty are skipped). */
  value() {
    const items = [];
    for (const row of this.list.children) {
      const item = {};
      let filled = false;
      row.inputs.forEach((input, index) => {
        const column = this.columns[index];
        if (column.type === 'checkbox') {
          item[column.key] = input.querySelector('input').checked;
          return;
        }
        const text = input.value;
        if (column.type !== 'select' && text.trim() !== '') filled = true;
        if (column.optional && text.trim() === '') return;
        if (column.type === 'value') item[column.key] = decodeValue(text);
        else if (column.type === 'number') item[column.key] = text.trim() === '' ? null : Number(text);
        else item[column.key] = text.trim();
      });
      if (filled) items.push(item);
    }
    return items;
  }
}
