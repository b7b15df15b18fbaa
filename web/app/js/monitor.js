/**
 * The live monitor: queue size, average wait, agents online and CSAT today as tiles, the queue of
 * each department, and every agent's presence and load against capacity per channel group.
 * Refreshed every few seconds and soon after live frames about tickets.
 */
import * as api from './api.js';
import { h } from './dom.js';
import { card, duration, errorBanner, pageHeader, table } from './page.js';

const REFRESH_MS = 5000;
const FRAME_DELAY_MS = 400;
const TICKET_FRAMES = new Set(['ticket_created', 'ticket_updated', 'status', 'assigned', 'rated', 'presence']);
export const CHANNEL_GROUPS = [
  ['chat', 'Chat'], ['messaging', 'Messaging'], ['email', 'Email'], ['sms', 'SMS'], ['phone', 'Phone'],
];
const PRESENCE_ORDER = { online: 0, away: 1, offline: 2 };
const PRESENCE_LABELS = { online: 'Online', away: 'Away', offline: 'Offline' };
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit', second: '2-digit' });

/** The monitor page (any agent). */
export class MonitorPage {
  constructor() {
    this.title = 'Monitor';
    this.error = errorBanner();
    this.updated = h('p', { class: 'hint monitor-updated', text: 'Loading…' });
    this.tiles = h('div', { class: 'tiles' });
    this.queues = h('div');
    this.agents = h('div');
    this.element = h('div', { class: 'page-body monitor' },
      pageHeader('Monitor', {
        subtitle: 'Who is waiting, and who can take them — live.',
        actions: [this.updated, h('button', { class: 'button button-ghost button-small', type: 'button',
          text: 'Refresh', onclick: () => this.load() })],
      }),
      this.error.element,
      this.tiles,
      h('div', { class: 'monitor-grid' },
        card('Queues', this.queues),
        card('Agents', this.agents)));
    this.timer = null;
    this.frameTimer = null;
    this.loading = null;
  }

  start() {
    this.load();
    this.timer = setInterval(() => {
      if (document.visibilityState !== 'hidden') this.load();
    }, REFRESH_MS);
  }

  stop() {
    clearInterval(this.timer);
    clearTimeout(this.frameTimer);
    this.loading?.abort();
  }

  /** A live frame: tickets moved, so queues and loads did too; fetch again shortly. */
  receive(frame) {
    if (!TICKET_FRAMES.has(frame.type)) return;
    clearTimeout(this.frameTimer);
    this.frameTimer = setTimeout(() => this.load(), FRAME_DELAY_MS);
  }

  async load() {
    if (this.loading) return;
    const controller = new AbortController();
    this.loading = controller;
    try {
      const snapshot = await api.monitor(controller.signal);
      this.error.clear();
      this.render(snapshot);
    } catch (error) {
      if (error.name === 'AbortError') return;
      this.error.show(`The monitor could not be refreshed: ${error.message}`);
    } finally {
      if (this.loading === controller) this.loading = null;
    }
  }

  render(snapshot) {
    const at = new Date(snapshot.at);
    this.updated.textContent = Number.isNaN(at.getTime()) ? '' : `Updated ${timeFormat.format(at)}`;
    this.tiles.replaceChildren(...tiles(snapshot));
    this.queues.replaceChildren(queueTable(snapshot.queues ?? []));
    this.agents.replaceChildren(agentTable(snapshot.agents ?? []));
  }
}

function tile(label, value, detail, state = '') {
  return h('div', { class: `tile ${state}`, role: 'group', 'aria-label': label },
    h('p', { class: 'tile-label', text: label }),
    h('p', { class: 'tile-value', text: value }),
    h('p', { class: 'tile-detail', text: detail }));
}

function averageWait(queues) {
  const waiting = queues.reduce((sum, queue) => sum + (queue.waiting || 0), 0);
  if (!waiting) return 0;
  return queues.reduce((sum, queue) => sum + (queue.average_wait_seconds || 0) * (queue.waiting || 0), 0) / waiting;
}

function tiles(snapshot) {
  const queues = snapshot.queues ?? [];
  const presence = snapshot.presence ?? {};
  const csat = snapshot.csat_today ?? {};
  const longest = Math.max(0, ...queues.map((queue) => queue.longest_wait_seconds || 0));
  const rated = (csat.good || 0) + (csat.bad || 0);
  const size = snapshot.queue_size ?? 0;
  return [
    tile('Queue size', String(size), size === 1 ? 'ticket waiting' : 'tickets waiting', size > 0 ? 'tile-busy' : ''),
    tile('Average wait', duration(averageWait(queues)), `longest ${duration(longest)}`),
    tile('Agents online', String(presence.online ?? 0), `${presence.away ?? 0} away · ${presence.offline ?? 0} offline`),
    tile('CSAT today', csat.score === null || csat.score === undefined ? '—' : `${Math.round(csat.score * 100)}%`,
      rated ? `${csat.good || 0} good · ${csat.bad || 0} bad` : 'No ratings yet today'),
  ];
}

function queueTable(queues) {
  return table({
    caption: 'Waiting tickets by department',
    captionHidden: true,
    columns: ['Department', { label: 'Waiting', class: 'num' }, { label: 'Average wait', class: 'num' },
      { label: 'Longest wait', class: 'num' }],
    rows: queues.map((queue) => [
      queue.department ?? 'No department',
      String(queue.waiting ?? 0),
      queue.waiting ? duration(queue.average_wait_seconds) : '—',
      queue.waiting ? duration(queue.longest_wait_seconds) : '—',
    ]),
    empty: 'No departments yet.',
  });
}

/** A dot and word for online / away / offline. */
export function presenceBadge(presence) {
  const value = PRESENCE_LABELS[presence] ? presence : 'offline';
  return h('span', { class: `presence-badge presence-${value}` },
    h('span', { class: 'presence-dot', 'aria-hidden': 'true' }), PRESENCE_LABELS[value]);
}

function loadBar(groupLabel, name, load, capacity) {
  if (!capacity) {
    return h('span', { class: 'load load-none', text: load ? `${load} / —` : '—',
      title: `${name}: no ${groupLabel.toLowerCase()} capacity` });
  }
  const share = Math.min(1, load / capacity);
  const state = load >= capacity ? 'load-full' : share >= 0.75 ? 'load-high' : '';
  return h('span', { class: `load ${state}` },
    h('span', { class: 'load-bar', role: 'meter', 'aria-label': `${name} ${groupLabel.toLowerCase()} load`,
      'aria-valuemin': '0', 'aria-valuemax': String(capacity), 'aria-valuenow': String(Math.min(load, capacity)),
      'aria-valuetext': `${load} of ${capacity}` },
    h('span', { class: 'load-fill', dataset: { share: String(Math.round(share * 100)) } })),
    h('span', { class: 'load-text', text: `${load} / ${capacity}` }));
}

function agentTable(agents) {
  const sorted = [...agents].sort((a, b) => (PRESENCE_ORDER[a.presence] ?? 3) - (PRESENCE_ORDER[b.presence] ?? 3)
    || String(a.name ?? '').localeCompare(String(b.name ?? '')));
  const rendered = table({
    caption: 'Agents, their presence and load against capacity',
    captionHidden: true,
    columns: ['Agent', 'Presence', { label: 'Open tickets', class: 'num' },
      ...CHANNEL_GROUPS.map(([, label]) => ({ label, class: 'load-cell' }))],
    rows: sorted.map((agent) => {
      const name = agent.name || agent.id;
      return {
        props: { dataset: { agentId: agent.id }, class: `presence-row-${agent.presence}` },
        cells: [
          name,
          presenceBadge(agent.presence),
          String(agent.open_tickets ?? 0),
          ...CHANNEL_GROUPS.map(([group, label]) => loadBar(label, name, agent.load?.[group] ?? 0,
            agent.capacity?.[group] ?? 0)),
        ],
      };
    }),
    empty: 'No agents yet.',
  });
  // The CSP allows no inline styles from markup, but setting a property from script is fine.
  for (const fill of rendered.querySelectorAll('.load-fill')) fill.style.width = `${fill.dataset.share}%`;
  return rendered;
}
