// What the last refresh spent and what it got, kept in IndexedDB. Another tab's copy of
// localStorage is updated a moment after a write (in its own process), so a tab that takes the
// refresh lock just after another released it may still read the spent refresh token there; a
// committed IndexedDB write is seen by every tab at once. Presenting a spent refresh token ends
// the whole session, so the tab holding the lock looks here before spending one.

const DATABASE = 'chirp';
const STORE = 'refreshes';
const KEY = 'last';

function openDatabase() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DATABASE, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

// One transaction on the store; resolves with the request's result once it has committed.
async function transaction(mode, action) {
  const database = await openDatabase();
  try {
    return await new Promise((resolve, reject) => {
      const done = database.transaction(STORE, mode);
      const request = action(done.objectStore(STORE));
      done.oncomplete = () => resolve(request.result);
      done.onerror = () => reject(done.error);
      done.onabort = () => reject(done.error);
    });
  } finally {
    database.close();
  }
}

// The session that replaced `refreshToken`, if a tab spent it; null otherwise (or without IndexedDB).
export async function replacement(refreshToken) {
  try {
    const last = await transaction('readonly', (store) => store.get(KEY));
    return last && last.spent === refreshToken ? last.session : null;
  } catch {
    return null;
  }
}

export async function record(spent, session) {
  try {
    await transaction('readwrite', (store) => store.put({ spent, session }, KEY));
  } catch {
    // Without IndexedDB, tabs rely on localStorage alone.
  }
}

export async function forget() {
  try {
    await transaction('readwrite', (store) => store.delete(KEY));
  } catch {
    // nothing kept
  }
}
