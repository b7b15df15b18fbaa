/**
 * Who and what tickets can be given to: the agents and departments, fetched once per sign-in.
 * If either list cannot be fetched the app still works with what each ticket already shows.
 */
import * as api from './api.js';

let pending = null;

/** {agents, departments}, fetched on first use. */
export function loadDirectory() {
  pending ??= Promise.all([
    api.listAgents().then((r) => r.agents ?? []).catch(() => []),
    api.listDepartments().then((r) => r.departments ?? []).catch(() => []),
  ]).then(([agents, departments]) => ({ agents, departments }));
  return pending;
}

/** Forget the lists (sign out, or another agent signs in). */
export function resetDirectory() {
  pending = null;
}
