// Finding and keeping tweets: the thread view (a tweet with what it answers above and its replies
// under it), hashtag timelines, search (tweets and people) from the header's box, and bookmarks.

import { get } from './api.js';
import { avatar } from './avatars.js';
import { KeyedList, timeKey } from './keyed_list.js';
import { publicStream } from './live.js';
import { pager } from './pager.js';
import { element, tweetArticle } from './render.js';
import { composeForm, notHidden, removeTweet, tweetActions, tweetList } from './tweets.js';
import { $, attempt, setView, state } from './ui.js';

// Replies are indented by their depth under the tweet, up to this many levels.
const MAX_INDENT = 4;

// A keyed list of the thread's tweets, known to the view (a deletion or a block takes them out).
function threadList(className, label, sortKey, decorate = () => {}) {
  const list = new KeyedList({
    tag: 'section', className, label, oldestFirst: true, accept: notHidden, sortKey,
    render: (tweet) => {
      const article = tweetArticle(tweet, tweetActions());
      decorate(tweet, article);
      return article;
    },
  });
  state.tweetLists.push(list);
  return list;
}

// #/tweets/ID: ancestors oldest first, the tweet, a reply box, then the replies in conversation
// order (each under what it answers, siblings oldest first), all from GET /tweets/{id}/context.
export async function renderThread(id) {
  setView('Tweet');
  const path = `/tweets/${encodeURIComponent(id)}`;
  const route = location.hash;
  const [tweet, context] = await Promise.all([attempt(() => get(path)), attempt(() => get(`${path}/context`))]);
  // Left meanwhile: the view (and its stream) belong to the route shown now.
  if (location.hash !== route || !tweet || tweet === true || !context || context === true) return;
  const byTime = (item) => `${timeKey(item.created_at)} ${item.id}`;
  const ancestors = threadList('tweets parent', 'Earlier in the thread', byTime);
  const main = threadList('tweets', 'The tweet', byTime, (item, article) => article.classList.add('focused'));
  // A reply's key is the path of times from the tweet down to it: sorted as text, that is the
  // conversation's order, whether a reply came with the page or was posted here.
  const keys = new Map([[tweet.id, '']]);
  const depths = new Map([[tweet.id, 0]]);
  const place = (reply) => {
    if (!keys.has(reply.id)) {
      keys.set(reply.id, `${keys.get(reply.reply_to_id) ?? ''}/${byTime(reply)}`);
      depths.set(reply.id, (depths.get(reply.reply_to_id) ?? 0) + 1);
    }
    return keys.get(reply.id);
  };
  const replies = threadList('tweets replies', 'Replies', place, (reply, article) => {
    article.classList.add(`depth-${Math.min(depths.get(reply.id), MAX_INDENT)}`);
  });
  replies.empty.textContent = 'No replies yet.';
  // A reply in its place, if it answers a tweet shown here (it may come with the page, be posted
  // here, or arrive live).
  const addReply = (reply) => {
    if (reply.reply_to_id && keys.has(reply.reply_to_id)) replies.upsert(reply);
  };
  for (const ancestor of context.ancestors) ancestors.upsert(ancestor);
  main.upsert(tweet);
  context.descendants.forEach(addReply);
  for (const list of [ancestors, main, replies]) list.markLoaded();
  const parts = [];
  if (context.ancestors.length) parts.push(ancestors.element);
  parts.push(main.element);
  if (state.me) {
    // The reply box answers this tweet; a new reply shows at once in its place under it.
    parts.push(composeForm((posted) => addReply(posted)));
    setTimeout(() => state.composer?.setReply(tweet));
  }
  parts.push(element('h2', { className: 'section' }, 'Replies'), replies.element, replies.empty);
  setView(`Tweet by @${tweet.author.username}`, ...parts);
  // Replies posted elsewhere arrive live in their place: every new tweet is on the public stream (with
  // a ticket, none by whom the reader blocks or mutes, as the context leaves them out). Each time
  // the stream opens, the first time too, the context is read again for what came before it did.
  state.viewStream = publicStream({
    tweet: addReply,
    delete: removeTweet,
    onOpen: async () => {
      const again = await attempt(() => get(`${path}/context`));
      if (again && again !== true) again.descendants.forEach(addReply);
    },
  }, Boolean(state.me));
}

// #/hashtags/TAG: the tweets carrying it, newest first.
export function renderHashtag(tag) {
  setView(`#${tag}`, tweetList(`/hashtags/${encodeURIComponent(tag)}/tweets`, `Tweets with #${tag}`).section);
}

// #/search/QUERY: people (the first few) and tweets, each with "Load more".
export function renderSearch(query) {
  const box = $('#search-input');
  if (box && box.value !== query) box.value = query;
  if (!query.trim()) {
    setView('Search', element('p', { className: 'empty' }, 'Type words to find tweets, or a name to find people.'));
    setTimeout(() => box?.focus()); // after the route focused the title
    return;
  }
  const q = encodeURIComponent(query);
  setView(`Search: ${query}`,
    element('h2', { className: 'section' }, 'People'), peopleList(`/search/users?q=${q}`),
    element('h2', { className: 'section' }, 'Tweets'), tweetList(`/search/tweets?q=${q}`, `Tweets matching ${query}`,
      { inArrivalOrder: true, emptyText: 'No tweets found.' }).section);
}

// People found, in the API's order, with "Load more"; each a link to their profile.
function peopleList(path) {
  let arrival = 0;
  const order = new Map();
  const list = new KeyedList({
    tag: 'ul', className: 'people', label: 'People found', oldestFirst: true, emptyText: 'Nobody by that name.',
    sortKey: (person) => {
      if (!order.has(person.id)) order.set(person.id, String(arrival += 1).padStart(10, '0'));
      return order.get(person.id);
    },
    render: (person) => element('li', { className: 'person' },
      element('a', { href: `#/users/${encodeURIComponent(person.username)}` },
        avatar(person, { size: 32 }), element('span', {}, `@${person.username}`)),
      person.full_name ? element('span', { className: 'full-name' }, person.full_name) : null,
      person.following ? element('span', { className: 'following' }, 'Following') : null),
  });
  return element('div', {}, list.element, list.empty, pager(path, list, () => {}, 5)); // the first few people, then the tweets
}

// #/bookmarks: what the caller kept, newest bookmark first (private to them).
export function renderBookmarks() {
  setView('Bookmarks', tweetList('/me/bookmarks', 'Your bookmarks',
    { inArrivalOrder: true, emptyText: 'No bookmarks yet: a tweet’s Bookmark button keeps it here.' }).section);
}

// The header's search box: it changes the route, so a search has its own URL.
export function wireSearchForm() {
  const form = $('#search-form');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const query = form.elements.q.value.trim();
    if (query) location.hash = `#/search/${encodeURIComponent(query)}`;
  });
}
