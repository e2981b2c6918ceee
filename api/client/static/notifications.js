// Notifications: the unread badge, the Notifications view, and marking as read what was seen.
// A notification is counted by id, so one that arrives twice (the stream and a page, or the
// stream twice) counts and shows once; what the Notifications view shows while the page is
// visible has been read, so it is marked read (POST /notifications/read) and the badge follows.

import { get, post } from './api.js';
import { KeyedList, timeKey } from './keyed_list.js';
import { catchUp, pager } from './pager.js';
import { notificationItem } from './render.js';
import { $, attempt, setView, state } from './ui.js';

const UNREAD_PAGE = 100;
const unread = { ids: new Set(), more: false };
const read = new Set(); // marked read from this page: a late copy from the stream stays read
const toMark = new Set(); // shown while the page was hidden: marked once it is seen

function showBadge() {
  const count = unread.ids.size;
  const badge = $('#unread-badge');
  badge.hidden = count === 0;
  badge.textContent = count > 99 || unread.more ? '99+' : String(count);
  $('#notifications-link').setAttribute('aria-label', count ? `Notifications, ${badge.textContent} unread` : 'Notifications');
}

export async function loadUnread() {
  const page = await get(`/notifications?unread=true&limit=${UNREAD_PAGE}`);
  unread.ids = new Set(page.data.map((notification) => notification.id).filter((id) => !read.has(id)));
  unread.more = Boolean(page.next_cursor);
  showBadge();
}

export function forgetUnread() {
  unread.ids.clear();
  unread.more = false;
  read.clear();
  toMark.clear();
  showBadge();
}

async function markSeen() {
  if (document.visibilityState !== 'visible' || !state.notifications) return;
  const ids = [...toMark].filter((id) => state.notifications.has(id));
  toMark.clear();
  if (!ids.length) return;
  for (const id of ids) {
    read.add(id);
    unread.ids.delete(id);
  }
  showBadge();
  await attempt(() => post('/notifications/read', { ids }));
}

function seen(notifications) {
  for (const notification of notifications) {
    if (!notification.read_at && !read.has(notification.id)) toMark.add(notification.id);
  }
  markSeen();
}
document.addEventListener('visibilitychange', markSeen);

// One from the user stream (maybe again): counted once, and shown if the view is open.
export function receive(notification) {
  if (!notification.read_at && !read.has(notification.id)) unread.ids.add(notification.id);
  showBadge();
  if (state.notifications?.upsert(notification)) seen([notification]);
}

function notificationList() {
  return new KeyedList({
    tag: 'ul', className: 'notifications', label: 'Notifications', render: notificationItem,
    sortKey: (notification) => `${timeKey(notification.created_at)} ${notification.id}`,
    emptyText: 'No notifications yet.',
  });
}

export function renderNotifications() {
  const list = notificationList();
  state.notifications = list;
  setView('Notifications', list.element, list.empty, pager('/notifications', list, seen));
}

// After the user stream was away: the newest page, and a badge counted again.
export function catchUpNotifications() {
  attempt(loadUnread);
  if (state.notifications) catchUp('/notifications', state.notifications, seen);
}
