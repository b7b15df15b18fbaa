/**
 * What the admin list pages share: a header, an error banner, an editor area that opens above the
 * list, and a card whose table is drawn after each load. A page extends ListPage and gives fetch()
 * (resolves what render(data) draws); a failed load shows "<Title> could not be loaded: <server's
 * message>" in the banner. above() names what sits between the banner and the list (the editor by
 * default); it runs in the constructor, so it may create the elements it returns.
 */
import { announce } from '../announce.js';
import { h, show } from '../dom.js';
import { card, errorBanner, pageHeader } from '../page.js';

export class ListPage {
  constructor({ title, subtitle = '', actions = [], listTitle }) {
    this.title = title;
    this.error = errorBanner();
    this.list = h('div', { 'aria-busy': 'true' });
    this.editor = h('div', { hidden: true });
    this.element = h('div', { class: 'page-body' },
      pageHeader(title, { subtitle, actions }),
      this.error.element, ...this.above(), card(listTitle, this.list));
  }

  /** The elements between the error banner and the list. */
  above() {
    return [this.editor];
  }

  start() {
    this.load();
  }

  /** Fetch and draw the list; the list is marked busy meanwhile. */
  async load() {
    this.list.setAttribute('aria-busy', 'true');
    try {
      const data = await this.fetch();
      this.error.clear();
      this.render(data);
    } catch (error) {
      this.error.show(`${this.title} could not be loaded: ${error.message}`);
    } finally {
      this.list.setAttribute('aria-busy', 'false');
    }
  }

  /** Show a form (or anything) in the editor area. */
  openEditor(content) {
    this.editor.replaceChildren(h('section', { class: 'card card-editor' }, content));
    show(this.editor, true);
  }

  closeEditor() {
    this.editor.replaceChildren();
    show(this.editor, false);
  }

  /**
   * Submit form the pages' way: its error line cleared and its button disabled while save() runs;
   * save() resolves to what to announce, then the editor closes (a form outside it is reset) and the
   * list reloads. A thrown error's message shows in the error line.
   */
  onSubmit(form, { error, submit, save }) {
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      error.textContent = '';
      submit.disabled = true;
      try {
        announce(await save());
        if (this.editor.contains(form)) this.closeEditor();
        else form.reset();
        await this.load();
      } catch (failure) {
        error.textContent = failure.message;
      } finally {
        submit.disabled = false;
      }
    });
  }
}
