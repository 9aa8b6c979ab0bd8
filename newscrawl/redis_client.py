"""The Redis connection of a distributed crawl (newscrawl.distributed): whether REDIS_URL
can be used, a client that gives up after REDIS_CONNECT_TIMEOUT, and the finish reasons
and words of the one ERROR of each Redis fault (the URL with its password hidden, the
cause, what to do)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import redis
from redis.backoff import NoBackoff
from redis.connection import parse_url
from redis.retry import Retry
from scrapy.settings import BaseSettings

# What a Redis command raises when Redis is gone, slow or refuses (socket errors included).
REDIS_ERRORS = (redis.RedisError, OSError)
SCHEMES = ("redis", "rediss", "unix")

# Finish reasons.
BAD_SETTING = "bad-setting"  # REDIS_URL is not a Redis URL, or Redis refuses it
UNREACHABLE = "redis-unreachable"  # no connection, or no answer, at start
LOST = "redis-lost"  # a command failed, or got no answer, during the run


def safe_url(url: str) -> str:
    """The URL for the log, without its password; never raises, whatever the URL."""
    scheme, sep, rest = url.partition("://")
    end = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    userinfo, at, host = rest[:end].rpartition("@")
    if not at or ":" not in userinfo:
        return url
    user = userinfo.split(":", 1)[0]
    return f"{scheme}{sep}{user}:***@{host}{rest[end:]}"


def url_problem(url: str) -> str:
    """What makes `url` unusable as REDIS_URL, or '' (whether Redis answers there is
    another matter). Stricter than redis-py, which reads a missing host as localhost and
    a database that is not a number as database 0."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError as exc:
        return str(exc)
    if parts.scheme not in SCHEMES:
        return f"the scheme is {parts.scheme + '://' if parts.scheme else 'missing'}"
    if parts.scheme == "unix":
        if not parts.path:
            return "no socket path"
        databases = []
    elif not parts.hostname:
        return "no host"
    else:
        databases = [parts.path.strip("/")] if parts.path.strip("/") else []
    databases += parse_qs(parts.query).get("db", [])
    for db in databases:
        if not db.isdigit():
            return f"the database {db!r} is not a number"
    try:
        parse_url(url)
    except ValueError as exc:
        return str(exc)
    return ""


def url_failure(url: str) -> tuple[str, str] | None:
    """(finish reason, ERROR message) when `url` is not a Redis URL, else None."""
    problem = url_problem(url)
    if not problem:
        return None
    return BAD_SETTING, (
        f"REDIS_URL {safe_url(url)} is not a Redis URL ({problem}); write it as"
        " redis://[:password@]host[:port][/db], rediss://… or unix:///path/to/socket."
        " Nothing was crawled."
    )


def start_failure(url: str, exc: Exception, timeout: float) -> tuple[str, str]:
    """(finish reason, ERROR message) for a Redis that failed the worker at start."""
    if isinstance(exc, redis.AuthenticationError | redis.ResponseError):
        return BAD_SETTING, (
            f"Redis at {safe_url(url)} refused this worker ({exc}); fix REDIS_URL"
            " (password, database). Nothing was crawled."
        )
    return UNREACHABLE, (
        f"Redis at {safe_url(url)} is unreachable ({exc or type(exc).__name__};"
        f" waited up to REDIS_CONNECT_TIMEOUT={timeout:g} s); start it, or fix REDIS_URL or"
        " the network. Nothing was crawled."
    )


def lost_message(url: str, exc: Exception) -> str:
    """The ERROR message of a Redis lost during the run."""
    return (
        f"Lost Redis at {safe_url(url)} ({exc or type(exc).__name__}); this worker stops."
        " Posts already written stay; those Redis did not record are fetched again, and"
        " found unchanged, by the next run. Start Redis (or fix the network) and run the"
        " crawl again."
    )


def connect(settings: BaseSettings, **options: Any) -> redis.Redis:
    """A client that gives up on a connection, or a command, after REDIS_CONNECT_TIMEOUT
    seconds, without retrying: a Redis that does not answer is a fault to report."""
    timeout = settings.getfloat("REDIS_CONNECT_TIMEOUT", 10.0)
    return redis.Redis.from_url(
        settings["REDIS_URL"], socket_connect_timeout=timeout, socket_timeout=timeout,
        retry=Retry(NoBackoff(), 0), **options,
    )
