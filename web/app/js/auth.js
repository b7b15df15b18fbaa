/** The sign-in screen: email and password in, a session out. */
import * as api from './api.js';
import { byId, show } from './dom.js';
import { saveSession } from './session.js';

/**
 * Show the sign-in form, with an optional reason (e.g. "your session expired").
 * onSignedIn(token, agent) runs after a successful sign-in.
 */
export function showLogin(onSignedIn, reason = '') {
  show(byId('app-screen'), false);
  show(byId('login-screen'), true);
  document.title = 'Sign in · Parley';
  const form = byId('login-form');
  const error = byId('login-error');
  error.textContent = reason;
  form.onsubmit = (event) => {
    event.preventDefault();
    submit(form, onSignedIn);
  };
  const email = byId('login-email');
  (email.value ? byId('login-password') : email).focus();
}

async function submit(form, onSignedIn) {
  const email = byId('login-email');
  const password = byId('login-password');
  const error = byId('login-error');
  const button = byId('login-submit');
  const missing = !email.value.trim() ? email : !password.value ? password : null;
  if (missing) {
    error.textContent = `Enter your ${missing === email ? 'email' : 'password'} to sign in.`;
    missing.setAttribute('aria-invalid', 'true');
    missing.focus();
    return;
  }
  email.removeAttribute('aria-invalid');
  password.removeAttribute('aria-invalid');
  error.textContent = '';
  button.disabled = true;
  button.textContent = 'Signing in…';
  try {
    const result = await api.login(email.value.trim(), password.value);
    saveSession(result.token, result.agent);
    password.value = '';
    onSignedIn(result.token, result.agent);
  } catch (failure) {
    error.textContent = failure instanceof api.ApiError ? failure.message : 'Signing in failed; try again.';
    password.select();
    password.focus();
  } finally {
    button.disabled = false;
    button.textContent = 'Sign in';
  }
}
