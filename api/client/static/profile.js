// A profile page: face, name and counts, follow or unfollow, block, mute and report (safety.js),
// the user's tweets; on one's own, editing one's name and picture (PUT /me, which replaces the whole
// profile, so it sends all of it) and links to the accounts one blocks and mutes.

import { del, get, post, put } from './api.js';
import { avatar, isHttps } from './avatars.js';
import { element } from './dom.js';
import * as me from './me.js';
import { counted } from './render.js';
import { ownLinks, profileControls } from './safety.js';
import * as session from './session.js';
import { tweetList } from './tweets.js';
import { $, attempt, setView, showAccount, showMessage, state } from './ui.js';

const userPath = (username) => `/users/${encodeURIComponent(username)}`;

function countsLine(profile) {
  return element('p', { className: 'counts' },
    element('span', { className: 'tweet-count' }, counted(profile.tweet_count, 'tweet')), ' · ',
    element('span', { className: 'followers' }, counted(profile.follower_count, 'follower')), ' · ',
    element('span', { className: 'following' }, `${profile.following_count || 0} following`));
}

function profileCard(profile) {
  return element('section', { className: 'card profile', 'aria-label': 'Profile' },
    avatar(profile, { size: 80, alt: `Picture of @${profile.username}` }),
    element('div', { className: 'names' },
      profile.full_name ? element('p', { className: 'full-name' }, profile.full_name) : null,
      element('p', { className: 'handle' }, `@${profile.username}`),
      countsLine(profile)));
}

export async function renderProfile(username) {
  setView(`@${username}`);
  const profile = await attempt(() => get(userPath(username)));
  if (!profile || profile === true) return;
  const card = profileCard(profile);
  const own = state.me && state.me.id === profile.id;
  if (state.me && !own) {
    if (!profile.blocking) card.append(followButton(profile, card));
    card.append(profileControls(profile, state.rerender));
  }
  if (own) card.append(editButton(card, profile), ownLinks());
  const { list, section } = tweetList(`${userPath(profile.username)}/tweets`, `Tweets by @${profile.username}`);
  if (own) state.postedTweets = list;
  setView(`@${profile.username}`, card, section);
}

function followButton(profile, card) {
  const key = profile.username.toLowerCase();
  const following = typeof profile.following === 'boolean' ? profile.following : state.following.has(key);
  const button = element('button', { type: 'button', className: 'follow', 'aria-pressed': String(following) });
  const label = () => {
    const now = button.getAttribute('aria-pressed') === 'true';
    button.textContent = `${now ? 'Unfollow' : 'Follow'} @${profile.username}`;
  };
  label();
  button.addEventListener('click', async () => {
    const was = button.getAttribute('aria-pressed') === 'true';
    const path = `${userPath(profile.username)}/follow`;
    const answer = await attempt(() => (was ? del(path) : post(path)));
    if (!answer) return;
    if (was) state.following.delete(key);
    else state.following.add(key);
    button.setAttribute('aria-pressed', String(!was));
    label();
    // Counted here: the API's counters are the consumer's, a moment behind.
    if (was || answer.created_at) profile.follower_count = Math.max(0, (profile.follower_count || 0) + (was ? -1 : 1));
    card.querySelector('.followers').textContent = counted(profile.follower_count, 'follower');
  });
  return button;
}

function editButton(card, profile) {
  const button = element('button', { type: 'button', className: 'secondary' }, 'Edit profile');
  button.addEventListener('click', () => {
    button.hidden = true;
    card.after(editForm(profile));
    $('#edit-full-name').focus();
  });
  return button;
}

function editForm(profile) {
  const form = $('#profile-template').content.firstElementChild.cloneNode(true);
  form.elements.full_name.value = profile.full_name || '';
  form.elements.avatar_url.value = profile.avatar_url || '';
  form.querySelector('.cancel').addEventListener('click', () => state.rerender());
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const fullName = form.elements.full_name.value.trim();
    const avatarUrl = form.elements.avatar_url.value.trim();
    if (avatarUrl && !isHttps(avatarUrl)) {
      showMessage('The picture’s address must start with https://');
      return;
    }
    const saved = await attempt(() => put('/me', {
      username: state.me.username, full_name: fullName || null, avatar_url: avatarUrl || null,
    }));
    if (!saved || saved === true) return;
    state.me = saved;
    me.remember(session.userId(), saved);
    showAccount();
    state.rerender();
  });
  return form;
}
