// The API over fetch: JSON in and out, the bearer token when signed in, problem+json refusals
// turned into ApiError (whose message is the problem's `detail`), and a lost connection noticed.

export class ApiError extends Error {
  constructor(status, detail, body) {
    super(detail);
    this.status = status;
    this.body = body;
  }
}

// What the page does when the network or the server goes away, and when it comes back.
const connection = { lost: false, listeners: new Set() };

export function onConnectionChange(listener) {
  connection.listeners.add(listener);
}

function setLost(lost) {
  if (connection.lost === lost) return;
  connection.lost = lost;
  for (const listener of connection.listeners) listener(lost);
  if (lost) waitForServer();
}

// Poll the readiness probe (the server and its database answer) until it says yes, backing off up to 10 s.
async function waitForServer(delayMs = 1000) {
  await new Promise((resolve) => setTimeout(resolve, delayMs));
  try {
    const response = await fetch('/readyz', { cache: 'no-store' });
    if (response.ok) {
      setLost(false);
      return;
    }
  } catch {
    // still unreachable
  }
  waitForServer(Math.min(delayMs * 2, 10000));
}

// Someone who supplies the current access token, and refreshes it when the API says it expired.
let tokens = { current: () => null, refresh: async () => false };

export function useTokens(provider) {
  tokens = provider;
}

async function send(method, path, body, headers) {
  const options = { method, headers: { Accept: 'application/json', ...headers } };
  const token = tokens.current();
  if (token) options.headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) {
    options.headers['Content-Type'] = 'application/json';
    options.body = JSON.stringify(body);
  }
  try {
    const response = await fetch(path, options);
    setLost(response.status === 503);
    return response;
  } catch (error) {
    setLost(true);
    throw new ApiError(0, 'The connection was lost; retrying…', null);
  }
}

// One request; resolves to the parsed body (null for 204), rejects with ApiError.
export async function request(method, path, body, headers = {}) {
  let response = await send(method, path, body, headers);
  if (response.status === 401 && tokens.current() && (await tokens.refresh())) {
    response = await send(method, path, body, headers);
  }
  if (response.status === 204) return null;
  const type = response.headers.get('Content-Type') || '';
  const parsed = type.includes('json') ? await response.json() : null;
  if (!response.ok) {
    const detail = parsed && (parsed.detail || parsed.title);
    throw new ApiError(response.status, detail || `The server answered ${response.status}`, parsed);
  }
  return parsed;
}

export const get = (path) => request('GET', path);
export const post = (path, body, headers) => request('POST', path, body, headers);
export const put = (path, body) => request('PUT', path, body);
export const del = (path) => request('DELETE', path);
