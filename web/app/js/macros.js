/**
 * The "Macros" menu on a ticket: the active macros, fetched when the menu opens; picking one
 * applies it (field changes and its reply or note in one update). The server's message shows
 * when it cannot be applied, e.g. because a colleague changed the ticket first.
 */
import * as api from './api.js';
import { h } from './dom.js';

let menus = 0;

/**
 * Build the menu. onApply(macro) returns a promise; its rejection message is shown in the menu.
 * Returns the element (a button and its popup list).
 */
export function createMacroMenu({ onApply }) {
  menus += 1;
  const listId = `macro-menu-${menus}`;
  const button = h('button', { class: 'button button-secondary button-small', type: 'button', text: 'Macros ▾',
    'aria-haspopup': 'true', 'aria-expanded': 'false', 'aria-controls': listId, 'aria-label': 'Macros' });
  const list = h('ul', { id: listId, class: 'menu-list', 'aria-label': 'Macros' });
  const status = h('p', { class: 'menu-status', role: 'alert' });
  const popup = h('div', { class: 'menu-popup', hidden: true }, list, status);
  const element = h('div', { class: 'menu' }, button, popup);

  function close({ focus = false } = {}) {
    popup.hidden = true;
    button.setAttribute('aria-expanded', 'false');
    if (focus) button.focus();
  }

  async function open() {
    popup.hidden = false;
    button.setAttribute('aria-expanded', 'true');
    status.textContent = '';
    list.replaceChildren(h('li', { class: 'menu-note', text: 'Loading macros…' }));
    try {
      const { macros = [] } = await api.listMacros();
      const active = macros.filter((macro) => macro.active !== false);
      list.replaceChildren(...(active.length ? active.map((macro) => h('li', {},
        h('button', { class: 'menu-item', type: 'button', text: macro.title || macro.name || `Macro ${macro.id}`,
          onclick: (event) => apply(macro, event.currentTarget) }))) : [h('li', { class: 'menu-note',
        text: 'No macros yet. Admins add them under Admin › Macros.' })]));
      list.querySelector('button')?.focus();
    } catch (error) {
      list.replaceChildren();
      status.textContent = `Macros could not be loaded: ${error.message}`;
    }
  }

  async function apply(macro, item) {
    status.textContent = '';
    for (const other of list.querySelectorAll('button')) other.disabled = true;
    item.textContent = `Applying ${macro.title}…`;
    try {
      await onApply(macro);
      close({ focus: true });
    } catch (error) {
      status.textContent = `${macro.title} was not applied: ${error.message}`;
    } finally {
      item.textContent = macro.title;
      for (const other of list.querySelectorAll('button')) other.disabled = false;
    }
  }

  button.addEventListener('click', () => (popup.hidden ? open() : close()));
  element.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !popup.hidden) {
      event.stopPropagation();
      close({ focus: true });
    }
    if ((event.key === 'ArrowDown' || event.key === 'ArrowUp') && !popup.hidden) {
      const items = [...list.querySelectorAll('button:not(:disabled)')];
      const index = items.indexOf(document.activeElement);
      const next = items[(index + (event.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length];
      next?.focus();
      event.preventDefault();
    }
  });
  function outside(event) {
    // A menu whose ticket was closed stops listening.
    if (!element.isConnected) {
      document.removeEventListener('click', outside);
      return;
    }
    if (!popup.hidden && !element.contains(event.target)) close();
  }
  document.addEventListener('click', outside);
  return element;
}
