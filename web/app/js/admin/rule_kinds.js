/**
 * The kinds of business rules admins edit with the one rules editor: where each lives in the API,
 * what it is called, which parts its form has, and the words its rows suggest. The server checks
 * every rule and explains what to fix; the suggestions here only save typing.
 */

export const CONDITION_FIELDS = [
  'status', 'priority', 'type', 'department', 'assignee_id', 'requester_id', 'organization_id', 'requester_email',
  'channel', 'update_via', 'update_type', 'current_tags', 'subject_includes_word', 'comment_includes_word',
  'description_includes_word', 'comment_is_public', 'role', 'ticket_is_public', 'within_business_hours',
  'sla_breached', 'sla_next_breach_within', 'hours_since_created', 'hours_since_open', 'hours_since_pending',
  'hours_since_on_hold', 'hours_since_solved', 'hours_since_closed', 'hours_since_updated', 'hours_since_assigned',
  'hours_since_last_customer_message', 'hours_since_last_agent_message',
];

export const OPERATORS = [
  'is', 'is_not', 'less_than', 'greater_than', 'less_than_equal', 'greater_than_equal', 'includes', 'not_includes',
  'present', 'not_present', 'changed', 'changed_to', 'changed_from', 'not_changed', 'not_changed_to',
  'not_changed_from', 'is_business_hours', 'less_than_business_hours', 'greater_than_business_hours',
];

export const ACTION_FIELDS = [
  'status', 'priority', 'type', 'department', 'assignee_id', 'set_tags', 'current_tags', 'remove_tags',
  'comment_value', 'comment_value_html', 'comment_mode_is_public', 'internal_note', 'notification_user',
  'notification_group', 'notification_webhook',
];

export const SLA_METRICS = [['first_reply', 'First reply'], ['next_reply', 'Next reply'], ['resolution', 'Resolution']];
export const PRIORITY_OPTIONS = [['low', 'Low'], ['normal', 'Normal'], ['high', 'High'], ['urgent', 'Urgent']];
export const CHANNEL_OPTIONS = [['', 'Any channel'], ['email', 'Email'], ['chat', 'Chat'], ['sdk', 'Mobile SDK'],
  ['web', 'Web form'], ['whatsapp', 'WhatsApp'], ['messenger', 'Messenger'], ['instagram', 'Instagram'],
  ['telegram', 'Telegram'], ['sms', 'SMS'], ['phone', 'Phone'], ['api', 'API']];

/**
 * Each kind: collection (API path), plural / singular (JSON keys), label (the naming field),
 * noun and many (one and several, in sentences), title (page heading), intro, parts (what its
 * form edits) and whether it can be reordered.
 */
export const RULE_KINDS = {
  'assignment-rules': {
    collection: '/assignment-rules', plural: 'assignment_rules', singular: 'assignment_rule', label: 'name',
    noun: 'assignment rule', many: 'assignment rules', title: 'Assignment rules', parts: ['conditions', 'assign'],
    reorder: true,
    intro: 'Checked in order before normal routing: the first rule whose conditions match sends the ticket '
      + 'to an agent or a department.',
  },
  triggers: {
    collection: '/triggers', plural: 'triggers', singular: 'trigger', label: 'title', noun: 'trigger', many: 'triggers',
    title: 'Triggers', parts: ['conditions', 'actions'], reorder: true,
    intro: 'Run in order whenever a ticket is created or updated; when the conditions hold, the actions run.',
  },
  automations: {
    collection: '/automations', plural: 'automations', singular: 'automation', label: 'title', noun: 'automation',
    many: 'automations',
    title: 'Automations', parts: ['conditions', 'actions'], reorder: true,
    intro: 'Run on the clock against time conditions (hours since solved, since pending…); each acts on a '
      + 'ticket once.',
  },
  macros: {
    collection: '/macros', plural: 'macros', singular: 'macro', label: 'title', noun: 'macro', many: 'macros',
    title: 'Macros',
    parts: ['actions'], reorder: true,
    intro: 'Actions agents apply to a ticket in one click: a reply, a status, tags.',
  },
  'sla-policies': {
    collection: '/sla-policies', plural: 'sla_policies', singular: 'sla_policy', label: 'title',
    noun: 'SLA policy', many: 'SLA policies', title: 'SLA policies', parts: ['conditions', 'targets'], reorder: true,
    intro: 'The first policy whose conditions match a ticket sets its reply and resolution targets, counted '
      + 'in business hours unless a target says otherwise.',
  },
};

/** The parts of a rule the form edits itself; everything else of a stored rule is kept as it was. */
export const EDITED_KEYS = ['title', 'name', 'conditions', 'filter', 'actions', 'targets', 'policy_metrics',
  'assign', 'fallback'];

/** What the server manages; never sent back. */
export const SERVER_KEYS = ['id', 'created_at', 'updated_at', 'position', 'active', 'url'];
