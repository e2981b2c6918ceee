// Signing in with Supabase Auth's API: this server's /auth/v1 on the local database, or the
// Supabase project's Auth (GET /config.json says which). The session lives in localStorage, as
// supabase-js keeps it by default, so every tab and the next visit are signed in; never in a URL.
// Its access token is refreshed a minute before it expires. Refresh tokens rotate and a spent one
// ends the session, so tabs refresh one at a time (a Web Lock) and each adopts what another
// stored; signing out in one tab removes the session, and every other tab hears of it.

import * as refreshLog from './refresh_log.js';

const STORAGE_KEY = 'chirp.session';
const REFRESH_LOCK = 'chirp.session.refresh';
const REFRESH_MARGIN_SECONDS = 60;

let config = { auth_url: '', anon_key: '' };
let configLoaded = null;
let session = null;
let refreshTimer = null;
let refreshing = null;
const listeners = new Set();

export class AuthError extends Error {
  constructor(status, message, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function authUrl(path) {
  return `${config.auth_url || ''}/auth/v1${path}`;
}

// One call to Supabase Auth; its errors come as {msg} or {message}, with an error code.
async function auth(method, path, body, accessToken) {
  await configLoaded;
  // The project's key goes in `apikey` (a publishable key is no JWT); only a user's token is a bearer.
  const headers = { apikey: config.anon_key, 'Content-Type': 'application/json' };
  if (accessToken) headers.Authorization = `Bearer ${accessToken}`;
  let response;
  try {
    response = await fetch(authUrl(path), { method, headers, body: body && JSON.stringify(body) });
  } catch {
    throw new AuthError(0, 'Could not reach the sign-in service; check your connection.', 'network');
  }
  if (response.status === 204) return null;
  const parsed = await response.json().catch(() => ({}));
  if (!response.ok) {
    const message = parsed.msg || parsed.message || parsed.error_description || `Sign-in failed (${response.status})`;
    throw new AuthError(response.status, message, parsed.error_code || parsed.code);
  }
  return parsed;
}

function saved() {
  try {
    return JSON.parse(localStorage.getItem(STORAGE_KEY));
  } catch {
    return null;
  }
}

// Make `next` this tab's session (stored or not): schedule its refresh, tell the listeners.
function adopt(next) {
  session = next;
  clearTimeout(refreshTimer);
  if (session) {
    const inSeconds = session.expires_at - REFRESH_MARGIN_SECONDS - Date.now() / 1000;
    refreshTimer = setTimeout(() => refresh(false), Math.max(0, inSeconds * 1000));
  }
  for (const listener of listeners) listener(session);
}

function store(next) {
  if (next) localStorage.setItem(STORAGE_KEY, JSON.stringify(next));
  else localStorage.removeItem(STORAGE_KEY);
  adopt(next);
}

// Another tab signed in, refreshed or signed out (`key` is null when the storage was cleared).
window.addEventListener('storage', (event) => {
  if (event.key === STORAGE_KEY || event.key === null) adopt(saved());
});

export function onSessionChange(listener) {
  listeners.add(listener);
}

export function current() {
  return session;
}

export function accessToken() {
  return session ? session.access_token : null;
}

export function userId() {
  return session && session.user ? session.user.id : null;
}

// The saved session at once (no request needed to show a signed-in page); refreshed first if it is due.
export async function start() {
  configLoaded = fetch('/config.json').then((response) => response.json()).then((loaded) => { config = loaded; });
  const found = saved();
  if (!found) return;
  if (!due(found)) adopt(found);
  else {
    session = found;
    await refresh(false);
  }
}

export async function signUp(email, password) {
  const answer = await auth('POST', '/signup', { email, password });
  if (!answer.access_token) {
    // A Supabase project that confirms emails first: there is no session yet.
    throw new AuthError(200, 'Check your email to confirm your account, then sign in.', 'confirmation');
  }
  return answer;
}

export async function signIn(email, password) {
  store(await auth('POST', '/token?grant_type=password', { email, password }));
}

// Begin a session that sign-up returned (after the caller noted that its user has no profile yet).
export function begin(answer) {
  store(answer);
}

function due(saved) {
  return saved.expires_at - REFRESH_MARGIN_SECONDS <= Date.now() / 1000;
}

// Spend the refresh token while holding the lock. Another tab may have refreshed meanwhile: its
// session is taken instead, and a timer finds nothing due. The API's 401 (`force`) refreshes anyway.
async function refreshOnce(force) {
  const latest = saved();
  if (!latest) {
    adopt(null); // signed out elsewhere meanwhile
    return false;
  }
  const newer = !session || latest.refresh_token !== session.refresh_token;
  if (!due(latest) && (newer || !force)) {
    if (newer) adopt(latest);
    return true;
  }
  const replaced = await refreshLog.replacement(latest.refresh_token);
  if (replaced) { // spent by another tab a moment ago; this tab's localStorage had not caught up
    store(replaced);
    return true;
  }
  try {
    const next = await auth('POST', '/token?grant_type=refresh_token', { refresh_token: latest.refresh_token });
    await refreshLog.record(latest.refresh_token, next); // before the lock is released
    store(next);
    return true;
  } catch (error) {
    if (error.status >= 400 && error.status < 500) store(null); // revoked or spent: signed out
    return false;
  }
}

// A new access token; resolves to whether it worked (one refresh at a time, across tabs).
export function refresh(force = true) {
  if (!session) return Promise.resolve(false);
  if (!refreshing) {
    const task = () => refreshOnce(force);
    const locked = navigator.locks ? navigator.locks.request(REFRESH_LOCK, task) : task();
    refreshing = locked.finally(() => { refreshing = null; });
  }
  return refreshing;
}

export async function signOut() {
  const token = accessToken();
  store(null);
  refreshLog.forget();
  if (token) {
    try {
      await auth('POST', '/logout?scope=local', undefined, token);
    } catch {
      // Signed out here either way; the server's copy expires with its token.
    }
  }
}
