// Who the signed-in user is on this site: their profile, remembered beside the session in
// localStorage so that every tab (and the next visit) knows at once whether they have chosen a
// username. A new account is remembered as having none, so sign-up asks for the username without
// a request that would fail (GET /me answers 404 until PUT /me); a returning one is asked for.

const STORAGE_KEY = 'chirp.profile';

// The remembered profile of `userId`: a profile, null (known to have none yet) or undefined (unknown).
export function remembered(userId) {
  try {
    const saved = JSON.parse(localStorage.getItem(STORAGE_KEY));
    return saved && saved.user_id === userId ? saved.profile : undefined;
  } catch {
    return undefined;
  }
}

export function remember(userId, profile) {
  localStorage.setItem(STORAGE_KEY, JSON.stringify({ user_id: userId, profile }));
}

export function forget() {
  localStorage.removeItem(STORAGE_KEY);
}

// `listener(userId, profile)` when another tab changes the remembered profile.
export function onChangeElsewhere(listener) {
  window.addEventListener('storage', (event) => {
    if (event.key !== STORAGE_KEY || !event.newValue) return;
    try {
      const saved = JSON.parse(event.newValue);
      listener(saved.user_id, saved.profile);
    } catch {
      // not ours to read
    }
  });
}
