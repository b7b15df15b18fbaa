/**
 * Admin › Saved views: the views everyone sees in the nav with their counts, and a form to save a
 * new one from a filter (statuses, assignee, department, tags, channel).
 */
import * as api from '../api.js';
import { loadDirectory } from '../directory.js';
import { h } from '../dom.js';
import { STATUSES, channelLabel, statusLabel } from '../format.js';
import { field, select, table } from '../page.js';
import { href, serverViewKey } from '../router.js';
import { refreshServerViews } from '../server_views.js';
import { ListPage } from './list_page.js';
import { CHANNEL_OPTIONS } from './rule_kinds.js';

/** "Status new or open · unassigned · Billing". */
export function describeFilter(filter = {}, agents = []) {
  const parts = [];
  if (filter.status?.length) parts.push(`Status ${filter.status.map(statusLabel).join(' or ')}`);
  if (filter.assignee === 'me') parts.push('assigned to the viewer');
  else if (filter.assignee === 'none') parts.push('unassigned');
  else if (filter.assignee) {
    const agent = agents.find((a) => a.id === filter.assignee);
    parts.push(`assigned to ${agent?.name ?? filter.assignee}`);
  }
  if (filter.department) parts.push(`department ${filter.department}`);
  if (filter.channel) parts.push(`via ${channelLabel(filter.channel)}`);
  if (filter.tags?.length) parts.push(`tagged ${filter.tags.join(', ')}`);
  if (filter.updated_more_than_hours_ago !== undefined) parts.push(`not updated for ${filter.updated_more_than_hours_ago} h`);
  return parts.join(' · ') || 'Every ticket';
}

/** The saved views page. */
export class ViewsAdminPage extends ListPage {
  constructor() {
    super({
      title: 'Saved views',
      subtitle: 'Ticket lists everyone sees in the nav, with how many tickets are in each.',
      listTitle: 'All views',
    });
  }

  above() {
    this.formArea = h('div');
    return [this.formArea];
  }

  async start() {
    this.directory = await loadDirectory();
    this.formArea.replaceChildren(this.form());
    this.load();
  }

  // refreshServerViews never fails: on an error it resolves the views known before.
  fetch() {
    return refreshServerViews();
  }

  render(views) {
    this.list.replaceChildren(table({
      caption: 'Views',
      captionHidden: true,
      columns: ['Name', 'Shows', { label: 'Tickets', class: 'num' }],
      rows: views.map((view) => [
        h('a', { href: href(serverViewKey(view.id)), text: view.name }),
        describeFilter(view.filter, this.directory?.agents),
        String(view.count ?? 0),
      ]),
      empty: 'No views yet.',
    }));
  }

  form() {
    const { agents = [], departments = [] } = this.directory ?? {};
    const name = h('input', { id: 'view-name', type: 'text', autocomplete: 'off', required: true });
    const statusBoxes = STATUSES.map((status) => {
      const box = h('input', { id: `view-status-${status}`, type: 'checkbox', value: status });
      return { box, element: h('div', { class: 'checkbox-field' }, box,
        h('label', { for: box.id, text: statusLabel(status) })) };
    });
    const assignee = select('view-assignee', [['', 'Anyone'], ['me', 'The agent looking (me)'], ['none', 'Nobody (unassigned)'],
      ...agents.filter((a) => a.role !== 'light_agent').map((a) => [a.id, a.name || a.email])]);
    const department = select('view-department', [['', 'Any department'], ...departments.map((d) => [d.name, d.name])]);
    const channel = select('view-channel', CHANNEL_OPTIONS);
    const tags = h('input', { id: 'view-tags', type: 'text', autocomplete: 'off' });
    const error = h('p', { class: 'form-error', role: 'alert' });
    const submit = h('button', { class: 'button button-primary', type: 'submit', text: 'Save view' });
    const form = h('form', { class: 'editor-form', novalidate: true, 'aria-labelledby': 'view-form-title' },
      h('h2', { id: 'view-form-title', class: 'card-title', text: 'New view' }),
      h('div', { class: 'form-grid' },
        field('view-name', 'Name', name),
        field('view-assignee', 'Assignee', assignee),
        field('view-department', 'Department', department),
        field('view-channel', 'Channel', channel),
        field('view-tags', 'Tags', tags, 'Tickets with all of these tags; separate with spaces or commas.')),
      h('fieldset', { class: 'form-section' }, h('legend', { text: 'Status' }),
        h('p', { class: 'hint', text: 'None ticked: any status.' }),
        h('div', { class: 'checkbox-row' }, statusBoxes.map((b) => b.element))),
      error, h('div', { class: 'form-actions' }, submit));
    this.onSubmit(form, { error, submit, save: async () => {
      const filter = {};
      const statuses = statusBoxes.filter((b) => b.box.checked).map((b) => b.box.value);
      if (statuses.length) filter.status = statuses;
      if (assignee.value) filter.assignee = assignee.value;
      if (department.value) filter.department = department.value;
      if (channel.value) filter.channel = channel.value;
      const tagList = tags.value.split(/[\s,]+/).map((t) => t.trim()).filter(Boolean);
      if (tagList.length) filter.tags = tagList;
      const { view } = await api.createView({ name: name.value.trim(), filter });
      return `View ${view?.name ?? ''} saved`;
    } });
    return h('section', { class: 'card card-editor' }, form);
  }
}
