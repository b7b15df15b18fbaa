/**
 * The views kept on the server (/api/views): built-in ones such as "Unassigned" and those admins
 * saved, each with its ticket count. Fetched when the nav needs them; listeners hear every update.
 */
import * as api from './api.js';

let views = [];
let pending = null;
const listeners = new Set();

/** The last known views: [{id, name, filter, count}]. */
export function serverViews() {
  return views;
}

/** One known view by id (undefined until fetched). */
export function serverView(id) {
  return views.find((view) => view.id === id);
}

/** Fetch the views and counts again (calls made while one is under way share it). */
export function refreshServerViews() {
  pending ??= api.listViews()
    .then((result) => {
      views = result.views ?? [];
      for (const listener of listeners) listener(views, null);
      return views;
    })
    .catch((error) => {
      for (const listener of listeners) listener(views, error);
      return views;
    })
    .finally(() => { pending = null; });
  return pending;
}

/** Call listener(views, error) after every fetch. */
export function onServerViews(listener) {
  listeners.add(listener);
}

/** Forget the views (sign out). */
export function resetServerViews() {
  views = [];
}
