/**
 * Building blocks of the full-width pages (monitor, admin, customer): a header, an error banner
 * that shows the server's message, tables, and a delete button that asks once more.
 */
import { h, show } from './dom.js';

/** The page heading (the page's <h1>), an optional line under it and actions on the right. */
export function pageHeader(title, { subtitle = '', actions = [] } = {}) {
  return h('header', { class: 'page-header' },
    h('div', { class: 'page-heading' },
      h('h1', { id: 'page-title', class: 'pane-title', tabindex: '-1', text: title }),
      subtitle && h('p', { class: 'page-subtitle', text: subtitle })),
    h('div', { class: 'page-actions' }, actions));
}

/** A banner for a failed call: show(message) with the server's words, clear() to hide it. */
export function errorBanner() {
  const element = h('p', { class: 'banner banner-error page-banner', role: 'alert', hidden: true });
  return {
    element,
    show(message) {
      element.textContent = message;
      show(element, true);
    },
    clear() {
      element.textContent = '';
      show(element, false);
    },
  };
}

/**
 * A table: columns are header labels (or {label, class}); rows are arrays of cells (nodes or text),
 * or {cells, props} to set attributes on the row. The rowHeader-th cell names its row.
 */
export function table({ caption, columns, rows, empty = 'Nothing here yet.', captionHidden = false, rowHeader = 0 }) {
  const heads = columns.map((column) => (typeof column === 'string' ? { label: column } : column));
  if (rows.length === 0) {
    return h('div', { class: 'table-empty' },
      h('p', { class: 'visually-hidden', text: caption }),
      h('p', { class: 'empty', text: empty }));
  }
  return h('div', { class: 'table-wrap' },
    h('table', { class: 'data-table' },
      h('caption', { class: captionHidden ? 'visually-hidden' : 'table-caption', text: caption }),
      h('thead', {}, h('tr', {}, heads.map((head) => h('th', { scope: 'col', class: head.class, text: head.label })))),
      h('tbody', {}, rows.map((row) => {
        const { cells, props = {} } = Array.isArray(row) ? { cells: row } : row;
        return h('tr', props, cells.map((cell, index) => (index === rowHeader
          ? h('th', { scope: 'row', class: heads[index]?.class }, cell)
          : h('td', { class: heads[index]?.class }, cell))));
      }))));
}

/** A titled card section on a page. */
export function card(title, ...children) {
  const id = `card-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return h('section', { class: 'card', 'aria-labelledby': id },
    h('h2', { id, class: 'card-title', text: title }),
    children);
}

/**
 * A delete button that asks "Really delete?" on the first click and acts on the second.
 * label names the thing for screen readers, e.g. "Delete trigger Refunds".
 */
export function deleteButton(label, onConfirm) {
  const button = h('button', { class: 'button button-ghost button-small button-danger', type: 'button',
    'aria-label': label, text: 'Delete' });
  let armed = false;
  button.addEventListener('click', async () => {
    if (!armed) {
      armed = true;
      button.textContent = 'Really delete?';
      button.setAttribute('aria-label', `Confirm: ${label}`);
      return;
    }
    button.disabled = true;
    try {
      await onConfirm();
    } finally {
      button.disabled = false;
      armed = false;
      button.textContent = 'Delete';
      button.setAttribute('aria-label', label);
    }
  });
  button.addEventListener('blur', () => {
    if (!armed || button.disabled) return;
    armed = false;
    button.textContent = 'Delete';
    button.setAttribute('aria-label', label);
  });
  return button;
}

/** A labelled form field; control must carry the id. */
export function field(id, label, control, hint = '') {
  const hintId = hint ? `${id}-hint` : null;
  if (hintId) control.setAttribute('aria-describedby', hintId);
  return h('div', { class: 'field' },
    h('label', { for: id, text: label }), control,
    hint && h('p', { id: hintId, class: 'hint', text: hint }));
}

/** A <select> from [value, label] pairs. */
export function select(id, options, selected = '') {
  return h('select', { id, name: id },
    options.map(([value, label]) => h('option', { value, selected: String(value) === String(selected ?? ''),
      text: label })));
}

/** "45 s", "3 min", "1 h 5 min". */
export function duration(seconds) {
  const total = Math.max(0, Math.round(Number(seconds) || 0));
  if (total < 60) return `${total} s`;
  const minutes = Math.round(total / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest ? `${hours} h ${rest} min` : `${hours} h`;
}
