"""Faults of the machine a crawl writes to (a full disk, a read-only file system, a folder
below a regular file, ...): the finish reason each one gives the run, and the words of its
one ERROR (the cause with its errno name, and what to do about it)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

DISK_FULL = "disk-full"
QUOTA_EXCEEDED = "quota-exceeded"
UNWRITABLE = "output-unwritable"
IO_ERROR = "io-error"

_REASONS = {
    errno.ENOSPC: DISK_FULL,
    errno.EDQUOT: QUOTA_EXCEEDED,
    errno.EROFS: UNWRITABLE,
    errno.EACCES: UNWRITABLE,
    errno.EPERM: UNWRITABLE,
    errno.ENOTDIR: UNWRITABLE,  # a folder below a regular file
    errno.ENOENT: UNWRITABLE,  # a folder that must exist (LOG_FILE's) does not
}

_ADVICE = {
    DISK_FULL: "free space on that file system",
    QUOTA_EXCEEDED: "free space or raise the disk quota",
    UNWRITABLE: "make it writable (create it, mount it read-write, fix permissions) or set"
    " {setting} elsewhere",
    IO_ERROR: "check the disk and the kernel log (dmesg)",
}

# What a run stopped by a fault leaves behind, for the ERROR of a fault during the run.
CONSISTENT = (
    "the run stopped; the posts written so far are whole and recorded, and the next run"
    " fetches the rest"
)


def write_fault(exc: OSError) -> str:
    """The finish reason of a run that could not write because of `exc`."""
    return _REASONS.get(exc.errno or 0, IO_ERROR)


def os_cause(exc: OSError) -> str:
    """`No space left on device (ENOSPC)`: the system's words and the errno's name."""
    name = errno.errorcode.get(exc.errno or 0)
    text = exc.strerror or str(exc)
    return f"{text} ({name})" if name else text


def advice(reason: str, setting: str) -> str:
    """What the operator should do about a fault of `reason` at the place `setting` names."""
    return _ADVICE.get(reason, _ADVICE[IO_ERROR]).format(setting=setting)


def write_failure(exc: OSError, what: str, setting: str, *, during_run: bool) -> tuple[str, str]:
    """The finish reason and the ERROR message of a failed write of `what` (a path, with
    what it is), the place the setting `setting` names."""
    reason = write_fault(exc)
    message = f"Cannot write {what}: {os_cause(exc)}; {advice(reason, setting)}"
    if during_run:
        message += f" ({CONSISTENT})"
    return reason, message


def make_folder(folder: Path) -> None:
    """`folder` and its parents created when missing; a regular file where the folder
    should be raises NotADirectoryError (ENOTDIR), as for a folder below a regular file,
    rather than mkdir's FileExistsError, whose words (`File exists`) would say otherwise."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(folder)) from None
