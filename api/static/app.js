// The chirp web client: a client of the public API only. Routes live in the URL's fragment
// (#/home, #/public, #/users/NAME, #/notifications, #/trends, #/sign-in); tokens never do.

import { ApiError, del, get, onConnectionChange, post, put, useTokens } from './api.js';
import { composer } from './compose.js';
import { publicStream, userStream } from './live.js';
import { element, likesText, notificationItem, tweetArticle } from './render.js';
import * as session from './session.js';

const state = {
  me: null, // the signed-in user's profile, once they have one
  liked: new Set(), // tweets liked in this session (the API's tweets do not say who liked them)
  following: new Set(JSON.parse(sessionStorage.getItem('chirp.following') || '[]')),
  unread: 0,
  userStream: null,
  viewStream: null,
  composer: null,
  pendingReply: null, // a reply started where there is no composer: Home opens with it
};

const $ = (selector) => document.querySelector(selector);

function showMessage(text) {
  const message = $('#message');
  message.textContent = text || '';
  message.hidden = !text;
}

// Run an action; a refusal shows its problem+json detail. Resolves to the result, or undefined.
async function attempt(action) {
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

function setUnread(count) {
  state.unread = Math.max(0, count);
  const badge = $('#unread-badge');
  badge.hidden = state.unread === 0;
  badge.textContent = state.unread > 99 ? '99+' : String(state.unread);
  $('#notifications-link').setAttribute('aria-label',
    state.unread ? `Notifications, ${state.unread} unread` : 'Notifications');
}

async function loadUnread() {
  const page = await get('/notifications?unread=true&limit=100');
  setUnread(page.data.length + (page.next_cursor ? 1 : 0));
}

// ---- views ---------------------------------------------------------------------------------

function setView(title, ...children) {
  $('#view-title').textContent = title;
  document.title = `${title} · chirp`;
  $('#view').replaceChildren(...children);
}

function tweetActions() {
  return {
    me: state.me,
    liked: state.liked,
    onReply: startReply,
    onLike: toggleLike,
    onDelete: deleteTweet,
  };
}

// A list of tweets from a paged endpoint, with "Load more" while there is a next cursor.
function tweetList(path, label) {
  const list = element('div', { className: 'tweets', 'aria-busy': 'true' });
  const more = element('button', { type: 'button', className: 'secondary more', hidden: true }, 'Load more');
  const wrapper = element('section', { 'aria-label': label }, list, more);
  let cursor = null;
  async function load() {
    more.disabled = true;
    const query = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const page = await attempt(() => get(`${path}${path.includes('?') ? '&' : '?'}limit=20${query}`));
    list.setAttribute('aria-busy', 'false');
    more.disabled = false;
    if (!page) return;
    for (const tweet of page.data) list.append(tweetArticle(tweet, tweetActions()));
    if (!page.data.length && !cursor) list.append(element('p', { className: 'empty' }, 'Nothing here yet.'));
    cursor = page.next_cursor;
    more.hidden = !cursor;
  }
  more.addEventListener('click', load);
  load();
  return wrapper;
}

function prependTweet(tweet) {
  const list = $('#view .tweets');
  if (!list || list.querySelector(`[data-tweet-id="${CSS.escape(tweet.id)}"]`)) return;
  list.querySelector('.empty')?.remove();
  list.prepend(tweetArticle(tweet, tweetActions()));
}

function composeForm() {
  const form = $('#compose-template').content.firstElementChild.cloneNode(true);
  state.composer = composer(form, async (content, replyToId, key) => {
    const body = replyToId ? { content, reply_to_id: replyToId } : { content };
    const tweet = await attempt(() => post('/tweets', body, { 'Idempotency-Key': key }));
    if (tweet) prependTweet(tweet);
    return Boolean(tweet);
  });
  if (state.pendingReply) {
    const tweet = state.pendingReply;
    state.pendingReply = null;
    setTimeout(() => state.composer.setReply(tweet)); // once the form is in the page
  }
  return form;
}

function startReply(tweet) {
  if (state.composer) {
    state.composer.setReply(tweet);
    return;
  }
  state.pendingReply = tweet;
  location.hash = '#/home';
}

function renderHome() {
  if (!requireProfile()) return;
  setView('Home', composeForm(), tweetList('/timeline', 'Your timeline'));
}

function renderPublic() {
  setView('Everyone', state.me ? composeForm() : intro(), tweetList('/tweets', 'Every tweet'));
  state.viewStream = publicStream({ tweet: prependTweet, delete: removeTweet });
}

function intro() {
  return element('p', { className: 'card' }, 'Every tweet, as it is posted. ',
    element('a', { href: '#/sign-in' }, 'Sign in'), ' to post, like, follow and be notified.');
}

async function renderProfile(username) {
  setView(`@${username}`);
  const profile = await attempt(() => get(`/users/${encodeURIComponent(username)}`));
  if (!profile) return;
  const counts = element('p', { className: 'counts' },
    `${profile.tweet_count} tweets · `,
    element('span', { className: 'followers' }, `${profile.follower_count} followers`),
    ` · ${profile.following_count} following`);
  const card = element('section', { className: 'card profile', 'aria-label': 'Profile' },
    profile.full_name ? element('p', { className: 'full-name' }, profile.full_name) : null, counts);
  if (state.me && state.me.id !== profile.id) card.append(followButton(profile, counts));
  setView(`@${profile.username}`, card, tweetList(`/users/${encodeURIComponent(profile.username)}/tweets`,
    `Tweets by @${profile.username}`));
}

function followButton(profile, counts) {
  const key = profile.username.toLowerCase();
  const button = element('button', { type: 'button', 'aria-pressed': String(state.following.has(key)) });
  const label = () => { button.textContent = state.following.has(key) ? `Unfollow @${profile.username}` : `Follow @${profile.username}`; };
  label();
  button.addEventListener('click', async () => {
    const following = state.following.has(key);
    const path = `/users/${encodeURIComponent(profile.username)}/follow`;
    const done = await attempt(() => (following ? del(path) : post(path)));
    if (!done) return;
    if (following) state.following.delete(key);
    else state.following.add(key);
    sessionStorage.setItem('chirp.following', JSON.stringify([...state.following]));
    button.setAttribute('aria-pressed', String(!following));
    label();
    const fresh = await attempt(() => get(`/users/${encodeURIComponent(profile.username)}`));
    if (fresh) counts.querySelector('.followers').textContent = `${fresh.follower_count} followers`;
  });
  return button;
}

async function renderNotifications() {
  if (!requireProfile()) return;
  const list = element('ul', { className: 'notifications', 'aria-label': 'Notifications' });
  const markAll = element('button', { type: 'button', className: 'secondary' }, 'Mark all as read');
  markAll.addEventListener('click', async () => {
    if (!(await attempt(() => post('/notifications/read', { all: true })))) return;
    for (const item of list.querySelectorAll('.unread')) markedRead(item);
    setUnread(0);
  });
  setView('Notifications', markAll, list, notificationPager(list));
}

function notificationPager(list) {
  const more = element('button', { type: 'button', className: 'secondary more', hidden: true }, 'Load more');
  let cursor = null;
  async function load() {
    const query = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const page = await attempt(() => get(`/notifications?limit=20${query}`));
    if (!page) return;
    for (const notification of page.data) list.append(notificationItem(notification, markRead));
    if (!page.data.length && !cursor) list.append(element('li', { className: 'empty' }, 'No notifications yet.'));
    cursor = page.next_cursor;
    more.hidden = !cursor;
  }
  more.addEventListener('click', load);
  load();
  return more;
}

function markedRead(item) {
  item.classList.remove('unread');
  item.querySelector('button')?.remove();
}

async function markRead(notification, item) {
  if (!(await attempt(() => post('/notifications/read', { ids: [notification.id] })))) return;
  markedRead(item);
  setUnread(state.unread - 1);
}

async function renderTrends() {
  setView('Trends');
  const trends = await attempt(() => get('/trends'));
  if (!trends) return;
  const list = element('ol', { className: 'trends card' });
  for (const trend of trends.data) {
    list.append(element('li', {}, element('span', { className: 'tag' }, `#${trend.tag}`), ` ${trend.count} tweets`));
  }
  if (!trends.data.length) list.append(element('li', { className: 'empty' }, 'No hashtags in the last 24 hours.'));
  setView('Trends', list);
}

function renderSignIn() {
  const form = $('#sign-in-template').content.firstElementChild.cloneNode(true);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const email = form.elements.email.value;
    const password = form.elements.password.value;
    const signUp = event.submitter && event.submitter.value === 'sign-up';
    // Once signed in, the session's listener loads the profile and shows the home timeline.
    await attempt(() => (signUp ? session.signUp(email, password) : session.signIn(email, password)));
  });
  setView('Sign in', form);
}

function renderChooseUsername() {
  const form = $('#username-template').content.firstElementChild.cloneNode(true);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = { username: form.elements.username.value };
    if (form.elements.full_name.value.trim()) body.full_name = form.elements.full_name.value.trim();
    const profile = await attempt(() => put('/me', body));
    if (!profile) return;
    state.me = profile;
    showAccount();
    route();
  });
  setView('Choose a username', form);
}

// Signed-in views need a profile (PUT /me) first; signed-out ones go to the sign-in form.
function requireProfile() {
  if (!session.current()) {
    renderSignIn();
    return false;
  }
  if (!state.me) {
    renderChooseUsername();
    return false;
  }
  return true;
}

// ---- actions -------------------------------------------------------------------------------

async function toggleLike(tweet, button) {
  const liked = state.liked.has(tweet.id);
  const path = `/tweets/${tweet.id}/like`;
  const answer = await attempt(() => (liked ? del(path) : post(path)));
  if (!answer) return;
  const counted = liked || answer.created_at !== null; // null: it was liked already
  if (liked) state.liked.delete(tweet.id);
  else state.liked.add(tweet.id);
  if (counted) tweet.like_count = Math.max(0, (tweet.like_count || 0) + (liked ? -1 : 1));
  button.setAttribute('aria-pressed', String(!liked));
  button.textContent = liked ? 'Like' : 'Unlike';
  button.parentElement.querySelector('.likes').textContent = likesText(tweet.like_count);
}

async function deleteTweet(tweet) {
  if (!window.confirm('Delete this tweet?')) return;
  if (await attempt(() => del(`/tweets/${tweet.id}`))) removeTweet({ tweet_id: tweet.id });
}

function removeTweet({ tweet_id: id }) {
  document.querySelector(`[data-tweet-id="${CSS.escape(id)}"]`)?.remove();
}

// ---- routing, session, live updates ---------------------------------------------------------

function route() {
  if (state.viewStream) state.viewStream.close();
  state.viewStream = null;
  state.composer = null;
  const [, name, argument] = (location.hash || '#/').split('/');
  const views = {
    home: renderHome, public: renderPublic, notifications: renderNotifications, trends: renderTrends,
    'sign-in': renderSignIn, users: () => renderProfile(decodeURIComponent(argument || '')),
    me: () => (state.me ? renderProfile(state.me.username) : requireProfile()),
  };
  const view = views[name] || (session.current() ? renderHome : renderPublic);
  view();
  $('#view-title').focus();
}

function showAccount() {
  const signedIn = Boolean(session.current());
  for (const node of document.querySelectorAll('[data-signed-in]')) node.hidden = !signedIn;
  for (const node of document.querySelectorAll('[data-signed-out]')) node.hidden = signedIn;
  $('#account-name').textContent = state.me ? `@${state.me.username}` : '';
  $('#me-link').href = state.me ? `#/users/${state.me.username}` : '#/me';
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
        list.prepend(notificationItem(notification, markRead));
      }
    },
    onReconnect: () => attempt(loadUnread),
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
  state.liked.clear();
  setUnread(0);
  showAccount();
}

async function main() {
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
  window.addEventListener('hashchange', () => { showMessage(''); route(); });
  showAccount();
  await session.start();
  if (!session.current()) route();
}

main();
