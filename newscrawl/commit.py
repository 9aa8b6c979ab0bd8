"""The group commit of posts: each post goes to a temporary file at once; the posts that
gathered while the disk was busy are then made durable together, recorded together and put
in place.

An fsync waits for the disk, one to fifteen milliseconds on a shared machine: made one
after another in the reactor's thread, those waits were the largest cost of a post beyond
lxml's parse. Here they run side by side in threads (the file system commits its journal
once for all of them) while the reactor goes on parsing other pages, and the group's
records take one transaction.

The order is what makes a kill at any moment harmless: a post is recorded only once its
bytes are durable, and put in place (renamed) only once recorded. A crawl killed before
the record leaves temporary files that the next run removes, and it fetches those
articles again; killed after it, the next run finds the recorded bytes in their temporary
files and puts them in place (newscrawl.pipelines.recover_temp_files): nothing written is
fetched again, nothing recorded is missing.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from newscrawl.store import Record

FILE_MODE = 0o666 & ~os.umask(os.umask(0))  # what open() would give a new file


class CommitFailed(Exception):
    """The post at `path` could not be made durable or put in place (`error` says why)."""

    def __init__(self, path: Path, error: OSError) -> None:
        super().__init__(f"{path}: {error}")
        self.path = path
        self.error = error


@dataclass
class StagedPost:
    """A post on its way to `path`: `new`, `changed` (its bytes in `temp`, written but not
    yet durable) or `unchanged` (`path` holds its bytes already: it is only recorded)."""

    path: Path
    record: Record
    change: str
    temp: Path | None = None
    file: BinaryIO | None = None
    done: asyncio.Future[None] | None = None  # set by GroupCommit.commit

    def make_durable(self) -> None:
        """fsync through the descriptor the post was written with (a descriptor opened
        later may miss a write-back error that happened in between). Runs in a thread."""
        if self.file is None:
            return
        try:
            os.fsync(self.file.fileno())
        except OSError as exc:
            raise CommitFailed(self.path, exc) from None
        finally:
            self.file.close()

    def put_in_place(self) -> None:
        if self.temp is not None:
            try:
                os.replace(self.temp, self.path)
            except OSError as exc:
                raise CommitFailed(self.path, exc) from None

    def discard(self, failure: BaseException) -> None:
        if self.file is not None:
            self.file.close()
        if self.temp is not None:
            self.temp.unlink(missing_ok=True)
        if self.done is not None and not self.done.done():
            self.done.set_exception(failure)


def stage(path: Path, data: bytes, record: Record, temp_prefix: str) -> StagedPost:
    """The post `data` for `path`, written to a temporary file next to it unless `path`
    holds these bytes already. The file is named by `temp_prefix`, so that the next run
    can settle what a crawl killed before the commit leaves. Raises OSError."""
    try:
        previous = path.read_bytes()
    except FileNotFoundError:
        previous = None
    if previous == data:
        return StagedPost(path, record, "unchanged")
    temp, file = write_temp(path, data, temp_prefix)
    return StagedPost(path, record, "new" if previous is None else "changed", temp, file)


def write_temp(path: Path, data: bytes, temp_prefix: str) -> tuple[Path, BinaryIO]:
    """`data` written (not yet durable) to a new temporary file next to `path`, named by
    `temp_prefix`; the file is left open. Raises OSError, leaving no file behind."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=temp_prefix, suffix=".tmp")
    file = open(fd, "wb")  # noqa: SIM115 (the caller closes it)
    try:
        os.fchmod(fd, FILE_MODE)  # mkstemp's 0600 would hide posts from a web server
        file.write(data)
        file.flush()
    except BaseException:
        with contextlib.suppress(OSError):  # the bytes a full disk refused, once more
            file.close()
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name), file


class GroupCommit:
    """Commits staged posts in groups. `await commit(post)` returns once the post is
    durable, recorded by `record` (which takes a whole group's records at once) and in
    place; it raises CommitFailed when the post could not be written or put in place, and
    whatever `record` raised when the group could not be recorded (its posts are then
    removed: the next run fetches them again)."""

    def __init__(self, record: Callable[[Sequence[Record]], None], threads: int) -> None:
        self.record = record
        self.pool = ThreadPoolExecutor(threads, thread_name_prefix="newscrawl-fsync")
        self.waiting: list[StagedPost] = []
        self.committer: asyncio.Task[None] | None = None
        self.groups = 0

    async def commit(self, post: StagedPost) -> None:
        post.done = asyncio.get_running_loop().create_future()
        self.waiting.append(post)
        if self.committer is None or self.committer.done():
            self.committer = asyncio.ensure_future(self._commit_waiting())
        await post.done

    def close(self) -> None:
        self.pool.shutdown()

    async def _commit_waiting(self) -> None:
        while self.waiting:
            group, self.waiting = self.waiting, []
            self.groups += 1
            try:
                durable = await self._make_durable(group)
            except BaseException as exc:  # ours: no post waits forever
                for post in group:
                    post.discard(exc)
                if not isinstance(exc, Exception):
                    raise
                continue
            unrecorded: Exception | None = None
            if durable:
                try:
                    self.record([post.record for post in durable])
                except Exception as exc:
                    # In place all the same: a post on disk that the state may not know is
                    # fetched again by the next run, never lost.
                    unrecorded = exc
            for post in durable:
                self._put_in_place(post, unrecorded)

    @staticmethod
    def _put_in_place(post: StagedPost, unrecorded: Exception | None) -> None:
        assert post.done is not None
        try:
            post.put_in_place()
        except CommitFailed as exc:
            # Recorded, and durable in its temporary file: the next run's start puts it in
            # place (newscrawl.pipelines.recover_temp_files). Kept.
            post.done.set_exception(exc)
            return
        if unrecorded is not None:
            post.done.set_exception(unrecorded)
        else:
            post.done.set_result(None)

    async def _make_durable(self, group: list[StagedPost]) -> list[StagedPost]:
        """fsyncs the group's new files side by side: the posts made durable (or that had
        nothing to write). When one cannot be, it and the posts after it are discarded with
        its failure."""
        loop = asyncio.get_running_loop()
        written = [post for post in group if post.file is not None]
        outcomes = await asyncio.gather(
            *(loop.run_in_executor(self.pool, post.make_durable) for post in written),
            return_exceptions=True,
        )
        for post, outcome in zip(written, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                return self._discard_from(group, group.index(post), outcome)
        return group

    @staticmethod
    def _discard_from(
        group: list[StagedPost], start: int, failure: BaseException
    ) -> list[StagedPost]:
        for post in group[start:]:
            post.discard(failure)
        return group[:start]
