// Tweets on the page: lists with "Load more", the composer, reply, quote, like, repost, bookmark,
// delete. Pressed states and counts start from the server's tweet (liked, reposted, bookmarked).

import { del, get, post } from './api.js';
import { composer } from './compose.js';
import { countsText, element, setToggle, tweetArticle } from './render.js';
import { $, attempt, state } from './ui.js';

export function tweetActions() {
  return {
    me: state.me,
    onReply: startReply,
    onQuote: startQuote,
    onLike: (tweet, button) => toggle(tweet, button, 'like', 'liked', 'like_count'),
    onRepost: (tweet, button) => toggle(tweet, button, 'repost', 'reposted', 'repost_count'),
    onBookmark: (tweet, button) => toggle(tweet, button, 'bookmark', 'bookmarked', null),
    onDelete: deleteTweet,
  };
}

// A list of tweets from a paged endpoint, with "Load more" while there is a next cursor.
export function tweetList(path, label) {
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
    for (const tweet of page.data) {
      // A live or caught-up tweet may already be here: never show one twice.
      if (list.querySelector(`[data-tweet-id="${CSS.escape(tweet.id)}"]`)) continue;
      list.append(tweetArticle(tweet, tweetActions()));
    }
    if (!page.data.length && !cursor) list.append(element('p', { className: 'empty' }, 'Nothing here yet.'));
    cursor = page.next_cursor;
    more.hidden = !cursor;
  }
  more.addEventListener('click', load);
  load();
  return wrapper;
}

// Put a tweet into the list on the page in its place, newest first (live and caught-up tweets).
export function prependTweet(tweet) {
  const list = $('#view .tweets');
  if (!list || list.querySelector(`[data-tweet-id="${CSS.escape(tweet.id)}"]`)) return;
  list.querySelector('.empty')?.remove();
  const time = Date.parse(tweet.created_at);
  const older = [...list.querySelectorAll('.tweet')].find((node) => Date.parse(node.dataset.createdAt) < time);
  list.insertBefore(tweetArticle(tweet, tweetActions()), older || null);
}

// After a stream was away: the newest page, so that tweets posted meanwhile show (in order).
export async function catchUp(path) {
  const page = await attempt(() => get(`${path}?limit=20`));
  if (!page || page === true) return;
  for (const tweet of [...page.data].reverse()) prependTweet(tweet);
}

// The composer; a posted tweet goes to `onPosted` (by default, into the list on the page).
export function composeForm(onPosted = prependTweet) {
  const form = $('#compose-template').content.firstElementChild.cloneNode(true);
  state.composer = composer(form, async (content, target, key) => {
    const tweet = await attempt(() => post('/tweets', { content, ...target }, { 'Idempotency-Key': key }));
    if (tweet) onPosted(tweet);
    return Boolean(tweet);
  });
  if (state.pendingReply || state.pendingQuote) {
    const { pendingReply: reply, pendingQuote: quote } = state;
    state.pendingReply = null;
    state.pendingQuote = null;
    setTimeout(() => (reply ? state.composer.setReply(reply) : state.composer.setQuote(quote))); // once in the page
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

function startQuote(tweet) {
  if (state.composer) {
    state.composer.setQuote(tweet);
    return;
  }
  state.pendingQuote = tweet;
  location.hash = '#/home';
}

// Like, repost or bookmark, or take it back; the tweet's flag and count follow, as the server's will.
async function toggle(tweet, button, action, flag, countField) {
  const pressed = Boolean(tweet[flag]);
  const path = `/tweets/${tweet.id}/${action}`;
  const answer = await attempt(() => (pressed ? del(path) : post(path)));
  if (!answer) return;
  tweet[flag] = !pressed;
  if (countField) tweet[countField] = Math.max(0, (tweet[countField] || 0) + (pressed ? -1 : 1));
  // The same tweet may be on the page twice (a thread, a quote): every copy shows the new state.
  for (const article of document.querySelectorAll(`.tweet[data-tweet-id="${CSS.escape(tweet.id)}"]`)) {
    const copy = article.querySelector(`button.${action}`);
    if (copy) setToggle(copy, action, !pressed);
    const counts = countsText(tweet);
    article.querySelector('.likes').textContent = counts.likes;
    article.querySelector('.reposts').textContent = counts.reposts;
  }
  if (!button.isConnected) setToggle(button, action, !pressed);
}

async function deleteTweet(tweet) {
  if (!window.confirm('Delete this tweet?')) return;
  if (await attempt(() => del(`/tweets/${tweet.id}`))) removeTweet({ tweet_id: tweet.id });
}

export function removeTweet({ tweet_id: id }) {
  document.querySelector(`[data-tweet-id="${CSS.escape(id)}"]`)?.remove();
}
