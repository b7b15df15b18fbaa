/**
 * The admin section: its pages in nav order. Only admins see the section in the nav; the API
 * refuses everyone else anyway, and its message is what they see if they open a page directly.
 */
import { AgentsPage } from './agents.js';
import { DepartmentsPage } from './departments.js';
import { RULE_KINDS } from './rule_kinds.js';
import { RulesPage } from './rules.js';
import { ViewsAdminPage } from './views.js';
import { WebhooksPage } from './webhooks.js';

export const ADMIN_SECTIONS = [
  { id: 'departments', label: 'Departments', create: () => new DepartmentsPage() },
  { id: 'agents', label: 'Agents', create: () => new AgentsPage() },
  ...['assignment-rules', 'triggers', 'automations', 'macros', 'sla-policies'].map((id) => ({
    id, label: RULE_KINDS[id].title, create: () => new RulesPage(RULE_KINDS[id]),
  })),
  { id: 'webhooks', label: 'Webhooks', create: () => new WebhooksPage() },
  { id: 'views', label: 'Saved views', create: () => new ViewsAdminPage() },
];

/** The page for an admin section (the first section when unknown). */
export function createAdminPage(section) {
  return (ADMIN_SECTIONS.find((item) => item.id === section) ?? ADMIN_SECTIONS[0]).create();
}
