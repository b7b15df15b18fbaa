/**
 * The views kept on the server (/api/views): built-in ones such as "Unassigned" and those admins
 * saved, each with its ticket count. Fetched when the nav needs them; listeners hear every update.
 */
import * as api from './api.js';

let views = [];
let inflight = null;
let queued = null;
const listeners = new Set();

/** The last known views: [{id, name, filter, count}]. */
export function serverViews() {
  return views;
}

/** One known view by id (undefined until fetched). */
export function serverView(id) {
  return views.find((view) => view.id === id);
}

/**
 * Fetch the views and counts again. A call made while a fetch is under way gets one more fetch
 * after it (that one may have started before a change the caller just made); calls made
 * meanwhile share it.
 */
export function refreshServerViews() {
  if (!inflight) {
    inflight = fetchViews().finally(() => { inflight = null; });
    return inflight;
  }
  queued ??= inflight.then(() => {
    queued = null;
    return refreshServerViews();
  });
  return queued;
}

function fetchViews() {
  return api.listViews()
    .then((result) => {
      views = result.views ?? [];
      for (const listener of listeners) listener(views, null);
      return views;
    })
    .catch((error) => {
      for (const listener of listeners) listener(views, error);
      return views;
    });
}

/** Call listener(views, error) after every fetch. */
export function onServerViews(listener) {
  listeners.add(listener);
}

/** Forget the views (sign out). */
export function resetServerViews() {
  views = [];
}
