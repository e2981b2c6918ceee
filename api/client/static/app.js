// The chirp web client: a client of the public API only. Routes live in the URL's fragment
// (#/home, #/public, #/users/NAME, #/tweets/ID, #/hashtags/TAG, #/search/WORDS, #/bookmarks,
// #/notifications, #/trends, #/blocked, #/muted, #/sign-in); tokens never do.
// This module wires routes, the session and the user's live stream; the views show each route.

import { ApiError, get, onConnectionChange, useTokens } from './api.js';
import * as discovery from './discovery.js';
import { userStream } from './live.js';
import * as me from './me.js';
import { catchUpNotifications, forgetUnread, loadUnread, receive, renderNotifications } from './notifications.js';
import { catchUp } from './pager.js';
import { renderProfile } from './profile.js';
import { renderBlocked, renderMuted } from './safety.js';
import * as session from './session.js';
import { removeTweet } from './tweets.js';
import { $, attempt, forgetViewLists, showAccount, showMessage, state } from './ui.js';
import * as views from './views.js';

function route() {
  if (state.viewStream) state.viewStream.close();
  state.viewStream = null;
  state.composer = null;
  forgetViewLists();
  const [, name, argument] = (location.hash || '#/').split('/');
  const routes = {
    home: views.renderHome, public: views.renderPublic, trends: views.renderTrends, 'sign-in': views.renderSignIn,
    notifications: () => views.requireProfile() && renderNotifications(),
    blocked: () => views.requireProfile() && renderBlocked(),
    muted: () => views.requireProfile() && renderMuted(),
    users: () => renderProfile(decodeURIComponent(argument || '')),
    tweets: () => discovery.renderThread(decodeURIComponent(argument || '')),
    hashtags: () => discovery.renderHashtag(decodeURIComponent(argument || '')),
    search: () => discovery.renderSearch(decodeURIComponent(argument || '')),
    bookmarks: () => views.requireProfile() && discovery.renderBookmarks(),
    me: () => (state.me ? renderProfile(state.me.username) : views.requireProfile()),
  };
  document.body.classList.toggle('searching', name === 'search'); // a phone shows the search box then
  const view = routes[name] || (session.current() ? views.renderHome : views.renderPublic);
  view();
  markCurrentLink();
  $('#view-title').focus();
}

function markCurrentLink() {
  for (const link of document.querySelectorAll('nav a')) {
    if (link.getAttribute('href') === location.hash) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

function startUserStream() {
  if (state.userStream) state.userStream.close();
  state.userStream = userStream({
    tweet: (tweet) => state.liveTweets?.upsert(tweet),
    delete: removeTweet,
    notification: receive,
    onReconnect: () => {
      catchUpNotifications();
      if (state.liveTweets) catchUp('/timeline', state.liveTweets);
    },
  });
}

// The caller's profile from the API, or null before they choose a username (GET /me answers 404 then).
async function fetchProfile(userId) {
  try {
    const profile = await get('/me');
    me.remember(userId, profile);
    return profile;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      me.remember(userId, null);
      return null;
    }
    showMessage(error.message);
    return null;
  }
}

// The profile remembered in this browser shows at once (and is checked in the background);
// only a browser that never knew it asks before showing anything.
async function loadProfile() {
  const userId = session.userId();
  const known = me.remembered(userId);
  if (known === undefined) return fetchProfile(userId);
  if (known) {
    fetchProfile(userId).then((fresh) => {
      if (fresh && session.userId() === userId) {
        state.me = fresh;
        showAccount();
      }
    });
  }
  return known;
}

async function signedIn() {
  state.me = await loadProfile();
  showAccount();
  attempt(loadUnread);
  startUserStream();
}

function signedOut() {
  if (state.userStream) state.userStream.close();
  state.userStream = null;
  state.me = null;
  state.liked.clear();
  state.following.clear();
  state.hiddenAuthors.clear();
  forgetUnread();
  me.forget();
  showAccount();
}

// Whoever is signed in, in this tab or another: a change of user shows the page anew.
function followSession() {
  let shownUserId;
  session.onSessionChange((current) => {
    const userId = current ? session.userId() : null;
    if (userId === shownUserId) return; // a refreshed token changes nothing here
    if (shownUserId) signedOut();
    shownUserId = userId;
    if (!current) {
      route();
      return;
    }
    signedIn().then(() => {
      if (['', '#/', '#/sign-in'].includes(location.hash)) history.replaceState(null, '', '#/home');
      route();
    });
  });
  // A username chosen, or a profile edited, in another tab.
  me.onChangeElsewhere((userId, profile) => {
    if (userId !== session.userId()) return;
    const hadProfile = Boolean(state.me);
    state.me = profile;
    showAccount();
    if (!hadProfile && profile) route();
  });
}

function followConnection() {
  onConnectionChange((lost) => {
    const banner = $('#connection');
    banner.hidden = false;
    banner.textContent = lost ? 'Connection lost. Reconnecting…' : 'Back online.';
    if (!lost) {
      setTimeout(() => { banner.hidden = true; }, 3000);
      if (session.current()) { // catch up: what was missed, and a stream without a long backoff
        attempt(loadUnread);
        startUserStream();
      }
      route();
    }
  });
}

async function main() {
  state.rerender = route;
  useTokens({ current: session.accessToken, refresh: session.refresh });
  followConnection();
  followSession();
  $('#sign-out').addEventListener('click', () => session.signOut());
  discovery.wireSearchForm();
  window.addEventListener('hashchange', () => { showMessage(''); route(); });
  showAccount();
  await session.start();
  if (!session.current()) route();
}

main();
