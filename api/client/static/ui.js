// What every view shares: the page's state, messages, the current view, the account in the header.

import { ApiError } from './api.js';
import { avatar } from './avatars.js';
import * as session from './session.js';

export const state = {
  me: null, // the signed-in user's profile, once they have one
  liked: new Set(), // tweets liked here, for an API whose tweets do not say `liked`
  following: new Set(), // users followed here, for an API whose profiles do not say `following`
  hiddenAuthors: new Set(), // ids of the users blocked or muted on this page: their tweets stay out (safety.js)
  userStream: null,
  viewStream: null,
  composer: null,
  // The current view's keyed lists: where live tweets go, where one's own new tweet goes, all of
  // them (a deletion leaves every one), and the notifications list when it is open.
  liveTweets: null,
  postedTweets: null,
  tweetLists: [],
  notifications: null,
  rerender: () => {}, // shows the current route again (set by app.js)
  pendingReply: null, // a reply started where there is no composer: Home opens with it
  pendingQuote: null, // likewise a quote
};

export const $ = (selector) => document.querySelector(selector);

// How many messages have been shown: an action clears only a message older than itself.
let messagesShown = 0;

export function showMessage(text) {
  const message = $('#message');
  message.textContent = text || '';
  message.hidden = !text;
  if (text) messagesShown += 1;
}

// Run an action; a refusal shows its problem+json detail. Resolves to the result, or undefined.
// A success clears a message shown before the action began, never one shown while it ran: a
// background fetch that succeeds must not wipe out the refusal of the form just submitted.
export async function attempt(action) {
  const shownBefore = messagesShown;
  try {
    const result = await action();
    if (messagesShown === shownBefore) showMessage('');
    return result ?? true; // 204s resolve to null: still done
  } catch (error) {
    if (error instanceof ApiError || error instanceof session.AuthError) showMessage(error.message);
    else throw error;
    return undefined;
  }
}

// A new view: its title, its content, and no lists of the view it replaces.
export function setView(title, ...children) {
  $('#view-title').textContent = title;
  document.title = `${title} · chirp`;
  $('#view').replaceChildren(...children);
}

export function forgetViewLists() {
  state.liveTweets = null;
  state.postedTweets = null;
  state.tweetLists = [];
  state.notifications = null;
}

export function showAccount() {
  const signedIn = Boolean(session.current());
  for (const node of document.querySelectorAll('[data-signed-in]')) node.hidden = !signedIn;
  for (const node of document.querySelectorAll('[data-signed-out]')) node.hidden = signedIn;
  $('#account-name').textContent = state.me ? `@${state.me.username}` : '';
  $('#account-avatar').replaceChildren(...(state.me ? [avatar(state.me, { size: 32 })] : []));
  const profileLink = state.me ? `#/users/${encodeURIComponent(state.me.username)}` : '#/me';
  $('#me-link').href = profileLink;
  $('#account-link').href = profileLink;
}
