// Tweets on the page: lists with "Load more", the composer, reply, like, delete.

import { del, get, post } from './api.js';
import { composer } from './compose.js';
import { element, likesText, tweetArticle } from './render.js';
import { tweetMenu } from './safety.js';
import { $, attempt, state } from './ui.js';

export function tweetActions() {
  return {
    me: state.me,
    liked: state.liked,
    onReply: startReply,
    onLike: toggleLike,
    onDelete: deleteTweet,
    safety: tweetMenu,
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

export function composeForm() {
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

export function removeTweet({ tweet_id: id }) {
  document.querySelector(`[data-tweet-id="${CSS.escape(id)}"]`)?.remove();
}
