/**
 * Files on replies and notes: the composer's "Attach files" button with the chosen files (each uploaded
 * at once, removable before sending), and the list of files a message in the thread carries.
 */
import { h } from './dom.js';
import { fileSize } from './format.js';

/**
 * The composer's attach button and chosen files. upload(file) resolves {id, filename, size};
 * onError(message) shows why a file was not attached.
 */
export function createAttachmentPicker({ upload, onError }) {
  const input = h('input', { type: 'file', multiple: true, class: 'visually-hidden', tabindex: '-1',
    'aria-hidden': 'true' });
  const button = h('button', { type: 'button', class: 'button button-secondary button-small', text: 'Attach files',
    onclick: () => input.click() });
  const list = h('ul', { class: 'attachment-chips', 'aria-label': 'Files to send' });
  const chosen = new Map(); // chip → {done: upload promise, attachment once uploaded}

  function add(file) {
    const size = h('span', { class: 'attachment-size', text: 'uploading…' });
    const chip = h('li', { class: 'attachment-chip is-uploading' },
      h('span', { class: 'attachment-name', text: file.name }), size,
      h('button', { type: 'button', class: 'attachment-remove', text: '×', 'aria-label': `Remove ${file.name}`,
        onclick: () => remove(chip) }));
    const entry = { attachment: null };
    entry.done = upload(file).then((attachment) => {
      entry.attachment = attachment;
      chip.classList.remove('is-uploading');
      size.textContent = fileSize(attachment.size);
    }, (error) => {
      remove(chip);
      onError(error.message);
    });
    chosen.set(chip, entry);
    list.append(chip);
  }

  function remove(chip) {
    chosen.delete(chip);
    chip.remove();
    button.focus();
  }

  input.addEventListener('change', () => {
    for (const file of input.files) add(file);
    input.value = '';
  });

  return {
    element: h('div', { class: 'composer-attachments' }, button, input, list),
    /** Once running uploads finish: the ids of the files to send. */
    async ready() {
      await Promise.all([...chosen.values()].map((entry) => entry.done));
      return [...chosen.values()].map((entry) => entry.attachment?.id).filter(Boolean);
    },
    /** Forget the files that were sent (ids); files chosen meanwhile stay. */
    sent(ids) {
      for (const [chip, entry] of chosen) {
        if (ids.includes(entry.attachment?.id)) {
          chosen.delete(chip);
          chip.remove();
        }
      }
    },
  };
}

/**
 * The files a message carries, each a button that opens it: open(attachment) rejects with a reason to show.
 * A customer's file the channel ingest could not download ({downloaded: false, error}) has nothing to open:
 * it shows as "not downloaded" with the reason.
 */
export function attachmentList(attachments, open) {
  return h('ul', { class: 'message-attachments', 'aria-label': 'Attachments' }, attachments.map((attachment) => {
    if (attachment.downloaded === false) return missingFile(attachment);
    const error = h('span', { class: 'form-error', role: 'alert' });
    return h('li', {},
      h('button', { type: 'button', class: 'attachment-link', onclick: () => {
        error.textContent = '';
        open(attachment).catch((failure) => { error.textContent = failure.message; });
      } }, h('span', { class: 'attachment-name', text: attachment.filename || 'file' }),
      h('span', { class: 'attachment-size', text: fileSize(attachment.size) })),
      error);
  }));
}

function missingFile(attachment) {
  const name = attachment.filename || attachment.kind || 'file';
  const reason = attachment.error ? `not downloaded: ${attachment.error}` : 'not downloaded';
  return h('li', { class: 'attachment-missing' },
    h('span', { class: 'attachment-name', text: name }),
    h('span', { class: 'attachment-status', text: reason }));
}
