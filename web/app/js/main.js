/**
 * Starts the agent app: restores or asks for a session, then wires the nav, inbox,
 * ticket pane, full-width pages (monitor, admin, customer) and live connection together
 * and follows the URL.
 */
import * as api from './api.js';
import { announce } from './announce.js';
import { showLogin } from './auth.js';
import { resetDirectory } from './directory.js';
import { byId, show } from './dom.js';
import { initials, roleLabel } from './format.js';
import { Inbox } from './inbox.js';
import { LiveConnection } from './live.js';
import { Nav } from './nav.js';
import { PageHost } from './pages.js';
import { currentRoute, onRouteChange } from './router.js';
import { resetServerViews } from './server_views.js';
import { clearSession, loadSession, saveSession } from './session.js';
import { TicketPane } from './ticket.js';
import { VIEW_IDS } from './views.js';

const LIVE_TEXT = { connecting: 'Connecting…', live: 'Live updates on', offline: 'Offline — reconnecting…' };

let agent = null;
let lastView = null;
const inbox = new Inbox({ agent: () => agent });
const nav = new Nav({ agent: () => agent });
const pages = new PageHost({ agent: () => agent });
const live = new LiveConnection({
  onFrame: handleFrame,
  onState: (state) => {
    byId('live-status').dataset.state = state;
    byId('live-status-text').textContent = LIVE_TEXT[state];
    // After every (re)connect, follow the open ticket again and fetch what was missed.
    if (state === 'live') ticketPane.follow();
  },
  // A refused socket often means the token expired; asking the API settles it (401 → sign-in).
  onRefused: () => { if (agent) api.currentAgent().catch(() => {}); },
});
const ticketPane = new TicketPane({
  agent: () => agent,
  viewId: () => currentRoute(VIEW_IDS).view,
  onTicketChanged: (ticket) => inbox.update(ticket),
  live,
});

function handleFrame(frame) {
  nav.receive(frame);
  pages.receive(frame);
  if (frame.type === 'ticket_created' && frame.ticket) {
    inbox.addLive(frame.ticket);
    return;
  }
  if (frame.type === 'status' && frame.ticket_id) inbox.update({ id: frame.ticket_id, status: frame.status });
  if (frame.type === 'assigned' && frame.ticket_id) {
    inbox.update({ ...frame.ticket, id: frame.ticket_id, assignee_id: frame.assignee_id,
      department: frame.department }, { addIfMissing: Boolean(frame.ticket) });
  }
  if (frame.type === 'ticket_updated' && frame.ticket) inbox.update(frame.ticket);
  ticketPane.receive(frame);
}

function renderMe() {
  byId('me-name').textContent = agent.name || agent.email;
  byId('me-role').textContent = roleLabel(agent.role);
  byId('me-avatar').textContent = initials(agent.name || agent.email);
}

function renderPresence() {
  const select = byId('presence-select');
  show(byId('presence'), agent.role !== 'light_agent');
  select.value = agent.presence || 'offline';
  select.dataset.state = select.value;
}

async function changePresence(event) {
  const select = event.target;
  const wanted = select.value;
  const error = byId('presence-error');
  error.textContent = '';
  try {
    const { agent: updated } = await api.setPresence(wanted);
    agent = { ...agent, presence: updated?.presence ?? wanted };
    announce(`You are ${wanted}`);
  } catch (failure) {
    error.textContent = `Presence not changed: ${failure.message}`;
  }
  renderPresence();
}

function followRoute() {
  if (!agent) return;
  const route = currentRoute(VIEW_IDS);
  nav.render(route);
  // The views' counts are fetched again whenever the agent moves to another view or page.
  const place = route.page === 'inbox' ? route.view : route.page;
  if (place !== lastView) nav.refreshCounts();
  lastView = place;
  const onPage = route.page !== 'inbox';
  show(byId('inbox'), !onPage);
  show(byId('ticket-pane'), !onPage);
  document.body.classList.toggle('has-page', onPage);
  if (onPage) {
    ticketPane.close();
    inbox.leave(); // shown fresh on the way back
    document.body.classList.remove('has-ticket');
    pages.show(route);
    return;
  }
  pages.hide();
  const { view, ticketId } = route;
  inbox.show(view);
  inbox.select(ticketId);
  document.body.classList.toggle('has-ticket', ticketId !== null);
  if (ticketId === null) {
    ticketPane.close();
    document.title = `${inbox.view.label} · Parley`;
  } else {
    ticketPane.open(ticketId);
  }
}

function enterApp(token, profile) {
  api.useToken(token);
  agent = profile;
  renderMe();
  renderPresence();
  show(byId('login-screen'), false);
  show(byId('app-screen'), true);
  live.start(token);
  inbox.view = null;
  lastView = null;
  followRoute();
}

function signOut(reason = '') {
  live.stop();
  nav.stop();
  pages.hide();
  resetServerViews();
  resetDirectory();
  clearSession();
  api.useToken(null);
  agent = null;
  inbox.view = null;
  ticketPane.close();
  showLogin(enterApp, reason);
}

api.onUnauthorized((error) => {
  if (agent) signOut(`You were signed out: ${error.message}`);
});
onRouteChange(followRoute);
document.addEventListener('visibilitychange', () => ticketPane.markRead());
byId('presence-select').addEventListener('change', changePresence);
byId('sign-out').addEventListener('click', () => {
  // Leaving on purpose: stop being offered chats (best effort; the request carries the token already).
  if (agent?.presence === 'online' || agent?.presence === 'away') api.setPresence('offline').catch(() => {});
  signOut();
  announce('Signed out');
});

const saved = loadSession();
if (saved) {
  enterApp(saved.token, saved.agent);
  // Keep the profile fresh (role changes); a 401 here sends the agent to sign in.
  api.currentAgent().then(({ agent: fresh }) => {
    if (fresh && agent) {
      agent = fresh;
      saveSession(saved.token, fresh);
      renderMe();
      renderPresence();
      nav.render();
    }
  }).catch(() => {});
} else {
  showLogin(enterApp);
}
