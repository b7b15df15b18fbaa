/**
 * The one HTTP client for the agent API: JSON in and out, the bearer token on every call,
 * errors turned into ApiError with a message a person can read, and 401 reported once.
 */
import { API_BASE } from './config.js';

/** An API call that failed; `message` is fit to show to the agent. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

let token = null;
let unauthorizedHandler = () => {};

/** Use this token on every call from now on (null signs out). */
export function useToken(value) {
  token = value;
}

/** Call handler(error) whenever the API answers 401 to a signed-in call. */
export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

function describe(status, data) {
  if (data && typeof data.message === 'string' && typeof data.error === 'string') return data.message;
  if (status === 403 || status === 404 || status === 405) {
    return `This server does not offer that action yet (HTTP ${status}). Ask an admin to update Parley.`;
  }
  if (status >= 500) return `Parley had a problem on the server (HTTP ${status}). Try again in a moment.`;
  return `The request failed (HTTP ${status}).`;
}

/** Send one request; resolve with the JSON body or reject with an ApiError. */
export async function request(method, path, { body, headers = {}, signal } = {}) {
  const init = { method, headers: { Accept: 'application/json', ...headers }, signal };
  const signedIn = Boolean(token);
  if (signedIn) init.headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(API_BASE + path, init);
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    throw new ApiError(0, 'network', 'Parley could not be reached. Check your connection and try again.');
  }
  const data = await response.json().catch(() => null);
  if (response.ok) return data ?? {};
  const error = new ApiError(response.status, data?.error ?? `http_${response.status}`,
    describe(response.status, data));
  if (response.status === 401 && signedIn) unauthorizedHandler(error);
  throw error;
}

function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, value);
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** Exchange email and password for {token, expires_in, agent}. */
export function login(email, password) {
  return request('POST', '/auth/login', { body: { email, password } });
}

/** The signed-in agent's profile. */
export function currentAgent() {
  return request('GET', '/agents/me');
}

/** One page of tickets: {tickets, next_cursor}. */
export function listTickets({ status, assignee, cursor, limit = 25 } = {}, signal) {
  return request('GET', `/tickets${query({ status, assignee, limit, cursor })}`, { signal });
}

/** A ticket with its messages, audit trail, customer and the customer's other tickets. */
export function getTicket(id, signal) {
  return request('GET', `/tickets/${encodeURIComponent(id)}`, { signal });
}

/** Add a public reply (isPublic) or an internal note to a ticket, with the ids of uploaded files. */
export function addMessage(id, body, isPublic, attachments = []) {
  return request('POST', `/tickets/${encodeURIComponent(id)}/messages`,
    { body: { body, public: isPublic, attachments } });
}

/**
 * Upload a file for a reply or note on a ticket: Parley checks it and hands out a form, the file goes
 * straight to storage with it. Resolves with {id, filename, content_type, size}; the id goes on the message.
 */
export async function uploadAttachment(ticketId, file) {
  const { attachment, upload } = await request('POST', `/tickets/${encodeURIComponent(ticketId)}/attachments`,
    { body: { filename: file.name, content_type: file.type, size: file.size } });
  const form = new FormData();
  for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
  form.append(upload.file_field, file);
  let response;
  try {
    response = await fetch(upload.url, { method: upload.method, body: form });
  } catch {
    throw new ApiError(0, 'network',
      `${attachment.filename} could not be uploaded: the file store could not be reached.`);
  }
  if (!response.ok) {
    throw new ApiError(response.status, 'upload_failed',
      `${attachment.filename} could not be uploaded (HTTP ${response.status}); try again.`);
  }
  return attachment;
}

/** A short-lived download link for a file a ticket's message carries: {url, expires_in}. */
export function attachmentLink(ticketId, key) {
  const [, folder, filename] = key.split('/');
  return request('GET', path('tickets', ticketId, 'attachments', folder, filename));
}

/** Change ticket properties; `version` guards against overwriting someone else's change (409). */
export function updateTicket(id, version, changes) {
  return request('PATCH', `/tickets/${encodeURIComponent(id)}`,
    { body: changes, headers: { 'If-Match': String(version) } });
}

/** Every agent (for assignment): {agents: [{id, name, role, presence, ...}]}. */
export function listAgents() {
  return request('GET', '/agents');
}

/** Every department (for transfers): {departments: [{name, ...}]}. */
export function listDepartments() {
  return request('GET', '/departments');
}

/** Set the signed-in agent's presence: "online", "away" or "offline". */
export function setPresence(presence) {
  return request('PUT', '/agents/me/presence', { body: { status: presence } });
}

function path(...segments) {
  return segments.map((segment) => `/${encodeURIComponent(segment)}`).join('');
}

// Live monitor --------------------------------------------------------------------------------------

/** Queues, waits, each agent's load against capacity, presence counts and CSAT today. */
export function monitor(signal) {
  return request('GET', '/monitor', { signal });
}

// Views kept on the server -----------------------------------------------------------------------

/** Built-in and saved views with their counts: {views: [{id, name, filter, count}]}. */
export function listViews() {
  return request('GET', '/views');
}

/** A server view's tickets: {view, tickets, count}. */
export function viewTickets(id, signal) {
  return request('GET', `${path('views', id)}/tickets`, { signal });
}

/** Save a view (admins): {name, filter: {status, assignee, department, tags, channel}}. */
export function createView(view) {
  return request('POST', '/views', { body: view });
}

// Departments and agents (admin) ------------------------------------------------------------------

/** Create or change a department's routing settings (admins); the name says which. */
export function saveDepartment(department) {
  return request('POST', '/departments', { body: department });
}

/** Change an agent's departments, skills or per-channel capacity (admins). */
export function updateAgent(id, changes) {
  return request('PATCH', path('agents', id), { body: changes });
}

// Business rules: triggers, automations, macros, SLA policies, assignment rules -------------------

/** Every rule of a kind, by position; `collection` is its path, e.g. "/triggers". */
export function listRules(collection, signal) {
  return request('GET', collection, { signal });
}

/** Create a rule (admins). */
export function createRule(collection, rule) {
  return request('POST', collection, { body: rule });
}

/** Replace a rule (admins); its id, position and enabled state stay. */
export function replaceRule(collection, id, rule) {
  return request('PUT', `${collection}${path(id)}`, { body: rule });
}

/** Change some of a rule's fields, e.g. {active: false} (admins). */
export function patchRule(collection, id, changes) {
  return request('PATCH', `${collection}${path(id)}`, { body: changes });
}

/** Delete a rule (admins). */
export function deleteRule(collection, id) {
  return request('DELETE', `${collection}${path(id)}`);
}

/** Run the rules in this order (admins). */
export function reorderRules(collection, ids) {
  return request('POST', `${collection}/reorder`, { body: { ids } });
}

/** The macros agents can apply: {macros: [...]}. */
export function listMacros() {
  return request('GET', '/macros');
}

/** The chat shortcuts agents type as "/name": {shortcuts: [{name, text, active}]}. */
export function listShortcuts() {
  return request('GET', '/shortcuts');
}

/** A shortcut's text with its placeholders filled in for a ticket: {name, text}. */
export function renderShortcut(ticketId, name) {
  return request('GET', path('tickets', ticketId, 'shortcuts', name));
}

/** Apply a macro to a ticket: its field changes and comment in one update, guarded by the version. */
export function applyMacro(ticketId, macroId, version) {
  return request('POST', `${path('tickets', ticketId, 'macros', macroId)}/apply`,
    { headers: { 'If-Match': String(version) } });
}

// Webhooks (admin) -----------------------------------------------------------------------------------

/** Webhook subscriptions, without their secrets. */
export function listWebhooks(signal) {
  return request('GET', '/webhooks', { signal });
}

/** Subscribe a URL: {url, events?}; the answer shows the signing secret, once. */
export function createWebhook(webhook) {
  return request('POST', '/webhooks', { body: webhook });
}

/** Unsubscribe. */
export function deleteWebhook(id) {
  return request('DELETE', path('webhooks', id));
}

// Customers --------------------------------------------------------------------------------------------

/** A customer with open and past tickets on every channel and their CSAT. */
export function getCustomer(id, signal) {
  return request('GET', path('customers', id), { signal });
}

/** Find a customer by one identity, e.g. {email: "mia@example.com"} or {phone: "+4915..."}. */
export function findCustomer(identity) {
  return request('GET', `/customers${query(identity)}`);
}

/** Merge customer `mergeId` into `keepId`: identities and tickets move to keepId. */
export function mergeCustomer(keepId, mergeId) {
  return request('POST', `${path('customers', keepId)}/merge`, { body: { customer_id: mergeId } });
}
