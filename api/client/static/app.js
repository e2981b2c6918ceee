// The chirp web client: a client of the public API only. Routes live in the URL's fragment
// (#/home, #/public, #/users/NAME, #/tweets/ID, #/hashtags/TAG, #/search/WORDS, #/bookmarks,
// #/notifications, #/trends, #/sign-in); tokens never do. This module wires routes, the session
// and the user's live stream; views.js and discovery.js show each route.

import { ApiError, get, onConnectionChange, useTokens } from './api.js';
import * as discovery from './discovery.js';
import { userStream } from './live.js';
import { notificationItem } from './render.js';
import * as session from './session.js';
import { catchUp, prependTweet, removeTweet } from './tweets.js';
import { $, attempt, loadUnread, setUnread, showAccount, showMessage, state } from './ui.js';
import * as views from './views.js';

function route() {
  if (state.viewStream) state.viewStream.close();
  state.viewStream = null;
  state.composer = null;
  const [, name, argument] = (location.hash || '#/').split('/');
  const routes = {
    home: views.renderHome, public: views.renderPublic, notifications: views.renderNotifications,
    trends: views.renderTrends, 'sign-in': views.renderSignIn,
    users: () => views.renderProfile(decodeURIComponent(argument || '')),
    tweets: () => discovery.renderThread(decodeURIComponent(argument || '')),
    hashtags: () => discovery.renderHashtag(decodeURIComponent(argument || '')),
    search: () => discovery.renderSearch(decodeURIComponent(argument || '')),
    bookmarks: discovery.renderBookmarks,
    me: () => (state.me ? views.renderProfile(state.me.username) : views.requireProfile()),
  };
  const view = routes[name] || (session.current() ? views.renderHome : views.renderPublic);
  view();
  $('#view-title').focus();
}
function startUserStream() {
  if (state.userStream) state.userStream.close();
  state.userStream = userStream({
    tweet: (tweet) => { if (location.hash === '#/home') prependTweet(tweet); },
    delete: removeTweet,
    notification: (notification) => {
      setUnread(state.unread + 1);
      const list = location.hash === '#/notifications' && $('#view .notifications');
      if (list) {
        list.querySelector('.empty')?.remove();
        list.prepend(notificationItem(notification, views.markRead));
      }
    },
    onReconnect: () => {
      attempt(loadUnread);
      if (location.hash === '#/home') catchUp('/timeline');
      else if (location.hash === '#/notifications') route();
    },
  });
}

// The caller's profile, or null before they choose a username (GET /me answers 404 then).
async function loadMe() {
  try {
    return await get('/me');
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    showMessage(error.message);
    return null;
  }
}

async function signedIn() {
  state.me = await loadMe();
  showAccount();
  await attempt(loadUnread);
  startUserStream();
}

function signedOut() {
  if (state.userStream) state.userStream.close();
  state.userStream = null;
  state.me = null;
  setUnread(0);
  showAccount();
}

async function main() {
  state.rerender = route;
  useTokens({ current: session.accessToken, refresh: session.refresh });
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
  let wasSignedIn = false;
  session.onSessionChange((current) => {
    if (Boolean(current) === wasSignedIn) return; // a refreshed token changes nothing here
    wasSignedIn = Boolean(current);
    if (current) {
      signedIn().then(() => {
        if (['', '#/', '#/sign-in'].includes(location.hash)) history.replaceState(null, '', '#/home');
        route();
      });
    }
    else { signedOut(); route(); }
  });
  $('#sign-out').addEventListener('click', () => session.signOut());
  discovery.wireSearchForm();
  window.addEventListener('hashchange', () => { showMessage(''); route(); });
  showAccount();
  await session.start();
  if (!session.current()) route();
}

main();
