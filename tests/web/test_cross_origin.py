"""A page of another origin (a second local HTTP server, another port) uses the API in the browser.

The browser enforces CORS, so this is the test that counts: the page signs up through /auth/v1
as supabase-js would (apikey and X-Supabase-Api-Version headers: preflighted), posts a tweet
with a bearer token and an Idempotency-Key (preflighted), reads the exposed Location and
X-Request-Id headers, and receives the tweet on the public stream and on its own user stream.
"""

from __future__ import annotations

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.helpers.waiting import free_port

PAGE = """<!doctype html><meta charset="utf-8"><title>elsewhere</title><pre id="out">running</pre>
<script>
const api = new URL(location.href).searchParams.get('api');
const email = new URL(location.href).searchParams.get('email');
const result = {};
function until(source, name) {
  return new Promise((resolve, reject) => {
    source.addEventListener(name, (event) => resolve(JSON.parse(event.data)));
    setTimeout(() => reject(new Error('no ' + name + ' event')), 20000);
  });
}
function opened(source) {
  return new Promise((resolve, reject) => {
    source.addEventListener('open', resolve);
    setTimeout(() => reject(new Error('stream did not open')), 10000);
  });
}
(async () => {
  const config = await (await fetch(api + '/config.json')).json();
  const signup = await fetch(api + '/auth/v1/signup', {method: 'POST', headers: {
    apikey: config.anon_key, Authorization: 'Bearer ' + config.anon_key, 'Content-Type': 'application/json',
    'X-Supabase-Api-Version': '2024-01-01'}, body: JSON.stringify({email, password: 'elsewhere-password'})});
  const session = await signup.json();
  const auth = {Authorization: 'Bearer ' + session.access_token, 'Content-Type': 'application/json'};
  result.me = (await fetch(api + '/me', {method: 'PUT', headers: auth,
    body: JSON.stringify({username: 'elsewhere'})})).status;
  const ticket = await (await fetch(api + '/stream/tickets', {method: 'POST', headers: auth})).json();
  const mine = new EventSource(api + '/stream?ticket=' + encodeURIComponent(ticket.ticket));
  const everyone = new EventSource(api + '/stream/public');
  await Promise.all([opened(mine), opened(everyone)]);
  const arrivals = Promise.all([until(everyone, 'tweet'), until(mine, 'tweet')]);
  const posted = await fetch(api + '/tweets', {method: 'POST', headers: {...auth, 'Idempotency-Key': 'k-1'},
    body: JSON.stringify({content: 'from another origin'})});
  result.status = posted.status;
  result.location = posted.headers.get('Location');
  result.requestId = posted.headers.get('X-Request-Id');
  const [publicTweet, userTweet] = await arrivals;
  result.publicContent = publicTweet.content;
  result.userContent = userTweet.content;
  mine.close(); everyone.close();
})().catch((error) => { result.error = String(error); }).finally(() => {
  window.result = result;
  document.getElementById('out').textContent = JSON.stringify(result);
});
</script>"""


class PageHandler(BaseHTTPRequestHandler):
    """Serves the one page, whatever the path."""

    def do_GET(self):
        body = PAGE.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *arguments):
        pass


@pytest.fixture
def other_origin():
    """A second HTTP server on another port: another origin for the browser."""
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), PageHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_page_of_another_origin_calls_the_api_and_opens_streams(browser, site, other_origin):
    page = browser.new_context().new_page()
    page.goto(f"{other_origin}/?api={site.base_url}&email=elsewhere-{uuid.uuid4().hex[:6]}@example.test")
    page.wait_for_function("window.result !== undefined", timeout=40_000)
    result = page.evaluate("window.result")
    assert "error" not in result, json.dumps(result)
    assert result["me"] == 200 and result["status"] == 201
    assert result["location"].startswith("/tweets/") and result["requestId"]
    assert result["publicContent"] == result["userContent"] == "from another origin"


def test_preflight_answers_the_contract(site):
    import requests

    preflight = requests.options(site.url("/tweets"), headers={
        "Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type, idempotency-key, last-event-id",
    }, timeout=10)
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    allowed = preflight.headers["Access-Control-Allow-Headers"].lower()
    for header in ("authorization", "content-type", "idempotency-key", "last-event-id"):
        assert header in allowed
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Credentials" not in preflight.headers
    answer = requests.get(site.url("/tweets"), headers={"Origin": "http://localhost:3000"}, timeout=10)
    exposed = answer.headers["Access-Control-Expose-Headers"].lower()
    for header in ("location", "retry-after", "x-ratelimit-limit", "x-ratelimit-remaining",
                   "x-ratelimit-reset", "x-request-id"):
        assert header in exposed
