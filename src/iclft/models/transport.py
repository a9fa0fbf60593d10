"""A served model's HTTP requests: connect, read and whole-request timeouts, retries with backoff
announced on stderr, the environment's proxy, and one-line errors (IclftError) for what is left.

    request(server, "/completions", payload)  the answer as a dict, or IclftError (Refused: HTTP 4xx)

Retried (up to server.max_retries, model.max_retries): no connection, a timeout, HTTP 429 or 5xx, an
answer cut short or not JSON. Not retried: HTTP 4xx (a 401 or 403 names the key variable and
whether it is set). Every wait is cut to what is left of server.total_timeout.
"""
from __future__ import annotations

import http.client
import json
import logging
import os
import random
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass

from iclft import IclftError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Server:
    """Where the model is served and how long a request may take (seconds; model.timeout,
    model.max_retries)."""

    base_url: str
    model: str
    api_key_env: str = "OPENAI_API_KEY"
    connect_timeout: float = 10.0
    read_timeout: float = 120.0
    total_timeout: float = 600.0
    max_retries: int = 3


class Refused(IclftError):
    """The server answered a request with an error that asking again would not change (HTTP 4xx)."""


class _Again(Exception):
    """A failure worth a retry: no connection, a timeout, HTTP 429 or 5xx, an answer cut short or not JSON."""


def check_base_url(base_url: str) -> str:
    """`base_url` without a trailing slash, if it is an http(s) URL with a host."""
    try:
        parts = urllib.parse.urlsplit(base_url)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname) and (parts.port or 1) > 0
    except ValueError:  # a port that is not a number
        ok = False
    if not ok:
        raise IclftError(f"model.base_url {base_url!r} is not an http(s) URL (for example http://127.0.0.1:8000/v1)")
    return base_url.rstrip("/")


def _connection(parts: urllib.parse.SplitResult, timeout: float) -> tuple[http.client.HTTPConnection, str]:
    """(an unopened connection, the request target) for `parts`, through the proxy the environment
    names (HTTP_PROXY, HTTPS_PROXY, NO_PROXY), as urllib would."""
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    https = parts.scheme == "https"
    proxy = urllib.request.getproxies().get(parts.scheme)
    if not proxy or urllib.request.proxy_bypass(parts.hostname):
        cls = http.client.HTTPSConnection if https else http.client.HTTPConnection
        return cls(parts.hostname, parts.port, timeout=timeout), target
    via = urllib.parse.urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    if https:  # a tunnel through the proxy, TLS end to end
        conn = http.client.HTTPSConnection(via.hostname, via.port or 8080, timeout=timeout)
        conn.set_tunnel(parts.hostname, parts.port)
        return conn, target
    return http.client.HTTPConnection(via.hostname, via.port or 8080, timeout=timeout), parts.geturl()


def _exchange(server: Server, url: str, data: bytes | None, headers: dict, deadline: float) -> tuple[int, bytes]:
    """(status, body) of one HTTP request: connecting within the connect timeout, each part of the
    answer within the read timeout, the whole by `deadline` (time.monotonic())."""
    parts = urllib.parse.urlsplit(url)

    def past_deadline() -> IclftError:
        return IclftError(f"{url}: no whole answer within {server.total_timeout:g} s (model.timeout.total), "
                          f"retries included")

    def left(limit: float) -> float:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise past_deadline()
        return min(limit, remaining)

    conn, target = _connection(parts, left(server.connect_timeout))
    try:
        try:
            conn.connect()
        except TimeoutError:
            if deadline - time.monotonic() < 0.01:
                raise past_deadline() from None
            raise _Again(f"no connection within {server.connect_timeout:g} s (model.timeout.connect)") from None
        except OSError as e:
            raise _Again(f"the server cannot be reached ({e.strerror or e})") from None
        sock = conn.sock  # kept: the connection lets go of it once a response that ends it arrives
        try:
            sock.settimeout(left(server.read_timeout))
            conn.request("POST" if data is not None else "GET", target, body=data, headers=headers)
            resp = conn.getresponse()
            body = bytearray()
            while True:
                sock.settimeout(left(server.read_timeout))
                chunk = resp.read1(1 << 16)
                if not chunk:
                    if resp.length:  # the connection ended before the length it announced
                        raise http.client.IncompleteRead(bytes(body), resp.length)
                    return resp.status, bytes(body)
                body += chunk
        except TimeoutError:
            if deadline - time.monotonic() < 0.01:  # the wait was cut to the time left
                raise past_deadline() from None
            raise _Again(f"no answer within {server.read_timeout:g} s (model.timeout.read)") from None
        except (http.client.HTTPException, OSError) as e:
            raise _Again(f"the connection ended before the answer was whole ({type(e).__name__})") from None
    finally:
        conn.close()


def _refused(server: Server, url: str, status: int, body: str) -> IclftError:
    """The one line for an HTTP 4xx answer; a 401 or 403 says which variable holds the key."""
    if status in (401, 403):
        var = server.api_key_env
        why = (f"it refused the key in {var} (model.api_key_env)" if os.environ.get(var) else
               f"it wants a key: set the environment variable {var} (model.api_key_env), which is unset")
        return Refused(f"{url}: HTTP {status} from the server: {why} ({body[:200]})")
    return Refused(f"{url}: HTTP {status} from the server: {body[:300]}")


def request(server: Server, path: str, payload: dict | None = None, retries: int | None = None) -> dict:
    """POST (or GET without a payload) with up to `retries` retries (default model.max_retries)
    and exponential backoff after no connection, a timeout, HTTP 429 or 5xx, an answer cut short
    or not JSON, each announced on stderr; HTTP 4xx is a Refused at once. All of it within
    model.timeout.total."""
    retries = server.max_retries if retries is None else retries
    url = f"{server.base_url}{path}"
    headers = {"Content-Type": "application/json"}
    key = os.environ.get(server.api_key_env)
    if key:
        headers["Authorization"] = f"Bearer {key}"
    data = json.dumps(payload).encode() if payload is not None else None
    deadline = time.monotonic() + server.total_timeout
    for attempt in range(retries + 1):
        try:
            status, body = _exchange(server, url, data, headers, deadline)
            text = body.decode("utf-8", "replace")
            if status == 429 or status >= 500:
                raise _Again(f"HTTP {status} from the server ({text[:200]})")
            if status >= 400:
                raise _refused(server, url, status, text)
            try:
                answer = json.loads(text)
            except ValueError:
                raise _Again(f"the server's answer is not JSON ({text[:80]!r})") from None
            if not isinstance(answer, dict):
                raise _Again(f"the server's answer is not a JSON object ({text[:80]!r})")
            return answer
        except _Again as e:
            reason = str(e)
        if attempt == retries:
            break
        wait = min(30.0, 0.5 * 2 ** attempt) * (1 + random.random() / 4)
        if time.monotonic() + wait >= deadline:
            raise IclftError(f"{url}: {reason}; no time left for a retry within {server.total_timeout:g} s "
                             f"(model.timeout.total)")
        log.warning("%s: %s; asking again in %.1f s (retry %d of %d, model.max_retries)", url, reason, wait,
                    attempt + 1, retries)
        time.sleep(wait)
    tries = f"after {retries + 1} tries (model.max_retries: {retries})" if retries else "(no retry)"
    raise IclftError(f"{url}: {reason} {tries}")
