// What every view shares: the page's state, messages, the unread badge, the current view.

import { ApiError, get } from './api.js';
import * as session from './session.js';

export const state = {
  me: null, // the signed-in user's profile, once they have one
  unread: 0,
  userStream: null,
  viewStream: null,
  composer: null,
  rerender: () => {}, // shows the current route again (set by app.js)
  pendingReply: null, // a reply started where there is no composer: Home opens with it
  pendingQuote: null, // likewise a quote
};

export const $ = (selector) => document.querySelector(selector);

export function showMessage(text) {
  const message = $('#message');
  message.textContent = text || '';
  message.hidden = !text;
}

// Run an action; a refusal shows its problem+json detail. Resolves to the result, or undefined.
export async function attempt(action) {
  try {
    const result = await action();
    showMessage('');
    return result ?? true; // 204s resolve to null: still done
  } catch (error) {
    if (error instanceof ApiError || error instanceof session.AuthError) showMessage(error.message);
    else throw error;
    return undefined;
  }
}

export function setUnread(count) {
  state.unread = Math.max(0, count);
  const badge = $('#unread-badge');
  badge.hidden = state.unread === 0;
  badge.textContent = state.unread > 99 ? '99+' : String(state.unread);
  $('#notifications-link').setAttribute('aria-label',
    state.unread ? `Notifications, ${state.unread} unread` : 'Notifications');
}

export async function loadUnread() {
  const page = await get('/notifications?unread=true&limit=100');
  setUnread(page.data.length + (page.next_cursor ? 1 : 0));
}

export function setView(title, ...children) {
  $('#view-title').textContent = title;
  document.title = `${title} · chirp`;
  $('#view').replaceChildren(...children);
}

export function showAccount() {
  const signedIn = Boolean(session.current());
  for (const node of document.querySelectorAll('[data-signed-in]')) node.hidden = !signedIn;
  for (const node of document.querySelectorAll('[data-signed-out]')) node.hidden = signedIn;
  $('#account-name').textContent = state.me ? `@${state.me.username}` : '';
  $('#me-link').href = state.me ? `#/users/${state.me.username}` : '#/me';
}
