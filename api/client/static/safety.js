// Safety: block, mute and report, from a tweet's "More" menu and from a profile, and the lists of
// blocked and muted accounts (#/blocked, #/muted) with their undo. Blocking asks first; reporting
// asks why. The server hides what a block or a mute hides, on every list and stream; here, every
// keyed list of the page drops a newly blocked or muted author's tweets at once, without a reload,
// and keeps them out of whatever arrives after (a page fetched before the block, a live event).

import { del, post } from './api.js';
import { element } from './dom.js';
import { KeyedList } from './keyed_list.js';
import { pager } from './pager.js';
import { attempt, setView, state } from './ui.js';

const REASON_MAX_CHARACTERS = 1000;

const path = (username, verb) => `/users/${encodeURIComponent(username)}/${verb}`;

// Take every tweet by this author out of the page's lists, and keep them out.
function hideTweetsBy(userId) {
  state.hiddenAuthors.add(userId);
  for (const list of state.tweetLists) list.removeWhere((tweet) => tweet.user_id === userId);
}

// Announce the outcome of an action to everyone, screen readers included, until the next route.
function announce(text) {
  let status = document.getElementById('safety-status');
  if (!status) {
    status = element('p', { id: 'safety-status', className: 'card', role: 'status' });
    document.getElementById('main').prepend(status);
    window.addEventListener('hashchange', () => status.remove(), { once: true });
  }
  status.textContent = text;
}

// A modal dialog with a heading, its content and two buttons; resolves to the form's data when
// confirmed, or null when cancelled (Escape included). Focus starts on Cancel (or `focus`) and
// comes back to where it was after.
function ask({ title, content = [], confirm, focus = null }) {
  return new Promise((resolve) => {
    const cancel = element('button', { type: 'button', className: 'secondary' }, 'Cancel');
    const form = element('form', { method: 'dialog' },
      ...content,
      element('div', { className: 'actions' }, cancel,
        element('button', { type: 'submit' }, confirm)));
    const heading = element('h2', { id: `dialog-${Date.now()}` }, title);
    const dialog = element('dialog', { className: 'card', 'aria-labelledby': heading.id }, heading, form);
    const opener = document.activeElement;
    let answer = null;
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (!form.reportValidity()) return;
      answer = new FormData(form);
      dialog.close();
    });
    cancel.addEventListener('click', () => dialog.close());
    dialog.addEventListener('close', () => {
      dialog.remove();
      if (opener && opener.isConnected) opener.focus();
      resolve(answer);
    });
    document.body.append(dialog);
    dialog.showModal();
    (focus || cancel).focus();
  });
}

// Block after a confirmation: their tweets leave the page at once. Resolves to true when blocked.
export async function block(user) {
  const confirmed = await ask({
    title: `Block @${user.username}?`,
    content: [element('p', {}, 'Neither of you will see the other’s tweets, your follows of each other end, '
      + 'and they cannot follow you, like, repost, quote or reply to your tweets. They can tell.')],
    confirm: 'Block',
  });
  if (!confirmed || !(await attempt(() => post(path(user.username, 'block'))))) return false;
  hideTweetsBy(user.id);
  // The block ended the follows between you (the page remembers whom you follow).
  state.following.delete(user.username.toLowerCase());
  announce(`You blocked @${user.username}.`);
  return true;
}

export async function unblock(user) {
  if (!(await attempt(() => del(path(user.username, 'block'))))) return false;
  state.hiddenAuthors.delete(user.id); // shown again from the next page on (unless muted: the server says)
  announce(`You unblocked @${user.username}.`);
  return true;
}

// Mute at once (it is silent, and undone as easily): their tweets leave the page.
export async function mute(user) {
  if (!(await attempt(() => post(path(user.username, 'mute'))))) return false;
  hideTweetsBy(user.id);
  announce(`You muted @${user.username}. They are not told.`);
  return true;
}

export async function unmute(user) {
  if (!(await attempt(() => del(path(user.username, 'mute'))))) return false;
  state.hiddenAuthors.delete(user.id);
  announce(`You unmuted @${user.username}.`);
  return true;
}

// Report a user, or one of their tweets, with a reason for the moderators.
export async function report(user, tweet = null) {
  const reason = element('textarea', { id: 'report-reason', name: 'reason', rows: 4, required: true,
    maxLength: REASON_MAX_CHARACTERS });
  const answer = await ask({
    title: tweet ? `Report this tweet by @${user.username}` : `Report @${user.username}`,
    content: [element('label', { for: 'report-reason' }, 'What is wrong? (for the moderators)'), reason],
    confirm: 'Send report',
    focus: reason,
  });
  if (!answer) return;
  const body = { username: user.username, reason: answer.get('reason') };
  if (tweet) body.tweet_id = tweet.id;
  if (await attempt(() => post('/reports', body))) announce('Thank you: the moderators will look at your report.');
}

// The actions on someone else's tweet, behind one "More" button (a disclosure, keyboard usable).
export function tweetMenu(tweet) {
  const author = tweet.author || { username: '', id: tweet.user_id };
  const user = { id: tweet.user_id, username: author.username };
  const menuId = `safety-${tweet.id}`;
  const menu = element('span', { id: menuId, className: 'safety-menu', hidden: true },
    element('button', { type: 'button', className: 'link', 'aria-label': `Mute @${user.username}`,
      onclick: () => mute(user) }, 'Mute'),
    element('button', { type: 'button', className: 'link danger', 'aria-label': `Block @${user.username}`,
      onclick: () => block(user) }, 'Block'),
    element('button', { type: 'button', className: 'link', 'aria-label': `Report this tweet by @${user.username}`,
      onclick: () => report(user, tweet) }, 'Report'));
  const more = element('button', { type: 'button', className: 'link', 'aria-expanded': 'false',
    'aria-controls': menuId, 'aria-label': `More actions on @${user.username}’s tweet` }, 'More');
  more.addEventListener('click', () => {
    const open = more.getAttribute('aria-expanded') !== 'true';
    more.setAttribute('aria-expanded', String(open));
    menu.hidden = !open;
    if (open) menu.querySelector('button').focus();
  });
  return element('span', { className: 'safety' }, more, menu);
}

// On a profile: "Blocked" / "Muted" as they stand, block, mute (and their undo) and report.
export function profileControls(profile, rerender) {
  const user = { id: profile.id, username: profile.username };
  const relation = element('p', { className: 'relation' },
    profile.blocking ? element('strong', {}, 'Blocked') : null,
    profile.blocking && profile.muting ? ' · ' : null,
    profile.muting ? element('strong', {}, 'Muted') : null);
  const toggle = (active, on, off, verb) => element('button', {
    type: 'button', className: 'secondary', 'aria-pressed': String(active),
    onclick: async () => { if (await (active ? off(user) : on(user))) rerender(); },
  }, `${active ? `Un${verb.toLowerCase()}` : verb} @${user.username}`);
  return element('div', { className: 'safety-controls' },
    profile.blocking || profile.muting ? relation : null,
    element('div', { className: 'actions' },
      toggle(profile.muting, mute, unmute, 'Mute'),
      toggle(profile.blocking, block, unblock, 'Block'),
      element('button', { type: 'button', className: 'secondary', onclick: () => report(user) },
        `Report @${user.username}`)));
}

// Links from your own profile to the two lists.
export function ownLinks() {
  return element('p', { className: 'safety-links' },
    element('a', { href: '#/bookmarks' }, 'Bookmarks'), ' · ',
    element('a', { href: '#/blocked' }, 'Blocked accounts'), ' · ',
    element('a', { href: '#/muted' }, 'Muted accounts'));
}

// #/blocked and #/muted: the accounts, newest first (as the API pages them), each with its undo (and redo).
function relationList(title, listPath, field, on, off, verb) {
  return () => {
    let arrival = 0;
    const order = new Map(); // the API's order, kept whatever arrives later
    const list = new KeyedList({
      tag: 'ul', className: 'accounts', label: title, oldestFirst: true, emptyText: 'Nobody.',
      render: (profile) => accountItem(profile, field, on, off, verb),
      sortKey: (profile) => {
        if (!order.has(profile.id)) order.set(profile.id, String(arrival++).padStart(8, '0'));
        return order.get(profile.id);
      },
    });
    setView(title, list.element, list.empty, pager(listPath, list));
  };
}

function accountItem(profile, field, on, off, verb) {
  const user = { id: profile.id, username: profile.username };
  let active = profile[field] ?? true; // listed there: blocked (or muted) when the page was read
  const button = element('button', { type: 'button', className: 'secondary', 'aria-pressed': String(active) });
  const label = () => { button.textContent = `${active ? `Un${verb.toLowerCase()}` : verb} @${user.username}`; };
  label();
  button.addEventListener('click', async () => {
    if (!(await (active ? off(user) : on(user)))) return;
    active = !active;
    button.setAttribute('aria-pressed', String(active));
    label();
  });
  return element('li', { className: 'account-item' },
    element('a', { href: `#/users/${encodeURIComponent(user.username)}` }, `@${user.username}`), button);
}

export const renderBlocked = relationList('Blocked accounts', '/me/blocks', 'blocking', block, unblock, 'Block');
export const renderMuted = relationList('Muted accounts', '/me/mutes', 'muting', mute, unmute, 'Mute');
