// The views, one function each: what a route shows.

import { del, get, post, put } from './api.js';
import { publicStream } from './live.js';
import { element, notificationItem, tweetArticle } from './render.js';
import { ownLinks, profileControls } from './safety.js';
import * as session from './session.js';
import { catchUp, composeForm, prependTweet, removeTweet, tweetActions, tweetList } from './tweets.js';
import { $, attempt, setUnread, setView, showAccount, state } from './ui.js';

export function renderHome() {
  if (!requireProfile()) return;
  setView('Home', composeForm(), tweetList('/timeline', 'Your timeline'));
}

export function renderPublic() {
  setView('Everyone', state.me ? composeForm() : intro(), tweetList('/tweets', 'Every tweet'));
  // Signed in, the stream leaves out whom you block or mute, and who blocks you, as /tweets does.
  state.viewStream = publicStream({ tweet: prependTweet, delete: removeTweet, onReconnect: () => catchUp('/tweets') },
    Boolean(state.me));
}

function intro() {
  return element('p', { className: 'card' }, 'Every tweet, as it is posted. ',
    element('a', { href: '#/sign-in' }, 'Sign in'), ' to post, like, follow and be notified.');
}

export async function renderProfile(username) {
  setView(`@${username}`);
  const profile = await attempt(() => get(`/users/${encodeURIComponent(username)}`));
  if (!profile) return;
  const counts = element('p', { className: 'counts' },
    `${profile.tweet_count} tweets · `,
    element('span', { className: 'followers' }, `${profile.follower_count} followers`),
    ` · ${profile.following_count} following`);
  const card = element('section', { className: 'card profile', 'aria-label': 'Profile' },
    profile.full_name ? element('p', { className: 'full-name' }, profile.full_name) : null, counts);
  if (state.me && state.me.id !== profile.id) {
    if (!profile.blocking) card.append(followButton(profile, counts));
    card.append(profileControls(profile, state.rerender));
  } else if (state.me) {
    card.append(ownLinks());
  }
  setView(`@${profile.username}`, card, tweetList(`/users/${encodeURIComponent(profile.username)}/tweets`,
    `Tweets by @${profile.username}`));
}

function followButton(profile, counts) {
  const key = profile.username.toLowerCase();
  const button = element('button', { type: 'button', 'aria-pressed': String(state.following.has(key)) });
  const label = () => {
    button.textContent = `${state.following.has(key) ? 'Unfollow' : 'Follow'} @${profile.username}`;
  };
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

export async function renderNotifications() {
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

export async function markRead(notification, item) {
  if (!(await attempt(() => post('/notifications/read', { ids: [notification.id] })))) return;
  markedRead(item);
  setUnread(state.unread - 1);
}

// One tweet, with the tweet it answers when it is a reply.
export async function renderTweet(id) {
  setView('Tweet');
  const tweet = await attempt(() => get(`/tweets/${encodeURIComponent(id)}`));
  if (!tweet || tweet === true) return;
  const parts = [];
  if (tweet.reply_to_id) {
    const parent = await attempt(() => get(`/tweets/${tweet.reply_to_id}`));
    if (parent && parent !== true) {
      parts.push(element('div', { className: 'tweets parent' }, tweetArticle(parent, tweetActions())));
    }
  }
  parts.push(element('div', { className: 'tweets' }, tweetArticle(tweet, tweetActions())));
  if (state.me) parts.push(composeForm());
  setView(`Tweet by @${tweet.author.username}`, ...parts);
}

export async function renderTrends() {
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

export function renderSignIn() {
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

export function renderChooseUsername() {
  const form = $('#username-template').content.firstElementChild.cloneNode(true);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = { username: form.elements.username.value };
    if (form.elements.full_name.value.trim()) body.full_name = form.elements.full_name.value.trim();
    const profile = await attempt(() => put('/me', body));
    if (!profile) return;
    state.me = profile;
    showAccount();
    state.rerender();
  });
  setView('Choose a username', form);
}

// Signed-in views need a profile (PUT /me) first; signed-out ones go to the sign-in form.
export function requireProfile() {
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
