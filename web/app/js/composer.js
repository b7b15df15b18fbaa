/**
 * The reply box under the thread: a public reply to the customer or an internal note for the team,
 * with files attached and chat shortcuts ("/name") expanded as the agent types.
 * Light agents may only add internal notes, so they are not offered a public reply.
 */
import { createAttachmentPicker } from './attachments.js';
import { h } from './dom.js';
import { attachShortcuts } from './shortcuts.js';

const TYPING_IDLE_MS = 3000;

/**
 * Build the composer form. onSend(body, isPublic, attachmentIds) returns a promise; a rejected ApiError's
 * message is shown and the text and files are kept so nothing is lost. onTyping("start" | "stop")
 * reports typing of a public reply (never of a note: customers must not see those).
 * shortcuts: {list(), render(name)} for "/name"; upload(file) resolves {id, filename, size}.
 */
export function createComposer({ role, customerName, onSend, onTyping = () => {}, shortcuts, upload }) {
  const canReply = role !== 'light_agent';
  const error = h('p', { class: 'form-error', role: 'alert', id: 'composer-error' });
  const textarea = h('textarea', { id: 'composer-body', name: 'body', rows: '4', required: true,
    'aria-describedby': 'composer-error' });
  const send = h('button', { class: 'button button-primary', type: 'submit' });
  const showError = (message) => { error.textContent = message; };
  const shortcutList = attachShortcuts(textarea, { ...shortcuts, onError: showError, onInsert: noteTyping });
  const files = createAttachmentPicker({ upload, onError: showError });
  const modes = canReply
    ? h('fieldset', { class: 'composer-modes' },
      h('legend', { class: 'visually-hidden', text: 'Reply type' }),
      mode('public', 'Public reply', true), mode('note', 'Internal note', false))
    : h('p', { class: 'composer-modes composer-note-only' },
      h('span', { class: 'badge badge-note', text: 'Internal note' }),
      h('span', { class: 'hint', text: 'Light agents can add internal notes; replies to customers go through an agent.' }));
  const form = h('form', { class: 'composer', 'aria-label': 'Reply', novalidate: true },
    modes,
    h('label', { for: 'composer-body', class: 'visually-hidden', text: 'Your message' }),
    h('div', { class: 'composer-field' }, textarea, shortcutList), error,
    h('div', { class: 'composer-actions' }, files.element,
      h('span', { class: 'hint', text: 'Type / for shortcuts · Ctrl + Enter to send' }), send));

  function mode(value, label, checked) {
    const id = `composer-mode-${value}`;
    return h('span', { class: 'composer-mode' },
      h('input', { type: 'radio', name: 'mode', id, value, checked, onchange: refresh }),
      h('label', { for: id, text: label }));
  }

  let typing = false;
  let idleTimer;
  function stopTyping() {
    clearTimeout(idleTimer);
    if (typing) onTyping('stop');
    typing = false;
  }
  function noteTyping() {
    if (!isPublic() || !textarea.value.trim()) {
      stopTyping();
      return;
    }
    if (!typing) onTyping('start');
    typing = true;
    clearTimeout(idleTimer);
    idleTimer = setTimeout(stopTyping, TYPING_IDLE_MS);
  }

  function isPublic() {
    return canReply && form.elements.mode.value === 'public';
  }

  function refresh() {
    const publicReply = isPublic();
    if (!publicReply) stopTyping();
    form.classList.toggle('is-note', !publicReply);
    send.textContent = publicReply ? 'Send reply' : 'Add note';
    textarea.placeholder = publicReply
      ? `Write a reply to ${customerName || 'the customer'}…`
      : 'Write a note only your team can see…';
  }

  async function submit(event) {
    event.preventDefault();
    const body = textarea.value.trim();
    if (!body) {
      error.textContent = 'Write something before sending.';
      textarea.focus();
      return;
    }
    error.textContent = '';
    send.disabled = true;
    stopTyping();
    try {
      const attachmentIds = await files.ready();
      await onSend(body, isPublic(), attachmentIds);
      files.sent(attachmentIds);
      // Keep anything typed while the message was on its way.
      if (textarea.value.trim() === body) textarea.value = '';
    } catch (failure) {
      error.textContent = failure.message || 'Sending failed; try again.';
    } finally {
      send.disabled = false;
      textarea.focus();
    }
  }

  form.addEventListener('submit', submit);
  textarea.addEventListener('input', noteTyping);
  textarea.addEventListener('blur', stopTyping);
  textarea.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) form.requestSubmit();
  });
  refresh();
  return form;
}
