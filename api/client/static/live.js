// Live updates over Server-Sent Events. The user's stream needs a ticket (POST /stream/tickets),
// so the access token never goes into a URL; a ticket is good for one connection, so after any
// error the stream is reopened with a fresh ticket, and `onReconnect` lets the page catch up
// (`onOpen`, on every opening, the first too, for a page read before its stream opened).

import { post } from './api.js';

const MAX_DELAY_MS = 30000;
const EVENTS = ['tweet', 'notification', 'delete'];

// One stream that keeps itself open until `close()`. `open` makes the EventSource.
class Stream {
  constructor(open, handlers) {
    this.open = open;
    this.handlers = handlers;
    this.source = null;
    this.closed = false;
    this.delayMs = 1000;
    this.timer = null;
    this.hadError = false;
    this.connect();
  }

  async connect() {
    if (this.closed) return;
    let source;
    try {
      source = await this.open();
    } catch {
      this.retry();
      return;
    }
    if (this.closed) {
      source.close();
      return;
    }
    this.source = source;
    source.addEventListener('open', () => {
      this.delayMs = 1000;
      if (this.handlers.onOpen) this.handlers.onOpen();
      if (this.hadError && this.handlers.onReconnect) this.handlers.onReconnect();
      this.hadError = false;
    });
    for (const name of EVENTS) {
      source.addEventListener(name, (event) => {
        const handler = this.handlers[name];
        if (handler) handler(JSON.parse(event.data));
      });
    }
    source.addEventListener('error', () => {
      // The ticket is spent: EventSource's own retry would be refused, so start over.
      source.close();
      this.retry();
    });
  }

  retry() {
    this.hadError = true;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), this.delayMs);
    this.delayMs = Math.min(this.delayMs * 2, MAX_DELAY_MS);
  }

  close() {
    this.closed = true;
    clearTimeout(this.timer);
    if (this.source) this.source.close();
  }
}

// The signed-in user's stream: their timeline's tweets, their notifications, deletions.
export function userStream(handlers) {
  return new Stream(async () => {
    const { ticket } = await post('/stream/tickets');
    return new EventSource(`/stream?ticket=${encodeURIComponent(ticket)}`);
  }, handlers);
}

// Every new tweet, for anyone; with a ticket (`signedIn`), none of those the user may not see.
export function publicStream(handlers, signedIn = false) {
  return new Stream(async () => {
    if (!signedIn) return new EventSource('/stream/public');
    const { ticket } = await post('/stream/tickets');
    return new EventSource(`/stream/public?ticket=${encodeURIComponent(ticket)}`);
  }, handlers);
}
