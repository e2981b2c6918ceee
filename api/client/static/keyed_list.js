// The one way a tweet or a notification gets onto the page, whether it comes from a page fetch,
// a catch-up after a reconnection or a live stream: a list keyed by id. The same item arriving
// twice (a stream event during the fetch that also returns it, an event delivered twice) is shown
// once, every item goes to its place by time whatever the order of arrival, and an item removed
// meanwhile (a delete that overtook the fetch still carrying it) does not come back.

import { element } from './dom.js';

// An API time ("2025-01-02T03:04:05.678Z", fraction optional) as a key that sorts as text.
export function timeKey(iso) {
  const [whole, fraction = ''] = String(iso).replace(/Z$/, '').split('.');
  return `${whole}.${fraction.padEnd(6, '0')}`;
}

export class KeyedList {
  // `render(item)` makes an item's node; `sortKey(item)` orders items, greatest first (or least
  // first with `oldestFirst`, as a conversation reads); `accept(item)`, when given, turns items
  // away (a blocked or muted author's tweets, still in a page fetched before the block).
  constructor({ tag = 'div', className, label, render, sortKey, emptyText, oldestFirst = false, accept = () => true }) {
    this.render = render;
    this.sortKey = sortKey;
    this.accept = accept;
    this.items = new Map();
    this.comesBefore = oldestFirst ? (key, other) => key < other : (key, other) => key > other;
    this.nodes = new Map();
    this.removed = new Set();
    this.loaded = false;
    this.element = element(tag, { className, 'aria-label': label, 'aria-busy': 'true' });
    this.empty = element('p', { className: 'empty', hidden: true }, emptyText);
  }

  has(id) {
    return this.nodes.has(id);
  }

  get size() {
    return this.nodes.size;
  }

  // Show `item` in its place unless it is here already or was removed; returns whether it was added.
  // Both arrivals describe the same committed row, so the first one stays.
  upsert(item) {
    if (this.nodes.has(item.id) || this.removed.has(item.id) || !this.accept(item)) return false;
    const key = this.sortKey(item); // first: a thread's key also finds the reply's depth, which render shows
    const node = this.render(item);
    node.dataset.sortKey = key;
    const before = [...this.element.children].find((other) => this.comesBefore(key, other.dataset.sortKey));
    this.element.insertBefore(node, before || null);
    this.nodes.set(item.id, node);
    this.items.set(item.id, item);
    this.showEmpty();
    return true;
  }

  remove(id) {
    this.removed.add(id);
    this.nodes.get(id)?.remove();
    this.nodes.delete(id);
    this.items.delete(id);
    this.showEmpty();
  }

  // Take out every item shown that `test(item)` picks (they may come back later, if `accept` lets them).
  removeWhere(test) {
    for (const [id, item] of [...this.items]) {
      if (!test(item)) continue;
      this.nodes.get(id)?.remove();
      this.nodes.delete(id);
      this.items.delete(id);
    }
    this.showEmpty();
  }

  // A page arrived: from now on an empty list says so.
  markLoaded() {
    this.loaded = true;
    this.element.setAttribute('aria-busy', 'false');
    this.showEmpty();
  }

  showEmpty() {
    this.empty.hidden = !this.loaded || this.nodes.size > 0;
  }
}
