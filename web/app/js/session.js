/** The signed-in agent's token and profile, kept in sessionStorage (gone when the tab closes). */
const KEY = 'parley.session';

/** The saved {token, agent}, or null when nobody is signed in. */
export function loadSession() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(KEY) ?? 'null');
    return saved && typeof saved.token === 'string' ? saved : null;
  } catch {
    return null;
  }
}

/** Remember the token and agent for this tab. */
export function saveSession(token, agent) {
  sessionStorage.setItem(KEY, JSON.stringify({ token, agent }));
}

/** Forget the session (sign out, or the API said the token is no longer good). */
export function clearSession() {
  sessionStorage.removeItem(KEY);
}
