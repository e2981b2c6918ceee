// Finding and keeping tweets: the thread view (a tweet with what it answers above and its replies
// under it), hashtag timelines, search (tweets and people) from the header's box, and bookmarks.

import { get } from './api.js';
import { element, tweetArticle } from './render.js';
import { composeForm, tweetActions, tweetList } from './tweets.js';
import { $, attempt, setView, state } from './ui.js';
import { requireProfile } from './views.js';

// Replies are indented by their depth under the tweet, up to this many levels.
const MAX_INDENT = 4;

// #/tweets/ID: ancestors oldest first, the tweet, a reply box, then the replies in conversation order.
export async function renderThread(id) {
  setView('Tweet');
  const tweet = await attempt(() => get(`/tweets/${encodeURIComponent(id)}`));
  if (!tweet || tweet === true) return;
  const context = await attempt(() => get(`/tweets/${encodeURIComponent(id)}/context`));
  if (!context || context === true) return;
  const parts = [];
  if (context.ancestors.length) {
    parts.push(element('section', { className: 'tweets parent', 'aria-label': 'Earlier in the thread' },
      ...context.ancestors.map((ancestor) => tweetArticle(ancestor, tweetActions()))));
  }
  const main = tweetArticle(tweet, tweetActions());
  main.classList.add('focused');
  parts.push(element('div', { className: 'tweets' }, main));
  const replies = element('section', { className: 'tweets replies', 'aria-label': 'Replies' });
  const depths = new Map([[tweet.id, 0]]);
  const addReply = (reply) => {
    const depth = (depths.get(reply.reply_to_id) ?? 0) + 1;
    depths.set(reply.id, depth);
    const article = tweetArticle(reply, tweetActions());
    article.classList.add(`depth-${Math.min(depth, MAX_INDENT)}`);
    return article;
  };
  for (const reply of context.descendants) replies.append(addReply(reply));
  if (!context.descendants.length) replies.append(element('p', { className: 'empty' }, 'No replies yet.'));
  if (state.me) {
    // The reply box answers this tweet; a new reply shows at once under it.
    parts.push(composeForm((reply) => {
      replies.querySelector('.empty')?.remove();
      const answered = replies.querySelector(`[data-tweet-id="${CSS.escape(reply.reply_to_id || '')}"]`);
      const article = addReply(reply);
      if (answered) answered.after(article);
      else replies.prepend(article);
    }));
    setTimeout(() => state.composer?.setReply(tweet));
  }
  parts.push(element('h2', { className: 'section' }, 'Replies'), replies);
  setView(`Tweet by @${tweet.author.username}`, ...parts);
}

// #/hashtags/TAG: the tweets carrying it, newest first.
export function renderHashtag(tag) {
  setView(`#${tag}`, tweetList(`/hashtags/${encodeURIComponent(tag)}/tweets`, `Tweets with #${tag}`));
}

// #/search/QUERY: people (the first few) and tweets, each with "Load more".
export function renderSearch(query) {
  const box = $('#search-input');
  if (box && box.value !== query) box.value = query;
  if (!query.trim()) {
    setView('Search', element('p', { className: 'empty' }, 'Type words to find tweets, or a name to find people.'));
    return;
  }
  const q = encodeURIComponent(query);
  setView(`Search: ${query}`,
    element('h2', { className: 'section' }, 'People'), peopleList(`/search/users?q=${q}`),
    element('h2', { className: 'section' }, 'Tweets'), tweetList(`/search/tweets?q=${q}`, `Tweets matching ${query}`));
}

function peopleList(path) {
  const list = element('ul', { className: 'people', 'aria-label': 'People found' });
  const more = element('button', { type: 'button', className: 'secondary more', hidden: true }, 'More people');
  let cursor = null;
  async function load() {
    const page = await attempt(() => get(`${path}&limit=5${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`));
    if (!page || page === true) return;
    for (const person of page.data) {
      list.append(element('li', { className: 'person' },
        element('a', { href: `#/users/${encodeURIComponent(person.username)}` }, `@${person.username}`),
        person.full_name ? element('span', { className: 'full-name' }, ` ${person.full_name}`) : null,
        person.following ? element('span', { className: 'following' }, ' · Following') : null));
    }
    if (!page.data.length && !cursor) list.append(element('li', { className: 'empty' }, 'Nobody by that name.'));
    cursor = page.next_cursor;
    more.hidden = !cursor;
  }
  more.addEventListener('click', load);
  load();
  return element('div', {}, list, more);
}

// #/bookmarks: what the caller kept, newest bookmark first (private to them).
export function renderBookmarks() {
  if (!requireProfile()) return;
  setView('Bookmarks', tweetList('/me/bookmarks', 'Your bookmarks'));
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
