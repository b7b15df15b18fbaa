/**
 * Chat shortcuts in the reply box: typing "/" at the start of a word lists the shortcuts whose names
 * match what follows; ↑/↓ move, Enter or Tab (or a click) picks, Escape closes. The picked "/name" is
 * replaced by the shortcut's text as the server rendered it for this ticket (placeholders filled in).
 */
import { h } from './dom.js';

const TOKEN = /(?:^|\s)\/([a-z0-9_-]*)$/;
const SHOWN = 8;
const PREVIEW_CHARS = 80;
let lists = 0;

/**
 * Wire the shortcut list to a textarea; returns the list element to place under it.
 * list() resolves {shortcuts}, render(name) resolves {text}; onError(message) shows a failure,
 * onInsert() runs after the text changed.
 */
export function attachShortcuts(textarea, { list, render, onError, onInsert }) {
  lists += 1;
  const listbox = h('ul', { id: `shortcut-list-${lists}`, class: 'shortcut-list', role: 'listbox',
    'aria-label': 'Shortcuts', hidden: true });
  textarea.setAttribute('aria-autocomplete', 'list');
  textarea.setAttribute('aria-controls', listbox.id);
  let loading = null;
  let matches = [];
  let active = 0;

  function typedToken() {
    const caret = textarea.selectionStart;
    if (caret !== textarea.selectionEnd) return null;
    const match = TOKEN.exec(textarea.value.slice(0, caret));
    return match ? { start: caret - match[1].length - 1, end: caret, query: match[1] } : null;
  }

  function shortcuts() {
    loading ??= list().then(({ shortcuts: all = [] }) => all.filter((shortcut) => shortcut.active !== false))
      .catch((error) => {
        loading = null;
        throw error;
      });
    return loading;
  }

  async function update() {
    if (!typedToken()) {
      close();
      return;
    }
    let all;
    try {
      all = await shortcuts();
    } catch (error) {
      onError(`Shortcuts could not be loaded: ${error.message}`);
      close();
      return;
    }
    const token = typedToken();
    if (!token) {
      close();
      return;
    }
    const starting = all.filter((shortcut) => shortcut.name.startsWith(token.query));
    const containing = all.filter((shortcut) => !shortcut.name.startsWith(token.query)
      && shortcut.name.includes(token.query));
    matches = [...starting, ...containing].slice(0, SHOWN);
    active = 0;
    show(token, all.length);
  }

  function show(token, count) {
    if (!matches.length) {
      listbox.replaceChildren(h('li', { class: 'shortcut-note', role: 'presentation',
        text: count ? `No shortcut matches /${token.query}` : 'No shortcuts yet; admins create them' }));
    } else {
      listbox.replaceChildren(...matches.map((shortcut, index) => h('li', {
        id: `${listbox.id}-${index}`, class: 'shortcut-option', role: 'option', 'aria-selected': 'false',
        onmousedown: (event) => event.preventDefault(), onclick: () => pick(index),
      }, h('span', { class: 'shortcut-name', text: `/${shortcut.name}` }),
      h('span', { class: 'shortcut-preview', text: preview(shortcut.text) }))));
    }
    listbox.hidden = false;
    highlight();
  }

  function highlight() {
    listbox.querySelectorAll('[role="option"]').forEach((option, index) => {
      option.setAttribute('aria-selected', String(index === active));
      if (index === active) option.scrollIntoView({ block: 'nearest' });
    });
    if (matches.length) textarea.setAttribute('aria-activedescendant', `${listbox.id}-${active}`);
    else textarea.removeAttribute('aria-activedescendant');
  }

  function close() {
    matches = [];
    listbox.hidden = true;
    textarea.removeAttribute('aria-activedescendant');
  }

  async function pick(index) {
    const shortcut = matches[index];
    const token = typedToken();
    close();
    if (!shortcut || !token) return;
    let text;
    try {
      ({ text } = await render(shortcut.name));
    } catch (error) {
      onError(`/${shortcut.name} could not be inserted: ${error.message}`);
      return;
    }
    // Replace the "/name" only if it is still what the agent typed there.
    if (textarea.value.slice(token.start, token.end) !== `/${token.query}`) return;
    textarea.setRangeText(text, token.start, token.end, 'end');
    textarea.focus();
    onInsert();
  }

  textarea.addEventListener('input', update);
  textarea.addEventListener('click', update);
  textarea.addEventListener('blur', close);
  textarea.addEventListener('keydown', (event) => {
    if (listbox.hidden) return;
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      close();
      return;
    }
    if (!matches.length || event.ctrlKey || event.metaKey) return; // keys keep their usual meaning
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      active = (active + (event.key === 'ArrowDown' ? 1 : matches.length - 1)) % matches.length;
      highlight();
    } else if (event.key === 'Enter' || event.key === 'Tab') {
      event.preventDefault();
      pick(active);
    }
  });
  return listbox;
}

function preview(text) {
  const line = String(text ?? '').replace(/\s+/g, ' ').trim();
  return line.length > PREVIEW_CHARS ? `${line.slice(0, PREVIEW_CHARS - 1)}…` : line;
}
