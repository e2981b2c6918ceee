"""Refusals that gunicorn makes before the application sees the request are problem+json too."""

from __future__ import annotations

import json
import socket


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
