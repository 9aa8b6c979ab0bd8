"""The group commit (newscrawl.commit): posts that gather while a group is committed go
together, a group is recorded once its posts are durable and before they are in place,
and a post that cannot be written costs itself and the posts after it in its group."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

import pytest

from newscrawl.commit import CommitFailed, GroupCommit, stage
from newscrawl.pipelines import temp_prefix
from newscrawl.store import Record


class Recorder:
    """The state's stand-in in the commit: checks, as each group is recorded, that its new
    posts are whole in their temporary files and not yet in place."""

    def __init__(self, folder: Path, fail: Exception | None = None) -> None:
        self.folder = folder
        self.fail = fail
        self.groups: list[list[str]] = []

    def __call__(self, records: Sequence[Record]) -> None:
        for record in records:
            temps = list(self.folder.glob(f".{record.doc_id}.md.*.tmp"))
            if temps:
                assert [temp.read_bytes() for temp in temps] == [content(record.doc_id)]
                assert not Path(record.path).is_file()
            else:  # unchanged: in place already
                assert Path(record.path).read_bytes() == content(record.doc_id)
        if self.fail is not None:
            raise self.fail
        self.groups.append([record.doc_id for record in records])


def content(doc_id: str) -> bytes:
    return f"---\ntitle: {doc_id}\n---\n正文\n".encode()


def staged(folder: Path, doc_id: str):
    path = folder / f"{doc_id}.md"
    record = Record(doc_id, f"https://finance.sina.com.cn/doc-{doc_id}.shtml", str(path), "h")
    return stage(path, content(doc_id), record, temp_prefix(path.name))


async def commit_all(commits: GroupCommit, posts: list) -> list:
    try:
        return await asyncio.gather(
            *(commits.commit(post) for post in posts), return_exceptions=True
        )
    finally:
        commits.close()


def test_posts_that_gather_are_committed_as_one_group(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path)
    commits = GroupCommit(recorder, threads=4)
    posts = [staged(tmp_path, f"a{n}") for n in range(10)]
    assert [p.change for p in posts] == ["new"] * 10
    assert len(list(tmp_path.glob(".*.tmp"))) == 10  # written, not yet in place

    assert asyncio.run(commit_all(commits, posts)) == [None] * 10
    assert recorder.groups == [[f"a{n}" for n in range(10)]]


def test_posts_staged_during_a_commit_form_the_next_group(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path)
    commits = GroupCommit(recorder, threads=4)

    async def two_waves() -> None:
        first = [asyncio.ensure_future(commits.commit(staged(tmp_path, f"b{n}"))) for n in range(3)]
        while commits.committer is None or commits.waiting:
            await asyncio.sleep(0)  # until the committer has taken the first wave
        second = [staged(tmp_path, f"c{n}") for n in range(2)]
        await commit_all(commits, second)
        await asyncio.gather(*first)

    asyncio.run(two_waves())
    assert recorder.groups == [["b0", "b1", "b2"], ["c0", "c1"]]


def test_an_unchanged_post_is_recorded_without_being_written_again(tmp_path: Path) -> None:
    (tmp_path / "u1.md").write_bytes(content("u1"))
    before = (tmp_path / "u1.md").stat().st_mtime_ns
    recorder = Recorder(tmp_path)
    posts = [staged(tmp_path, "u1"), staged(tmp_path, "u2")]
    assert [p.change for p in posts] == ["unchanged", "new"]

    asyncio.run(commit_all(GroupCommit(recorder, threads=2), posts))
    assert recorder.groups == [["u1", "u2"]]
    assert (tmp_path / "u1.md").stat().st_mtime_ns == before


def test_a_post_that_cannot_be_put_in_place_fails_alone_and_keeps_its_file(
    tmp_path: Path,
) -> None:
    recorder = Recorder(tmp_path)
    posts = [staged(tmp_path, f"d{n}") for n in range(5)]
    (tmp_path / "d2.md").mkdir()  # a folder where the third post goes: rename fails

    outcomes = asyncio.run(commit_all(GroupCommit(recorder, threads=2), posts))
    assert outcomes[:2] == outcomes[3:] == [None, None]
    assert isinstance(outcomes[2], CommitFailed)
    assert outcomes[2].path == tmp_path / "d2.md"
    assert isinstance(outcomes[2].error, IsADirectoryError)
    assert recorder.groups == [[f"d{n}" for n in range(5)]]
    # Recorded and durable: kept for the next run's start to put in place.
    [kept] = tmp_path.glob(".d2.md.*.tmp")
    assert kept.read_bytes() == content("d2")
    placed = sorted(p.name for p in tmp_path.glob("*.md") if p.is_file())
    assert placed == ["d0.md", "d1.md", "d3.md", "d4.md"]


def test_a_group_the_state_cannot_record_fails_every_post_of_it_in_place(
    tmp_path: Path,
) -> None:
    recorder = Recorder(tmp_path, fail=RuntimeError("state lost"))
    posts = [staged(tmp_path, f"e{n}") for n in range(3)]

    outcomes = asyncio.run(commit_all(GroupCommit(recorder, threads=2), posts))
    assert [str(outcome) for outcome in outcomes] == ["state lost"] * 3
    # Their posts are whole and in place: the next run finds them unchanged.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e0.md", "e1.md", "e2.md"]


def test_a_post_that_cannot_be_staged_leaves_no_temporary_file(tmp_path: Path) -> None:
    (tmp_path / "f1.md").mkdir()
    with pytest.raises(IsADirectoryError):
        staged(tmp_path, "f1")  # reading what is there fails first
    assert not list(tmp_path.glob(".*.tmp"))
