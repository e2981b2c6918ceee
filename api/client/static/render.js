// DOM builders. Text from the API (tweets, names) only ever goes in through textContent or
// createTextNode: never as HTML, so a tweet saying <script> shows those characters.

// @mentions and #hashtags as the server finds them (not preceded by a letter, a digit or _).
const MENTION = String.raw`(?<![A-Za-z0-9_])@[A-Za-z0-9_]{3,15}(?![A-Za-z0-9_])`;
const HASHTAG = String.raw`(?<![\p{L}\p{N}])#[\p{L}\p{N}_]*\p{L}[\p{L}\p{N}_]*`;
const MENTION_OR_TAG = new RegExp(`(${MENTION}|${HASHTAG})`, 'u');

// `element('a', {href: '#'}, 'text', child)`: properties first, then text and children.
export function element(tag, properties = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(properties)) {
    if (name === 'dataset') Object.assign(node.dataset, value);
    else if (name.startsWith('aria-') || name === 'role' || name === 'for') node.setAttribute(name, value);
    else node[name] = value;
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

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

// A tweet's text with @mentions as links to profiles and #tags marked, all as text nodes.
export function tweetText(content) {
  const paragraph = element('p', { className: 'content' });
  for (const part of content.split(MENTION_OR_TAG)) {
    if (!part) continue;
    if (part.startsWith('@') && MENTION_OR_TAG.test(part)) {
      paragraph.append(element('a', { href: `#/users/${part.slice(1)}` }, part));
    } else if (part.startsWith('#') && MENTION_OR_TAG.test(part)) {
      paragraph.append(element('span', { className: 'tag' }, part));
    } else {
      paragraph.append(document.createTextNode(part));
    }
  }
  return paragraph;
}

function authorName(author) {
  return author && author.username ? `@${author.username}` : 'someone';
}

// One tweet. `actions` has the handlers and what the viewer may do: {me, liked, onReply, ...}.
export function tweetArticle(tweet, actions) {
  const author = tweet.author || {};
  const headingId = `tweet-${tweet.id}-author`;
  const header = element('header', {},
    element('a', { href: `#/users/${author.username}`, className: 'author', id: headingId },
      author.full_name ? element('strong', {}, author.full_name) : null,
      element('span', { className: 'handle' }, authorName(author))),
    ' · ', element('a', { href: `#/tweets/${tweet.id}`, className: 'permalink' }, timeElement(tweet.created_at)));
  const article = element('article', {
    className: 'tweet', dataset: { tweetId: tweet.id, createdAt: tweet.created_at, authorId: tweet.user_id },
    'aria-labelledby': headingId },
    header,
    tweet.reply_to_id ? element('p', { className: 'reply-to' },
      element('a', { href: `#/tweets/${tweet.reply_to_id}` }, 'In reply to another tweet')) : null,
    tweetText(tweet.content));
  const footer = element('footer', { className: 'tweet-actions' });
  if (actions.me) {
    footer.append(element('button', { type: 'button', className: 'link', 'aria-label': `Reply to ${authorName(author)}`,
      onclick: () => actions.onReply(tweet) }, 'Reply'));
    const liked = actions.liked.has(tweet.id);
    const like = element('button', { type: 'button', className: 'link like', 'aria-pressed': String(liked),
      onclick: () => actions.onLike(tweet, like) }, liked ? 'Unlike' : 'Like');
    footer.append(like);
  }
  footer.append(element('span', { className: 'likes' }, likesText(tweet.like_count)));
  if (actions.me && actions.me.id === tweet.user_id) {
    footer.append(element('button', { type: 'button', className: 'link danger', 'aria-label': 'Delete your tweet',
      onclick: () => actions.onDelete(tweet) }, 'Delete'));
  } else if (actions.me && actions.safety) {
    footer.append(actions.safety(tweet)); // mute, block, report (safety.js)
  }
  article.append(footer);
  return article;
}

export function likesText(count) {
  return count === 1 ? '1 like' : `${count || 0} likes`;
}

const NOTIFICATION_TEXT = {
  mention: 'mentioned you',
  reply: 'replied to your tweet',
  like: 'liked your tweet',
  follow: 'followed you',
};

export function notificationItem(notification, onRead) {
  const actor = notification.actor || {};
  const item = element('li', { className: notification.read_at ? 'notification' : 'notification unread',
    dataset: { notificationId: notification.id } },
    element('a', { href: `#/users/${actor.username}` }, authorName(actor)),
    ` ${NOTIFICATION_TEXT[notification.type] || notification.type} `,
    timeElement(notification.created_at),
    notification.tweet_id ? ' · ' : null,
    notification.tweet_id ? element('a', { href: `#/tweets/${notification.tweet_id}` }, 'View the tweet') : null);
  if (!notification.read_at) {
    item.append(' ', element('button', { type: 'button', className: 'link',
      'aria-label': `Mark as read: ${authorName(actor)} ${NOTIFICATION_TEXT[notification.type] || ''}`,
      onclick: () => onRead(notification, item) }, 'Mark as read'));
  }
  return item;
}
