// DOM builders. Text from the API (tweets, names) only ever goes in through textContent or
// createTextNode: never as HTML, so a tweet saying <script> shows those characters.

import { avatar } from './avatars.js';
import { element } from './dom.js';

export { element };

// @mentions and #hashtags as the server finds them (not preceded by a letter, a digit or _).
const MENTION = String.raw`(?<![A-Za-z0-9_])@[A-Za-z0-9_]{3,15}(?![A-Za-z0-9_])`;
const HASHTAG = String.raw`(?<![\p{L}\p{N}])#[\p{L}\p{N}_]*\p{L}[\p{L}\p{N}_]*`;
const MENTION_OR_TAG = new RegExp(`(${MENTION}|${HASHTAG})`, 'u');

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto', style: 'short' });

export function timeElement(iso) {
  const date = new Date(iso);
  const seconds = Math.round((date - Date.now()) / 1000);
  let text;
  if (Math.abs(seconds) < 60) text = relative.format(seconds, 'second');
  else if (Math.abs(seconds) < 3600) text = relative.format(Math.round(seconds / 60), 'minute');
  else if (Math.abs(seconds) < 86400) text = relative.format(Math.round(seconds / 3600), 'hour');
  else text = date.toLocaleDateString();
  return element('time', { dateTime: iso, title: date.toLocaleString() }, text);
}

// A tweet's text with @mentions linked to profiles and #tags to their timelines, all as text nodes.
export function tweetText(content) {
  const paragraph = element('p', { className: 'content' });
  for (const part of content.split(MENTION_OR_TAG)) {
    if (!part) continue;
    if (part.startsWith('@') && MENTION_OR_TAG.test(part)) {
      paragraph.append(element('a', { href: `#/users/${encodeURIComponent(part.slice(1))}` }, part));
    } else if (part.startsWith('#') && MENTION_OR_TAG.test(part)) {
      paragraph.append(element('a', { className: 'tag', href: hashtagHref(part.slice(1)) }, part));
    } else {
      paragraph.append(document.createTextNode(part));
    }
  }
  return paragraph;
}

export function hashtagHref(tag) {
  return `#/hashtags/${encodeURIComponent(tag)}`;
}

function authorName(author) {
  return author && author.username ? `@${author.username}` : 'someone';
}

// "1 tweet", "2 tweets", "0 followers": a count with its noun, singular only for one.
export function counted(count, singular, plural = `${singular}s`) {
  const number = count || 0;
  return `${number} ${number === 1 ? singular : plural}`;
}

export function likesText(count) {
  return counted(count, 'like');
}

// Whether the viewer liked `tweet`: the API's `liked` where it says so, else what was done here.
export function isLiked(tweet, liked) {
  return typeof tweet.liked === 'boolean' ? tweet.liked : liked.has(tweet.id);
}

function tweetHeader(tweet, headingId) {
  const author = tweet.author || {};
  return element('header', {},
    element('a', { href: `#/users/${encodeURIComponent(author.username)}`, className: 'author', id: headingId },
      avatar(author, { size: 40 }),
      element('span', { className: 'names' },
        author.full_name ? element('strong', {}, author.full_name) : null,
        element('span', { className: 'handle' }, authorName(author)))),
    element('a', { href: `#/tweets/${tweet.id}`, className: 'permalink' }, timeElement(tweet.created_at)));
}

// A toggle whose pressed state and label come from the server's flag (liked, reposted, bookmarked).
const TOGGLES = {
  like: { flag: 'liked', on: 'Unlike', off: 'Like' },
  repost: { flag: 'reposted', on: 'Undo repost', off: 'Repost' },
  bookmark: { flag: 'bookmarked', on: 'Remove bookmark', off: 'Bookmark' },
};

export function setToggle(button, kind, pressed) {
  button.setAttribute('aria-pressed', String(pressed));
  button.textContent = pressed ? TOGGLES[kind].on : TOGGLES[kind].off;
}

function toggleButton(tweet, kind, pressed, onToggle) {
  const button = element('button', { type: 'button', className: `link ${kind}`,
    onclick: () => onToggle(tweet, button) });
  setToggle(button, kind, pressed);
  return button;
}

// The counts under a tweet, as the server keeps them.
export function countsText(tweet) {
  return { replies: counted(tweet.reply_count, 'reply', 'replies'), reposts: counted(tweet.repost_count, 'repost'),
    likes: likesText(tweet.like_count) };
}

function tweetFooter(tweet, actions) {
  const author = tweet.author || {};
  const footer = element('footer', { className: 'tweet-actions' });
  if (actions.me) {
    footer.append(element('button', { type: 'button', className: 'link', 'aria-label': `Reply to ${authorName(author)}`,
      onclick: () => actions.onReply(tweet) }, 'Reply'),
    toggleButton(tweet, 'like', isLiked(tweet, actions.liked || new Set()), actions.onLike),
    toggleButton(tweet, 'repost', Boolean(tweet.reposted), actions.onRepost),
    element('button', { type: 'button', className: 'link quote', 'aria-label': `Quote ${authorName(author)}`,
      onclick: () => actions.onQuote(tweet) }, 'Quote'),
    toggleButton(tweet, 'bookmark', Boolean(tweet.bookmarked), actions.onBookmark));
  }
  const counts = countsText(tweet);
  footer.append(element('a', { className: 'replies', href: `#/tweets/${tweet.id}` }, counts.replies),
    element('span', { className: 'reposts' }, counts.reposts), element('span', { className: 'likes' }, counts.likes));
  if (actions.me && actions.me.id === tweet.user_id) {
    footer.append(element('button', { type: 'button', className: 'link danger', 'aria-label': 'Delete your tweet',
      onclick: () => actions.onDelete(tweet) }, 'Delete'));
  } else if (actions.me && actions.safety) {
    footer.append(actions.safety(tweet)); // mute, block, report (safety.js)
  }
  return footer;
}

let quotedNumber = 0; // quoted tweets' heading ids: the same tweet may be quoted twice on a page

// The quoted tweet inside a quote: its author, time and text, linked to its own page.
function quotedTweet(quoted) {
  quotedNumber += 1;
  const headingId = `quoted-${quoted.id}-${quotedNumber}`;
  return element('blockquote', { className: 'quote', 'aria-labelledby': headingId },
    tweetHeader(quoted, headingId), tweetText(quoted.content));
}

// One tweet, with who reposted it and the tweet it quotes. `actions` has the handlers and who the
// viewer is: {me, onReply, onLike, onRepost, onQuote, onBookmark, ...}. Pressed states and counts
// are the server's (the tweet's own flags), so they survive a reload.
export function tweetArticle(tweet, actions) {
  const headingId = `tweet-${tweet.id}-author`;
  const repostedBy = tweet.reposted_by;
  return element('article', {
    className: 'tweet', dataset: { tweetId: tweet.id, createdAt: tweet.created_at, authorId: tweet.user_id },
    'aria-labelledby': headingId },
    repostedBy ? element('p', { className: 'reposted-by' }, 'Reposted by ',
      element('a', { href: `#/users/${encodeURIComponent(repostedBy.username)}` }, authorName(repostedBy))) : null,
    tweetHeader(tweet, headingId),
    tweet.reply_to_id ? element('p', { className: 'reply-to' },
      element('a', { href: `#/tweets/${tweet.reply_to_id}` }, 'In reply to another tweet')) : null,
    tweetText(tweet.content),
    tweet.quote_of ? quotedTweet(tweet.quote_of) : null,
    tweetFooter(tweet, actions));
}

const NOTIFICATION_TEXT = {
  mention: 'mentioned you',
  reply: 'replied to your tweet',
  like: 'liked your tweet',
  follow: 'followed you',
  repost: 'reposted your tweet',
  quote: 'quoted your tweet',
};

// One notification; one that was unread when it arrived stays marked "new" while it is shown.
export function notificationItem(notification) {
  const actor = notification.actor || {};
  const unread = !notification.read_at;
  return element('li', { className: unread ? 'notification unread' : 'notification',
    dataset: { notificationId: notification.id } },
    avatar(actor, { size: 32 }),
    element('p', {},
      unread ? element('span', { className: 'visually-hidden' }, 'New: ') : null,
      element('a', { href: `#/users/${encodeURIComponent(actor.username)}` }, authorName(actor)),
      ` ${NOTIFICATION_TEXT[notification.type] || notification.type} `,
      timeElement(notification.created_at),
      notification.tweet_id ? ' · ' : null,
      notification.tweet_id ? element('a', { href: `#/tweets/${notification.tweet_id}` }, 'View the tweet') : null));
}
