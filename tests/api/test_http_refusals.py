"""Refusals that gunicorn makes before the application sees the request are problem+json too."""

from __future__ import annotations

import json
import socket

import requests


def raw_request(base_url: str, request: bytes) -> tuple[str, dict[str, str], bytes]:
    """Send bytes as they are; returns the status line, the headers and the body."""
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(request)
        response = b""
        while chunk := connection.recv(65536):
            response += chunk
    head, _, body = response.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in header_lines)}
    return status_line, headers, body


def assert_problem(status_line: str, headers: dict, body: bytes, status: int) -> dict:
    assert status_line.startswith(f"HTTP/1.1 {status} "), status_line
    assert headers["content-type"] == "application/problem+json"
    problem = json.loads(body)
    assert problem["status"] == status and problem["title"] and problem["detail"] and problem["type"]
    return problem


def test_a_request_line_over_the_limit_is_414_problem_json(web):
    path = "/tweets?limit=" + "1" * 5000
    assert_problem(*raw_request(web.base_url, f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode()), 414)


def test_too_many_header_fields_is_431_problem_json(web):
    headers = "".join(f"X-Field-{number}: {number}\r\n" for number in range(150))
    request = f"GET /tweets HTTP/1.1\r\nHost: x\r\n{headers}\r\n".encode()
    assert_problem(*raw_request(web.base_url, request), 431)


def test_a_malformed_request_line_is_400_problem_json(web):
    assert_problem(*raw_request(web.base_url, b"GET /tweets HTTP/9.9\r\nHost: x\r\n\r\n"), 400)


def assert_problem_response(response: requests.Response, status: int) -> dict:
    """A problem+json refusal with this status (HEAD: the headers only)."""
    assert response.status_code == status, (response.request.method, response.request.url, response.text[:300])
    assert response.headers["Content-Type"] == "application/problem+json"
    if response.request.method == "HEAD":
        return {}
    problem = response.json()
    assert problem["status"] == status and problem["title"] and problem["detail"] and problem["type"]
    return problem


POSTGREST_PATHS = ["/rest/v1/tweets?select=*", "/rest/v1/rpc/anything", "/rest/v1/", "/rest/v1"]
ROUTING_REFUSALS = [
    ("GET", "/no/such/path", 404), ("GET", "/tweets/not-a-uuid", 404), ("GET", "/users/", 404),
    ("PUT", "/tweets", 405), ("DELETE", "/healthz", 405), ("PATCH", "/me", 405),
    ("XQWERTYUIOPA", "/tweets", 405), ("XQWERTYUIOPA", "/x", 404), ("GET", "/auth/v1/nothing", 404),
    ("GET", "/auth/v1/signup", 405), ("POST", "/openapi.json", 405), ("GET", "/restful", 404),
]


def test_postgrest_paths_say_there_is_no_postgrest_here(web):
    """supabase.from('tweets') against this server learns why nothing is there and what to use instead."""
    for path in POSTGREST_PATHS:
        for method in ("GET", "POST", "PATCH", "PUT", "DELETE", "HEAD"):
            problem = assert_problem_response(requests.request(method, web.url(path), timeout=10), 404)
            if method != "HEAD":
                assert "no PostgREST" in problem["detail"] and "/openapi.json" in problem["detail"]


def test_every_routing_refusal_is_problem_json(web):
    """Flask's own 404 and 405 are problem+json, with Allow on a 405; only paths under /rest/v1 get
    the PostgREST explanation."""
    for method, path, status in ROUTING_REFUSALS:
        response = requests.request(method, web.url(path), timeout=10)
        problem = assert_problem_response(response, status)
        assert "PostgREST" not in problem["detail"], (method, path)
        if status == 405:
            assert response.headers["Allow"], (method, path)
