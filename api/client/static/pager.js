// A paged endpoint feeding a KeyedList: the first page at once, "Load more" while there is a next
// cursor, and a catch-up of the newest page after a stream was away. Everything goes through the
// list's upsert, so a page and the stream may bring the same item in any order.

import { get } from './api.js';
import { element } from './render.js';
import { attempt } from './ui.js';

const PAGE_SIZE = 20;

function pageUrl(path, cursor, size = PAGE_SIZE) {
  const query = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
  return `${path}${path.includes('?') ? '&' : '?'}limit=${size}${query}`;
}

// The list's pages (of `size` items); `onPage(items)` sees each page's items. Returns the "Load more" button.
export function pager(path, list, onPage = () => {}, size = PAGE_SIZE) {
  const more = element('button', { type: 'button', className: 'secondary more', hidden: true }, 'Load more');
  let cursor = null;
  async function load() {
    more.disabled = true;
    const page = await attempt(() => get(pageUrl(path, cursor, size)));
    more.disabled = false;
    if (!page || page === true) return;
    for (const item of page.data) list.upsert(item);
    list.markLoaded();
    onPage(page.data);
    cursor = page.next_cursor;
    more.hidden = !cursor;
  }
  more.addEventListener('click', load);
  load();
  return more;
}

// The newest page again (after a stream reconnected): what was posted meanwhile takes its place.
export async function catchUp(path, list, onPage = () => {}) {
  const page = await attempt(() => get(pageUrl(path, null)));
  if (!page || page === true) return;
  for (const item of page.data) list.upsert(item);
  onPage(page.data);
}
