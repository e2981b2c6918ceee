// Tweets on the page: keyed lists fed by pages and streams, the composer, reply, quote, like,
// repost, bookmark, delete. Pressed states and counts start from the server's tweet.

import { del, post } from './api.js';
import { composer } from './compose.js';
import { KeyedList, timeKey } from './keyed_list.js';
import { pager } from './pager.js';
import { countsText, setToggle, tweetArticle } from './render.js';
import { tweetMenu } from './safety.js';
import { $, attempt, state } from './ui.js';

export function tweetActions() {
  return {
    me: state.me,
    liked: state.liked,
    onReply: startReply,
    onQuote: startQuote,
    onLike: (tweet, button) => toggle(tweet, button, 'like', 'liked', 'like_count'),
    onRepost: (tweet, button) => toggle(tweet, button, 'repost', 'reposted', 'repost_count'),
    onBookmark: (tweet, button) => toggle(tweet, button, 'bookmark', 'bookmarked', null),
    onDelete: deleteTweet,
    safety: tweetMenu,
  };
}

// Newest first; a reposted tweet sits at its repost's time.
function tweetOrder(tweet) {
  return `${timeKey(tweet.reposted_at || tweet.created_at)} ${tweet.id}`;
}

// Whether a tweet may be shown: not one by someone blocked or muted here since the page was loaded.
export function notHidden(tweet) {
  return !state.hiddenAuthors.has(tweet.user_id);
}

// An empty keyed list of tweets, known to the view (a deletion removes from every one).
// `inArrivalOrder`: the API's order kept (search results, bookmarks by when they were kept), not by time.
export function tweetKeyedList(emptyText = 'Nothing here yet.', { inArrivalOrder = false } = {}) {
  let arrival = 0;
  const sortKey = inArrivalOrder ? () => String(1e9 - (arrival += 1)).padStart(10, '0') : tweetOrder;
  const list = new KeyedList({
    className: 'tweets', render: (tweet) => tweetArticle(tweet, tweetActions()), sortKey, emptyText,
    accept: notHidden,
  });
  state.tweetLists.push(list);
  return list;
}

// A paged endpoint's tweets, with "Load more" while there is a next cursor. Returns the list and its section.
export function tweetList(path, label, options = {}) {
  const list = tweetKeyedList(options.emptyText, options);
  const section = document.createElement('section');
  section.setAttribute('aria-label', label);
  section.append(list.element, list.empty, pager(path, list));
  return { list, section };
}

// The composer; a posted tweet goes to `onPosted` (by default, into the list on the page).
export function composeForm(onPosted = null) {
  const form = $('#compose-template').content.firstElementChild.cloneNode(true);
  state.composer = composer(form, async (content, target, key) => {
    const tweet = await attempt(() => post('/tweets', { content, ...target }, { 'Idempotency-Key': key }));
    if (tweet && tweet !== true) {
      if (onPosted) onPosted(tweet);
      else state.postedTweets?.upsert(tweet);
    }
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

// Like, repost or bookmark, or take it back; the tweet's flag and count follow, as the server's
// will. Every copy of the tweet on the page (a thread, a repost) shows the new state.
async function toggle(tweet, button, action, flag, countField) {
  const pressed = button.getAttribute('aria-pressed') === 'true';
  const path = `/tweets/${tweet.id}/${action}`;
  const answer = await attempt(() => (pressed ? del(path) : post(path)));
  if (!answer) return;
  const changed = pressed || answer === true || answer.created_at !== null; // null: it was done already
  if (action === 'like') {
    if (pressed) state.liked.delete(tweet.id);
    else state.liked.add(tweet.id);
  }
  tweet[flag] = !pressed;
  if (countField && changed) tweet[countField] = Math.max(0, (tweet[countField] || 0) + (pressed ? -1 : 1));
  const counts = countsText(tweet);
  for (const article of document.querySelectorAll(`.tweet[data-tweet-id="${CSS.escape(tweet.id)}"]`)) {
    const copy = article.querySelector(`:scope > footer button.${action}`);
    if (copy) setToggle(copy, action, !pressed);
    article.querySelector(':scope > footer .likes').textContent = counts.likes;
    article.querySelector(':scope > footer .reposts').textContent = counts.reposts;
  }
  if (!button.isConnected) setToggle(button, action, !pressed);
}

async function deleteTweet(tweet) {
  if (!window.confirm('Delete this tweet?')) return;
  if (await attempt(() => del(`/tweets/${tweet.id}`))) removeTweet({ tweet_id: tweet.id });
}

// A deleted tweet leaves every list of the view, and stays out of them if a page still carries it.
export function removeTweet({ tweet_id: id }) {
  for (const list of state.tweetLists) list.remove(id);
}
