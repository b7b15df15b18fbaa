/** How ticket fields read in the app: status and channel names, dates, initials. */
import { h } from './dom.js';

export const STATUSES = ['new', 'open', 'pending', 'on_hold', 'solved', 'closed'];
export const PRIORITIES = ['low', 'normal', 'high', 'urgent'];

const STATUS_LABELS = {
  new: 'New', open: 'Open', pending: 'Pending', on_hold: 'On hold', solved: 'Solved', closed: 'Closed',
};
const CHANNEL_LABELS = {
  email: 'Email', chat: 'Chat', sdk: 'Mobile SDK', web: 'Web form', whatsapp: 'WhatsApp',
  messenger: 'Messenger', instagram: 'Instagram', telegram: 'Telegram', sms: 'SMS', phone: 'Phone', api: 'API',
};
const ROLE_LABELS = { admin: 'Admin', agent: 'Agent', light_agent: 'Light agent' };

function titleCase(value) {
  const text = String(value ?? '').replaceAll('_', ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** "on_hold" → "On hold". */
export function statusLabel(status) {
  return STATUS_LABELS[status] ?? titleCase(status);
}

/** "whatsapp" → "WhatsApp". */
export function channelLabel(channel) {
  return CHANNEL_LABELS[channel] ?? titleCase(channel);
}

/** "light_agent" → "Light agent". */
export function roleLabel(role) {
  return ROLE_LABELS[role] ?? titleCase(role);
}

/** "high" → "High". */
export function priorityLabel(priority) {
  return titleCase(priority);
}

/** A coloured status pill. */
export function statusPill(status) {
  return h('span', { class: `pill pill-${status}`, text: statusLabel(status) });
}

const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dayFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });

function parse(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** "Nov 24, 2026, 9:28 AM". */
export function fullTime(iso) {
  const date = parse(iso);
  return date ? fullFormat.format(date) : '';
}

/** Short form for lists: "9:28 AM" today, "Nov 24" otherwise. */
export function shortTime(iso, now = new Date()) {
  const date = parse(iso);
  if (!date) return '';
  return date.toDateString() === now.toDateString() ? timeFormat.format(date) : dayFormat.format(date);
}

/** A <time> element with the exact date on hover. */
export function timeElement(iso, short = true) {
  return h('time', { datetime: iso, title: fullTime(iso), text: short ? shortTime(iso) : fullTime(iso) });
}

/** "Mia Chen" → "MC"; used for avatars. */
export function initials(name) {
  const parts = String(name ?? '').trim().split(/\s+/).filter(Boolean);
  if (parts.length === 0) return '?';
  return (parts[0][0] + (parts.length > 1 ? parts[parts.length - 1][0] : '')).toUpperCase();
}

/** 532 → "532 B", 48213 → "47 KB", 2400000 → "2.3 MB". */
export function fileSize(bytes) {
  const size = Number(bytes) || 0;
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${Math.round(size / 1024)} KB`;
  return `${(size / (1024 * 1024)).toFixed(1)} MB`;
}
