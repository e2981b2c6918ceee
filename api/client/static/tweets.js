// Tweets on the page: keyed lists fed by pages and streams, the composer, reply, like, delete.

import { del, post } from './api.js';
import { composer } from './compose.js';
import { KeyedList, timeKey } from './keyed_list.js';
import { pager } from './pager.js';
import { likesText, tweetArticle } from './render.js';
import { tweetMenu } from './safety.js';
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
export function tweetKeyedList(emptyText = 'Nothing here yet.') {
  const list = new KeyedList({
    className: 'tweets', render: (tweet) => tweetArticle(tweet, tweetActions()), sortKey: tweetOrder, emptyText,
    accept: notHidden,
  });
  state.tweetLists.push(list);
  return list;
}

// A paged endpoint's tweets, with "Load more" while there is a next cursor. Returns the list and its section.
export function tweetList(path, label) {
  const list = tweetKeyedList();
  const section = document.createElement('section');
  section.setAttribute('aria-label', label);
  section.append(list.element, list.empty, pager(path, list));
  return { list, section };
}

// The composer; a posted tweet goes to `onPosted` (by default, into the list on the page).
export function composeForm(onPosted = prependTweet) {
  const form = $('#compose-template').content.firstElementChild.cloneNode(true);
  state.composer = composer(form, async (content, replyToId, key) => {
    const body = replyToId ? { content, reply_to_id: replyToId } : { content };
    const tweet = await attempt(() => post('/tweets', body, { 'Idempotency-Key': key }));
    if (tweet && tweet !== true) state.postedTweets?.upsert(tweet);
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

async function toggleLike(tweet, button) {
  const liked = button.getAttribute('aria-pressed') === 'true';
  const path = `/tweets/${tweet.id}/like`;
  const answer = await attempt(() => (liked ? del(path) : post(path)));
  if (!answer) return;
  const counted = liked || answer.created_at !== null; // null: it was liked already
  if (liked) state.liked.delete(tweet.id);
  else state.liked.add(tweet.id);
  tweet.liked = !liked;
  if (counted) tweet.like_count = Math.max(0, (tweet.like_count || 0) + (liked ? -1 : 1));
  button.setAttribute('aria-pressed', String(!liked));
  button.textContent = liked ? 'Like' : 'Unlike';
  button.parentElement.querySelector('.likes').textContent = likesText(tweet.like_count);
}

async function deleteTweet(tweet) {
  if (!window.confirm('Delete this tweet?')) return;
  if (await attempt(() => del(`/tweets/${tweet.id}`))) removeTweet({ tweet_id: tweet.id });
}

// A deleted tweet leaves every list of the view, and stays out of them if a page still carries it.
export function removeTweet({ tweet_id: id }) {
  for (const list of state.tweetLists) list.remove(id);
}
