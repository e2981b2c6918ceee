// Signing in with Supabase Auth's API: this server's /auth/v1 on the local database, or the
// Supabase project's Auth (GET /config.json says which). The session lives in sessionStorage
// (gone with the tab, never in a URL) and its access token is refreshed a minute before it expires.

const STORAGE_KEY = 'chirp.session';
const REFRESH_MARGIN_SECONDS = 60;

let config = { auth_url: '', anon_key: '' };
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

function notify() {
  for (const listener of listeners) listener(session);
}

function store(next) {
  session = next;
  clearTimeout(refreshTimer);
  if (session) {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
    const inSeconds = session.expires_at - REFRESH_MARGIN_SECONDS - Date.now() / 1000;
    refreshTimer = setTimeout(refresh, Math.max(0, inSeconds * 1000));
  } else {
    sessionStorage.removeItem(STORAGE_KEY);
  }
  notify();
}

export function onSessionChange(listener) {
  listeners.add(listener);
}

export function current() {
  return session;
}

export function accessToken() {
  return session ? session.access_token : null;
}

export async function start() {
  const response = await fetch('/config.json');
  config = await response.json();
  const saved = sessionStorage.getItem(STORAGE_KEY);
  if (saved) {
    session = JSON.parse(saved);
    if (session.expires_at - REFRESH_MARGIN_SECONDS <= Date.now() / 1000) {
      await refresh();
    } else {
      store(session);
    }
  }
}

export async function signUp(email, password) {
  const answer = await auth('POST', '/signup', { email, password });
  if (!answer.access_token) {
    // A Supabase project that confirms emails first: there is no session yet.
    throw new AuthError(200, 'Check your email to confirm your account, then sign in.', 'confirmation');
  }
  store(answer);
}

export async function signIn(email, password) {
  store(await auth('POST', '/token?grant_type=password', { email, password }));
}

// Spend the refresh token for a new session; resolves to whether it worked (one at a time).
export function refresh() {
  if (!session) return Promise.resolve(false);
  if (!refreshing) {
    refreshing = auth('POST', '/token?grant_type=refresh_token', { refresh_token: session.refresh_token })
      .then((next) => { store(next); return true; })
      .catch((error) => {
        if (error.status >= 400 && error.status < 500) store(null); // revoked or spent: signed out
        return false;
      })
      .finally(() => { refreshing = null; });
  }
  return refreshing;
}

export async function signOut() {
  const token = accessToken();
  store(null);
  if (token) {
    try {
      await auth('POST', '/logout?scope=local', undefined, token);
    } catch {
      // Signed out here either way; the server's copy expires with its token.
    }
  }
}
