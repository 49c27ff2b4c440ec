"""Backups of a single-server helpdesk: the SQLite database and the embedded Chroma index in one .tar.gz.

SQLite files (the helpdesk's and Chroma's own) are copied with SQLite's online backup API, so a backup taken
while the server runs is consistent; the index's other files are copied as they are.
"""

from __future__ import annotations

import shutil
import sqlite3
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import ConfigurationError, InvalidInputError

DATABASE_NAME = "helpdesk.db"
INDEX_NAME = "chroma"


@dataclass(frozen=True)
class BackupTargets:
    """Where the live data is: the SQLite file and the embedded index folder."""

    database: Path
    index: Path


def targets_for(database_url: str, chroma_dir: Path, chroma_url: str | None) -> BackupTargets:
    """The files to back up, or ConfigurationError when they live in servers (PostgreSQL, Chroma server)."""
    if not database_url.startswith("sqlite:///") or chroma_url:
        raise ConfigurationError("backup covers SQLite and the embedded index only; back up PostgreSQL with "
                                 "pg_dump and a Chroma server with its own tools")
    return BackupTargets(Path(database_url.removeprefix("sqlite:///")), chroma_dir)


def create_backup(targets: BackupTargets, archive: Path) -> list[str]:
    """Write a consistent .tar.gz of the database and the index; returns the names it holds."""
    if not targets.database.exists():
        raise InvalidInputError(f"no database at {targets.database}")
    with tempfile.TemporaryDirectory() as scratch:
        staging = Path(scratch)
        _copy_sqlite(targets.database, staging / DATABASE_NAME)
        if targets.index.exists():
            _copy_index(targets.index, staging / INDEX_NAME)
        archive.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(archive, "w:gz") as tar:
            for item in sorted(staging.iterdir()):
                tar.add(item, arcname=item.name)
        return sorted(item.name for item in staging.iterdir())


def restore_backup(archive: Path, targets: BackupTargets) -> list[str]:
    """Replace the database and the index with the archive's; returns the names restored."""
    if not archive.is_file():
        raise InvalidInputError(f"no backup at {archive}")
    with tempfile.TemporaryDirectory() as scratch:
        staging = Path(scratch)
        try:
            with tarfile.open(archive, "r:gz") as tar:
                tar.extractall(staging, filter="data")  # refuses absolute paths, links out and devices
        except (tarfile.TarError, OSError) as exc:
            raise InvalidInputError(f"{archive} is not a helpdesk backup: {exc}") from exc
        if not (staging / DATABASE_NAME).is_file():
            raise InvalidInputError(f"{archive} is not a helpdesk backup: it has no {DATABASE_NAME}")
        targets.database.parent.mkdir(parents=True, exist_ok=True)
        _copy_sqlite(staging / DATABASE_NAME, targets.database)
        restored = [DATABASE_NAME]
        if (staging / INDEX_NAME).is_dir():
            if targets.index.exists():
                shutil.rmtree(targets.index)
            shutil.copytree(staging / INDEX_NAME, targets.index)
            restored.append(INDEX_NAME)
        return restored


def _copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy through SQLite's backup API (safe while other processes write)."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def _copy_index(source: Path, target: Path) -> None:
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("*.sqlite3", "*.sqlite3-wal", "*.sqlite3-shm"))
    for database in source.rglob("*.sqlite3"):
        copy = target / database.relative_to(source)
        copy.parent.mkdir(parents=True, exist_ok=True)
        _copy_sqlite(database, copy)
