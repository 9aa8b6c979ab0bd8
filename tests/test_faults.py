"""Faults stop the run loudly: a fault of the machine or of the configuration ends the real
`scrapy crawl` with one ERROR naming the path, the cause and what to do, no traceback,
exit status 1 and a finish reason of its own, and leaves what was written consistent.

The faults are real: read-only bind mounts and small tmpfs mounts that fill up (mounting
needs root, as CI has), folders below regular files, broken SQLite files, broken channel
files."""

from __future__ import annotations

import errno
import hashlib
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from localserver import Answer, LocalServer, scrapy_crawl, settings_args
from minipage import t3_page
from test_finance import (
    HANG,
    LocalSina,
    channel,
    check_post,
    crawl,
    posts,
    recorded,
    start_crawl,
    stat,
    wait_for,
    write_channels,
)

from newscrawl.channels import ChannelConfig
from newscrawl.faults import write_failure
from newscrawl.preflight import local_path
from newscrawl.state_schema import APPLICATION_ID, StateError
from newscrawl.store import Record, SQLiteStore

FIRST_RELEASE_SCHEMA = """CREATE TABLE articles (
    doc_id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    path TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL
) WITHOUT ROWID"""
MARKS_SCHEMA = "CREATE TABLE marks (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID"


@pytest.fixture
def site() -> Iterator[LocalSina]:
    with LocalServer() as server:
        local = LocalSina(server)
        yield local
        local.release()


def listed(site: LocalSina, tag: str, count: int) -> list:
    stories = [site.story(tag, n) for n in range(1, count + 1)]
    site.listing(1686, [site.item(s) for s in stories])
    return stories


def assert_failed(result: subprocess.CompletedProcess[str], reason: str, *words: str) -> str:
    """The run failed with `reason`: exit status 1, and one ERROR, which holds `words`
    and is returned; no traceback."""
    log = result.stderr
    errors = [line for line in log.splitlines() if "] ERROR:" in line]
    assert len(errors) == 1, "\n".join(errors) or log[-3000:]
    for word in words:
        assert word in errors[0], errors[0]
    for noise in ("Traceback", "Task exception was never retrieved", "Unhandled error"):
        assert noise not in log, log[-5000:]
    assert result.returncode == 1, log[-3000:]
    assert f"finished: {reason}" in log
    assert f"'finish_reason': '{reason}'" in log
    return errors[0]


# --------------------------------------------------------------------------- mounts


def need_root() -> None:
    if os.geteuid() != 0:
        message = "mounting a file system needs root (CI runs the tests as root)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def mount(*args: str | Path) -> None:
    subprocess.run(["mount", *map(str, args)], check=True, capture_output=True)


def unmount(where: Path) -> None:
    """Unmounts `where`, lazily if a process of a failed test still holds it."""
    if subprocess.run(["umount", str(where)], capture_output=True).returncode:
        subprocess.run(["umount", "-l", str(where)], check=True)


@contextmanager
def read_only_view(folder: Path, view: Path) -> Iterator[Path]:
    """`folder`, seen read-only at `view` (a read-only bind mount)."""
    need_root()
    view.mkdir()
    mount("--bind", folder, view)
    try:
        mount("-o", "remount,bind,ro", view)
        yield view
    finally:
        unmount(view)


@contextmanager
def small_disk(where: Path, size: str) -> Iterator[Path]:
    """A tmpfs of `size` mounted at `where`."""
    need_root()
    where.mkdir()
    mount("-t", "tmpfs", "-o", f"size={size}", "tmpfs", where)
    try:
        yield where
    finally:
        unmount(where)


def fill(disk: Path) -> Path:
    """Fills the file system of `disk` to the last byte; returns the filler file."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            try:
                os.write(fd, b"\0" * 4096)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
                break
        while True:  # and the last part of a page
            try:
                os.write(fd, b"\0")
            except OSError:
                break
    finally:
        os.close(fd)
    return filler


def state_rows(state: Path) -> dict[str, tuple[str, str]]:
    """doc id → (path, content hash) of each record of a SQLite state."""
    db = sqlite3.connect(f"file:{state}?mode=ro", uri=True)
    try:
        rows = db.execute("SELECT doc_id, path, content_hash FROM articles").fetchall()
    finally:
        db.close()
    return {doc_id: (path, digest) for doc_id, path, digest in rows}


def assert_every_record_has_its_post(state: Path) -> dict[str, tuple[str, str]]:
    rows = state_rows(state)
    for doc_id, (path, digest) in rows.items():
        assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == digest, doc_id
    return rows


# --------------------------------------------------------------------------- OUTPUT_DIR


def test_output_dir_on_a_read_only_file_system_fails_before_any_request(
    site: LocalSina, tmp_path: Path
) -> None:
    channels = write_channels(tmp_path, [channel("china", 1686)])
    listed(site, "ro", 3)
    archive = tmp_path / "archive"
    first = crawl(site, archive, channels)
    assert first.returncode == 0, first.stderr[-3000:]
    before = {p: p.read_bytes() for p in archive.rglob("*") if p.is_file()}
    listed(site, "rw", 5)  # new articles that the read-only run must not fetch
    mark = len(site.server.requests)

    with read_only_view(archive, tmp_path / "ro") as out:
        result = crawl(site, out, channels)
    error = assert_failed(result, "output-unwritable", f"the output folder {out}",
                          "Read-only file system (EROFS)", "OUTPUT_DIR")
    assert "make it writable" in error
    assert site.server.requests[mark:] == []  # not even the listing
    assert {p: p.read_bytes() for p in archive.rglob("*") if p.is_file()} == before


@pytest.mark.parametrize("setting", ["OUTPUT_DIR", "STATE_PATH", "WARC_DIR", "FILES_STORE"])
@pytest.mark.parametrize("shape", ["below a file", "a file"])
def test_a_folder_that_is_a_regular_file_fails_before_any_request(
    site: LocalSina, tmp_path: Path, setting: str, shape: str
) -> None:
    channels = write_channels(tmp_path, [channel("china", 1686)])
    listed(site, "bf", 3)
    blocker = tmp_path / "blocker"
    blocker.write_text("a regular file\n")
    target = blocker / "folder" if shape == "below a file" else blocker
    cause = "Not a directory (ENOTDIR)"
    if setting == "STATE_PATH":
        target = target / "state.sqlite3"  # its folder is `blocker`, or below it
    extra = {"DOWNLOAD_IMAGES": 1} if setting == "FILES_STORE" else {}
    result = crawl(site, tmp_path / "out", channels, **{setting: target}, **extra)
    assert_failed(result, "output-unwritable", str(target), cause, setting)
    assert site.server.requests == []
    assert not posts(tmp_path / "out")
    assert blocker.read_text() == "a regular file\n"


@pytest.mark.parametrize(
    "setting, value, words",
    [
        ("JOBDIR", "{blocker}/job", "Cannot write the job folder {blocker}/job: Not a directory"),
        ("LOG_FILE", "{blocker}/crawl.log", "Cannot write the log file {blocker}/crawl.log: Not a"),
        ("FEEDS", '{{"{blocker}/sync/changes.jsonl": {{"format": "jsonlines"}}}}',
         "Cannot write the feed {blocker}/sync/changes.jsonl: Not a directory (ENOTDIR)"),
    ],
)
def test_a_place_scrapy_writes_to_that_cannot_be_written_fails_before_the_crawl(
    site: LocalSina, tmp_path: Path, setting: str, value: str, words: str
) -> None:
    """JOBDIR, LOG_FILE and local FEEDS files are Scrapy's own, opened before any of the
    project's components can check them: `scrapy crawl` checks them first. There is no
    finish reason (the run never started), just the ERROR and exit status 1."""
    channels = write_channels(tmp_path, [channel("china", 1686)])
    listed(site, "sp", 3)
    blocker = tmp_path / "blocker"
    blocker.write_text("a regular file\n")
    given = value.format(blocker=blocker, tmp=tmp_path)
    result = crawl(site, tmp_path / "out", channels, **{setting: given})
    log = result.stdout + result.stderr
    errors = [line for line in log.splitlines() if "ERROR:" in line]
    assert len(errors) == 1, log[-3000:]
    assert words.format(blocker=blocker, tmp=tmp_path) in errors[0]
    assert f"set {setting} elsewhere" in errors[0]
    assert "Traceback" not in log and "never retrieved" not in log
    assert result.returncode == 1
    assert site.server.requests == []


# --------------------------------------------------------------------------- a full disk


@pytest.mark.parametrize("state_on", ["the same disk", "another disk"])
def test_a_full_disk_stops_the_run_at_the_first_failed_write(
    site: LocalSina, tmp_path: Path, state_on: str
) -> None:
    """A small disk that fills up during the run, holding the posts, and the state (then
    the state's write-ahead log or a post may be the first write to fail) or not."""
    channels = write_channels(tmp_path, [channel("china", 1686)])
    stories = listed(site, "df", 60)
    elsewhere = {} if state_on == "the same disk" else {"STATE_PATH": tmp_path / "state.sqlite3"}
    with small_disk(tmp_path / "disk", "160k") as disk:
        out = disk / "out"
        state = elsewhere.get("STATE_PATH", out / ".newscrawl" / "state.sqlite3")
        full = crawl(site, out, channels, ROLL_PAGE_SIZE=10, **elsewhere)
        error = assert_failed(full, "disk-full", "free space on that file system")
        if elsewhere:
            assert f"Cannot write the post {out}/" in error
            assert "No space left on device (ENOSPC)" in error
        else:
            assert str(out) in error
            assert "No space left on device (ENOSPC)" in error or "disk is full" in error
        written = posts(out)
        assert 0 < len(written) < len(stories)
        for ident, text in written.items():  # every post is whole
            check_post(text, site.stories[ident])
        assert not list(out.glob(".*.tmp"))  # no temporary file left
        rows = assert_every_record_has_its_post(state)
        assert set(rows) <= set(written)
        assert stat(full, "newscrawl/written") == len(written)

        # Space freed: the next run writes the rest, and fetches nothing it had recorded.
        mount("-o", "remount,size=4m", disk)
        mark = len(site.server.requests)
        rerun = crawl(site, out, channels, ROLL_PAGE_SIZE=10, **elsewhere)
        assert rerun.returncode == 0, rerun.stderr[-3000:]
        assert sorted(posts(out)) == sorted(s.doc_id for s in stories)
        assert not set(site.requests_for(mark)) & set(rows)
        assert_every_record_has_its_post(state)


def three_then_hung(site: LocalSina, tag: str, count: int) -> list:
    """`count` listed articles, three to an API page: the first page's are served, the
    others hang until released (the first page's articles are requested before the next
    page is even listed)."""
    stories = listed(site, tag, count)
    site.overlap = 0
    site.hung = {s.doc_id for s in stories[3:]}
    return stories


def test_the_state_on_a_full_disk_stops_the_run(site: LocalSina, tmp_path: Path) -> None:
    """SQLite's 'database or disk is full' while recording: the run stops at once, every
    record has its post, and the posts not recorded are found unchanged next time."""
    channels = write_channels(tmp_path, [channel("china", 1686)])
    stories = three_then_hung(site, "sf", 12)
    out = tmp_path / "out"
    with small_disk(tmp_path / "disk", "1m") as disk:
        state = disk / "state.sqlite3"
        with start_crawl(site, out, channels, STATE_PATH=state, ROLL_PAGE_SIZE=3,
                         DOWNLOAD_TIMEOUT=HANG) as run:
            wait_for(lambda: len(recorded(state)) == 3 and set(site.requests_for()) & site.hung,
                     run, what="the first page's articles recorded")
            filler = fill(disk)
            site.release()
            result = run.finish()
        assert_failed(result, "disk-full", str(state), "database or disk is full",
                              "free space on that file system")
        rows = assert_every_record_has_its_post(state)
        assert len(rows) >= 3
        # The posts of the group whose record failed (newscrawl.commit) are on disk
        # without their record: the next run fetches them again and finds them unchanged.
        unrecorded = set(posts(out)) - set(rows)

        filler.unlink()
        rerun = crawl(site, out, channels, STATE_PATH=state, ROLL_PAGE_SIZE=3)
        assert rerun.returncode == 0, rerun.stderr[-3000:]
        assert sorted(posts(out)) == sorted(s.doc_id for s in stories)
        assert set(state_rows(state)) == {s.doc_id for s in stories}
        assert stat(rerun, "newscrawl/unchanged") == len(unrecorded)


def test_a_file_system_turned_read_only_during_the_run_stops_it(
    site: LocalSina, tmp_path: Path
) -> None:
    channels = write_channels(tmp_path, [channel("china", 1686)])
    three_then_hung(site, "er", 12)
    archive, state = tmp_path / "archive", tmp_path / "state.sqlite3"
    archive.mkdir()
    need_root()
    view = tmp_path / "view"
    view.mkdir()
    mount("--bind", archive, view)
    try:
        with start_crawl(site, view, channels, STATE_PATH=state, ROLL_PAGE_SIZE=3,
                         DOWNLOAD_TIMEOUT=HANG) as run:
            wait_for(lambda: len(recorded(state)) == 3 and set(site.requests_for()) & site.hung,
                     run, what="the first page's articles recorded")
            # Read-only now, as a kernel remounts a file system after errors.
            mount("-o", "remount,bind,ro", view)
            site.release()
            result = run.finish()
    finally:
        unmount(view)
    assert_failed(result, "output-unwritable", str(view), "Read-only file system (EROFS)",
                  "the run stopped; the posts written so far are whole and recorded")
    assert sorted(posts(archive)) == sorted(state_rows(state))
    assert len(state_rows(state)) == 3
    assert not list(archive.glob(".*.tmp"))


def test_a_full_disk_under_the_warc_file_stops_the_run(site: LocalSina, tmp_path: Path) -> None:
    channels = write_channels(tmp_path, [channel("china", 1686)])
    stories = listed(site, "dw", 60)
    with small_disk(tmp_path / "disk", "32k") as disk:
        result = crawl(site, tmp_path / "out", channels, WARC_DIR=disk, ROLL_PAGE_SIZE=10)
    error = assert_failed(result, "disk-full", f"Cannot write the WARC file {disk}/finance-",
                          "No space left on device (ENOSPC)", "free space on that file system")
    assert ".warc.gz" in error
    assert len(posts(tmp_path / "out")) < len(stories)  # it stopped: no fetch unrecorded


def test_a_full_disk_under_the_images_stops_the_run_and_leaves_no_half_image(
    tmp_path: Path
) -> None:
    big = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + os.urandom(64 * 1024) + b"\xff\xd9"
    with LocalServer(tls=True) as server:
        image = server.route("/img/big.jpg", Answer(200, big, {"Content-Type": "image/jpeg"}))
        body = f'<p>\u3000\u3000第一段。</p><p><img src="{image}" alt="大图"></p><p>第二段。</p>'
        page = server.page("/doc-iktzdisk0000001.shtml",
                           t3_page("iktzdisk0000001", "磁盘已满", body),
                           "text/html; charset=utf-8")
        with small_disk(tmp_path / "disk", "32k") as disk:
            result = scrapy_crawl("article", "-a", f"url={page}", *settings_args(
                OUTPUT_DIR=tmp_path / "out", FILES_STORE=disk, DOWNLOAD_IMAGES=1,
                ARTICLE_HOSTS="127.0.0.1", AUTOTHROTTLE_ENABLED=0, RETRY_TIMES=0))
            left = [p.name for p in disk.iterdir()]
    assert_failed(result, "disk-full", f"Cannot write the image {disk}/",
                  "No space left on device (ENOSPC)", "free space on that file system")
    assert left == []  # neither half an image nor a temporary file


@pytest.mark.parametrize(
    "code, reason, words",
    [
        (errno.ENOSPC, "disk-full", "No space left on device (ENOSPC); free space"),
        (errno.EDQUOT, "quota-exceeded", "Disk quota exceeded (EDQUOT); free space or raise"),
        (errno.EROFS, "output-unwritable", "Read-only file system (EROFS); make it writable"),
        (errno.EIO, "io-error", "Input/output error (EIO); check the disk"),
    ],
)
def test_each_errno_has_its_reason_and_advice(code: int, reason: str, words: str) -> None:
    """The faults no test machine can make for real (a quota is ignored for root, an I/O
    error needs a failing device) end the run the same way, with their own reason."""
    exc = OSError(code, os.strerror(code))
    given, message = write_failure(exc, "the post out/x.md", "OUTPUT_DIR", during_run=True)
    assert given == reason
    assert message.startswith(f"Cannot write the post out/x.md: {words}")
    assert message.endswith("(the run stopped; the posts written so far are whole and"
                            " recorded, and the next run fetches the rest)")


# --------------------------------------------------------------------------- the state


def real_state(path: Path, ids: int) -> None:
    """A state as the crawler writes it, with `ids` records."""
    store = SQLiteStore(path)
    for n in range(ids):
        url = f"https://finance.sina.com.cn/x/doc-ist{n:013d}.shtml"
        store.record([Record(f"ist{n:013d}", url, f"out/ist{n:013d}.md", "0" * 64)])
    store.close()


def garbage(path: Path) -> None:
    path.write_bytes(bytes(range(256)) * 64)


def truncated(path: Path) -> None:
    real_state(path, 300)
    size = path.stat().st_size
    with open(path, "r+b") as file:
        file.truncate(size * 2 // 3)


def header_only(path: Path) -> None:
    real_state(path, 3)
    with open(path, "r+b") as file:
        file.truncate(60)


def another_application(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT, title TEXT)")
    db.execute("INSERT INTO moz_places (url, title) VALUES ('https://example.org/', 'x')")
    db.commit()
    db.close()


def articles_without_a_column(path: Path) -> None:
    """What records failed against, one by one, while the posts were written."""
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE articles (doc_id TEXT PRIMARY KEY, url TEXT, path TEXT)")
    db.execute(MARKS_SCHEMA)
    db.commit()
    db.close()


def newer(path: Path) -> None:
    real_state(path, 3)
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 2")
    db.commit()
    db.close()


@pytest.mark.parametrize(
    "make, reason, words",
    [
        (garbage, "state-unusable", "it is not a SQLite database"),
        (truncated, "state-unusable", "database disk image is malformed"),
        (header_only, "state-unusable", "it is cut short (60 bytes"),
        (another_application, "state-unusable", "it is not a newscrawl state"),
        (articles_without_a_column, "state-unusable", "articles(doc_id, url, path)"),
        (newer, "state-too-new", "has schema version 2, newer than this newscrawl's (1)"),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_a_state_that_cannot_be_used_is_refused_and_left_as_it_is(
    site: LocalSina, tmp_path: Path, make, reason: str, words: str
) -> None:
    channels = write_channels(tmp_path, [channel("china", 1686)])
    listed(site, "bs", 3)
    state = tmp_path / "state.sqlite3"
    make(state)
    before = state.read_bytes()
    result = crawl(site, tmp_path / "out", channels, STATE_PATH=state)
    error = assert_failed(result, reason, str(state), words, "Nothing was changed in it")
    if reason == "state-unusable":
        assert "Move it aside" in error and "restore it from a backup" in error
    else:
        assert "Run that newscrawl, or set STATE_PATH to another file" in error
    assert state.read_bytes() == before
    assert site.server.requests == []
    assert not posts(tmp_path / "out")


@pytest.mark.parametrize("shape", ["first release", "unversioned"])
def test_an_older_state_is_migrated_in_place(
    site: LocalSina, tmp_path: Path, shape: str
) -> None:
    """The states that earlier versions wrote: the first release's (`articles` only) and
    the later one (with the walk notes' `marks`), neither saying its version. Their
    records are kept: the articles they know are not fetched again."""
    out = tmp_path / "out"
    channels = write_channels(tmp_path, [channel("china", 1686)])
    stories = listed(site, "mg", 6)
    state = tmp_path / "state.sqlite3"
    db = sqlite3.connect(state)
    db.execute(FIRST_RELEASE_SCHEMA)
    if shape == "unversioned":
        db.execute(MARKS_SCHEMA)
    for story in stories[:4]:
        db.execute("INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?)",
                   (story.doc_id, site.server.url(story.path), str(out / f"{story.doc_id}.md"),
                    "0" * 64, "2023-01-01T00:00:00+00:00", "2023-01-01T00:00:00+00:00"))
    db.commit()
    db.close()

    result = crawl(site, out, channels, STATE_PATH=state)
    assert result.returncode == 0, result.stderr[-3000:]
    if shape == "first release":
        assert f"Migrated the state {state} from schema version 0 to 1" in result.stderr
    else:
        assert f"The state {state} now says its schema version (1)" in result.stderr
    assert set(site.requests_for()) == {s.doc_id for s in stories[4:]}
    db = sqlite3.connect(state)
    assert db.execute("PRAGMA user_version").fetchone()[0] == 1
    assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert db.execute("SELECT first_seen FROM articles WHERE doc_id = ?",
                      (stories[0].doc_id,)).fetchone()[0] == "2023-01-01T00:00:00+00:00"
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 6
    db.close()

    again = crawl(site, out, channels, STATE_PATH=state)  # opened as it is, no migration
    assert again.returncode == 0, again.stderr[-3000:]
    assert "schema version" not in again.stderr


# --------------------------------------------------------------------------- CHANNELS_FILE


CHANNELS = {
    "not YAML": ("default_label: x\nchannels: [\n", "is not YAML: "),
    "a list": ("- china\n- macro\n", "the document: expected a mapping, got a list"),
    "no pageid": (
        yaml.safe_dump({"default_label": "x", "channels": [
            {"name": "china", "title": "t", "label": "l", "lid": 1686}]}),
        "channels[0]: missing pageid",
    ),
    "unknown key": (
        yaml.safe_dump({"default_label": "x", "channels": [
            {"name": "china", "title": "t", "label": "l", "lid": 1686, "pageid": 155,
             "page_id": 155}]}),
        "channels[0]: unknown key(s) page_id (known: name, title, label, pageid, lid, list_url)",
    ),
    "wrong type": (
        yaml.safe_dump({"default_label": "x", "channels": [
            {"name": "china", "title": "t", "label": "l", "lid": "1686", "pageid": 155}]}),
        "channels[0].lid: expected a whole number, got '1686'",
    ),
    "unknown default": (
        yaml.safe_dump({"default_label": "x", "default_channels": ["macro"], "channels": [
            {"name": "china", "title": "t", "label": "l", "lid": 1686, "pageid": 155}]}),
        "default_channels[0]: no channel is named 'macro' (channels: china)",
    ),
    "empty": ("", "the file is empty"),
}


@pytest.mark.parametrize("case", [*CHANNELS, "missing"])
def test_a_broken_channels_file_fails_naming_the_file_and_the_problem(
    site: LocalSina, tmp_path: Path, case: str
) -> None:
    listed(site, "bc", 3)
    path = tmp_path / "channels.yaml"
    if case == "missing":
        words = "cannot be read: No such file or directory (ENOENT)"
    else:
        text, words = CHANNELS[case]
        path.write_text(text, encoding="utf-8")
    result = crawl(site, tmp_path / "out", path)
    assert_failed(result, "bad-channels", f"The channels file {path} (CHANNELS_FILE)", words)
    assert site.server.requests == []


def test_the_article_spider_checks_the_channels_file_too(tmp_path: Path) -> None:
    path = tmp_path / "channels.yaml"
    path.write_text("default_label: [\n", encoding="utf-8")
    result = scrapy_crawl("article", "-a", "url=https://finance.sina.com.cn/x/doc-iabc.shtml",
                          *settings_args(OUTPUT_DIR=tmp_path / "out", CHANNELS_FILE=path))
    assert_failed(result, "bad-channels", str(path), "is not YAML")


def test_the_packaged_channels_file_passes_the_checks() -> None:
    config = ChannelConfig.load()
    assert config.default_channels == ("china",)
    assert all(c.pageid and c.lid for c in config.channels.values())


def test_a_state_path_sqlite_cannot_open_is_a_state_error(tmp_path: Path) -> None:
    """A dangling symlink: SQLite's own 'unable to open' is the one ERROR's cause, not a
    traceback while the crawler is built."""
    (tmp_path / "state.sqlite3").symlink_to(tmp_path / "gone" / "state.sqlite3")
    with pytest.raises(StateError) as refused:
        SQLiteStore(tmp_path / "state.sqlite3")
    assert refused.value.reason == "output-unwritable"
    assert "unable to open database file" in str(refused.value)


def test_a_feed_file_uri_names_its_folder_with_escapes_decoded() -> None:
    assert local_path("file:///tmp/my%20feeds/sync.json") == Path("/tmp/my feeds/sync.json")
    assert local_path("feeds/sync.json") == Path("feeds/sync.json")
    assert local_path("s3://bucket/sync.json") is None
