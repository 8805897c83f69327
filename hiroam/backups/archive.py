"""Backup files on disk: their names, their SHA-256 checksum files, and publishing them whole.

A checksum file is `sha256sum`'s format (`<hex>  <name>`), so `sha256sum -c` checks it too.
"""

import hashlib
import os
import re
from datetime import datetime
from pathlib import Path

from hiroam.backups.postgres import BackupError

DUMP_SUFFIX = ".dump"
CHECKSUM_SUFFIX = ".sha256"
PARTIAL_PREFIX = "."  # a dump in progress is hidden and never carries the final name
PARTIAL_SUFFIX = ".partial"
_CHECKSUM_LINE = re.compile(r"^([0-9a-f]{64}) [ *](.+)$")


def dump_name(database: str, taken_at: datetime) -> str:
    """`hiroam-<database>-20261125T133000Z.dump`: sorts by time, says which database."""
    return f"hiroam-{database}-{taken_at.strftime('%Y%m%dT%H%M%SZ')}{DUMP_SUFFIX}"


def checksum_path(dump: Path) -> Path:
    return dump.with_name(dump.name + CHECKSUM_SUFFIX)


def partial_path(final: Path) -> Path:
    return final.with_name(PARTIAL_PREFIX + final.name + PARTIAL_SUFFIX)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def publish(partial_dump: Path, final_dump: Path) -> str:
    """Moves a complete dump to its final name beside its checksum file; returns the checksum.

    The checksum file is published first, so a dump under its final name always has one; both
    are flushed to disk before the renames, so a crash never leaves a final name on a torn file.
    """
    if final_dump.exists():
        raise BackupError(f"{final_dump} already exists; not overwriting it.")
    checksum = sha256_of(partial_dump)
    final_checksum = checksum_path(final_dump)
    partial_checksum = partial_path(final_checksum)
    try:
        partial_checksum.write_text(f"{checksum}  {final_dump.name}\n")
        for path in (partial_dump, partial_checksum):
            _fsync(path)
        partial_checksum.replace(final_checksum)
        partial_dump.replace(final_dump)
    finally:
        partial_checksum.unlink(missing_ok=True)
    _fsync(final_dump.parent)
    return checksum


def verify(dump: Path) -> str:
    """The dump's checksum if it matches its checksum file; refuses otherwise."""
    if not dump.is_file():
        raise BackupError(f"{dump} does not exist.")
    checksum_file = checksum_path(dump)
    if not checksum_file.is_file():
        raise BackupError(f"{checksum_file} is missing: cannot tell whether {dump.name} is whole.")
    match = _CHECKSUM_LINE.match(checksum_file.read_text().strip())
    if not match:
        raise BackupError(f"{checksum_file} is not a SHA-256 checksum line.")
    expected, named = match.groups()
    if named != dump.name:
        raise BackupError(f"{checksum_file} is the checksum of {named}, not of {dump.name}.")
    actual = sha256_of(dump)
    if actual != expected:
        raise BackupError(
            f"Checksum mismatch for {dump}: expected {expected}, file has {actual}. "
            "The file is damaged or was changed; restore another copy."
        )
    return actual
