/**
 * The admin section: its pages in nav order. Only admins see the section in the nav; the API
 * refuses everyone else anyway, and its message is what they see if they open a page directly.
 * Agents may read shortcuts (they use them in replies), so that page checks the role itself.
 */
import { AgentsPage } from './agents.js';
import { DepartmentsPage } from './departments.js';
import { RULE_KINDS } from './rule_kinds.js';
import { RulesPage } from './rules.js';
import { ShortcutsPage } from './shortcuts.js';
import { ViewsAdminPage } from './views.js';
import { WebhooksPage } from './webhooks.js';

export const ADMIN_SECTIONS = [
  { id: 'departments', label: 'Departments', create: () => new DepartmentsPage() },
  { id: 'agents', label: 'Agents', create: () => new AgentsPage() },
  ...['assignment-rules', 'triggers', 'automations', 'macros', 'sla-policies'].map((id) => ({
    id, label: RULE_KINDS[id].title, create: () => new RulesPage(RULE_KINDS[id]),
  })),
  { id: 'shortcuts', label: 'Shortcuts', create: (agent) => new ShortcutsPage({ agent }) },
  { id: 'webhooks', label: 'Webhooks', create: () => new WebhooksPage() },
  { id: 'views', label: 'Saved views', create: () => new ViewsAdminPage() },
];

/** The page for an admin section (the first section when unknown); agent is the signed-in agent. */
export function createAdminPage(section, agent = null) {
  return (ADMIN_SECTIONS.find((item) => item.id === section) ?? ADMIN_SECTIONS[0]).create(agent);
}
