"""What the browser tests share beyond the page itself: accounts made over HTTP, waiting inside a
page, and an observer of the Server-Sent Events the page receives.

The observer is injected with Playwright's add_init_script (the page's CSP does not apply to it)
and wraps the browser's own EventSource: the events stay the real server's. With `double` it hands
each tweet, notification and delete event to the client twice, which is how a test forces "the same
event twice" without changing the server.
"""

from __future__ import annotations

import time
import uuid

import requests

PASSWORD = "a password of some length"


def api_account(site, username: str, **profile) -> str:
    """A new user with a profile, made through /auth/v1 and PUT /me; returns their access token."""
    email = f"{username}-{uuid.uuid4().hex[:6]}@example.test"
    answer = requests.post(site.url("/auth/v1/signup"), json={"email": email, "password": PASSWORD}, timeout=30)
    assert answer.status_code == 200, answer.text
    token = answer.json()["access_token"]
    saved = requests.put(site.url("/me"), json={"username": username, **profile}, headers=bearer(token), timeout=10)
    assert saved.status_code == 200, saved.text
    return token


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def page_wait(page, condition, seconds: float, what: str):
    """Poll `condition()` while letting Playwright dispatch the page's events (route handlers too)."""
    deadline = time.monotonic() + seconds
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds} s waiting for {what}")
        page.wait_for_timeout(50)


def sse_observer(double: bool = False) -> str:
    """A script recording each stream's opening and each event into window.chirpEvents."""
    return """(() => {
  const DOUBLE = %s;
  const NAMES = ['tweet', 'notification', 'delete'];
  const Native = window.EventSource;
  window.chirpEvents = [];
  window.EventSource = class extends Native {
    constructor(url, options) {
      super(url, options);
      const path = new URL(url, location.href).pathname;
      Native.prototype.addEventListener.call(this, 'open', () => window.chirpEvents.push(path + ' open'));
      for (const name of NAMES) {
        Native.prototype.addEventListener.call(this, name, (event) => window.chirpEvents.push(name + ' ' + event.data));
      }
    }
    addEventListener(type, listener, options) {
      if (!DOUBLE || !NAMES.includes(type)) return super.addEventListener(type, listener, options);
      return super.addEventListener(type, (event) => { listener.call(this, event); listener.call(this, event); }, options);
    }
  };
})();""" % ("true" if double else "false")


def events(page) -> list[str]:
    """What the observer saw so far: "/stream open", "notification {...}", "delete {...}"."""
    return page.evaluate("window.chirpEvents || []")
