/**
 * Where the app finds the agent API and the WebSocket. Both default to this origin
 * (/api and /ws); a deployment that serves the app elsewhere sets the <meta> tags in index.html.
 */
function meta(name) {
  return document.querySelector(`meta[name="${name}"]`)?.content.trim() ?? '';
}

/** Base URL of the REST API, without a trailing slash. */
export const API_BASE = (meta('parley-api') || '/api').replace(/\/+$/, '');

/** URL of the WebSocket endpoint (the token is added as ?token=). */
export const WEBSOCKET_URL = meta('parley-websocket')
  || `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`;
