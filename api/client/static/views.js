// The views, one function each: what a route shows.

import { del, get, post, put } from './api.js';
import { publicStream } from './live.js';
import { element, hashtagHref, notificationItem } from './render.js';
import * as session from './session.js';
import { catchUp, composeForm, prependTweet, removeTweet, tweetList } from './tweets.js';
import { $, attempt, setUnread, setView, showAccount, state } from './ui.js';

export function renderHome() {
  if (!requireProfile()) return;
  setView('Home', composeForm(), tweetList('/timeline', 'Your timeline'));
}

export function renderPublic() {
  setView('Everyone', state.me ? composeForm() : intro(), tweetList('/tweets', 'Every tweet'));
  state.viewStream = publicStream({ tweet: prependTweet, delete: removeTweet, onReconnect: () => catchUp('/tweets') });
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
    profile.full_name ? element('p', { className: 'full-name' }, profile.full_name) : null, counts,
    profile.followed_by ? element('p', { className: 'follows-you' }, 'Follows you') : null);
  if (state.me && state.me.id !== profile.id) card.append(followButton(profile, counts));
  setView(`@${profile.username}`, card, tweetList(`/users/${encodeURIComponent(profile.username)}/tweets`,
    `Tweets by @${profile.username}`));
}

// Follow or unfollow; whether the caller follows comes from the server's profile (`following`).
function followButton(profile, counts) {
  const button = element('button', { type: 'button' });
  const label = () => {
    button.setAttribute('aria-pressed', String(profile.following));
    button.textContent = `${profile.following ? 'Unfollow' : 'Follow'} @${profile.username}`;
  };
  label();
  button.addEventListener('click', async () => {
    const path = `/users/${encodeURIComponent(profile.username)}/follow`;
    const done = await attempt(() => (profile.following ? del(path) : post(path)));
    if (!done) return;
    profile.following = !profile.following;
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

export async function renderTrends() {
  setView('Trends');
  const trends = await attempt(() => get('/trends'));
  if (!trends) return;
  const list = element('ol', { className: 'trends card' });
  for (const trend of trends.data) {
    list.append(element('li', {}, element('a', { className: 'tag', href: hashtagHref(trend.tag) }, `#${trend.tag}`),
      ` ${trend.count} tweets`));
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
