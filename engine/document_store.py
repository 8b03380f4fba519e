"""Where documents' bytes live: content-addressed by SHA-256, written once, never overwritten.

Several API hosts share one store over network storage, so nothing here is per-process:
a blob is written to a private temporary file beside the blobs, flushed to disk, then
hard-linked to its final name, which either appears whole or was already there.
"""

import hashlib
import os
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

CHUNK_BYTES = 1024 * 1024
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
TEMPORARY_PREFIX = ".incoming-"


@dataclass(frozen=True)
class StoredBlob:
    """What the store kept: the content's hash and its size."""

    sha256: str
    size: int


class DocumentStore(Protocol):
    """Bytes kept by their SHA-256."""

    def put(self, stream: BinaryIO) -> StoredBlob:
        """Store the stream's bytes (once, whoever stores them again) and return their hash."""

    def open(self, sha256: str) -> BinaryIO:
        """Open the blob with this hash for reading; FileNotFoundError when it is missing."""

    def exists(self, sha256: str) -> bool:
        """Tell whether a blob with this hash is stored."""

    def hashes(self) -> Iterator[str]:
        """Yield the hash of every stored blob."""


class DirectoryStore:
    """Blobs as files under a root, sharded by the hash's first hex digits (ab/cd/abcd…)."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def put(self, stream: BinaryIO) -> StoredBlob:
        """Copy the stream to a temporary file, fsync it, and link it to its hash's name.

        An exception raised while reading the stream (a size limit) leaves nothing behind.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        draft = self.root / f"{TEMPORARY_PREFIX}{secrets.token_hex(16)}"
        digest, size = hashlib.sha256(), 0
        try:
            with open(draft, "xb") as file:
                while chunk := stream.read(CHUNK_BYTES):
                    digest.update(chunk)
                    file.write(chunk)
                    size += len(chunk)
                file.flush()
                os.fsync(file.fileno())
            blob = StoredBlob(digest.hexdigest(), size)
            self._link(draft, self._path(blob.sha256))
        finally:
            draft.unlink(missing_ok=True)
        return blob

    def open(self, sha256: str) -> BinaryIO:
        """Open the blob with this hash for reading."""
        return open(self._path(sha256), "rb")

    def exists(self, sha256: str) -> bool:
        """Tell whether a blob with this hash is stored."""
        return self._path(sha256).is_file()

    def hashes(self) -> Iterator[str]:
        """Yield the hash of every stored blob, skipping drafts being written."""
        for path in sorted(self.root.glob("??/??/*")):
            if SHA256_HEX.fullmatch(path.name):
                yield path.name

    def _path(self, sha256: str) -> Path:
        # The hash becomes a path: anything but 64 lowercase hex digits could leave the root.
        if not SHA256_HEX.fullmatch(sha256):
            raise ValueError(f"not a SHA-256 in hex: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    @staticmethod
    def _link(draft: Path, final: Path) -> None:
        final.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(draft, final)
        except FileExistsError:
            return  # the same bytes were stored before: the blob is never rewritten
        directory = os.open(final.parent, os.O_RDONLY)
        try:
            os.fsync(directory)  # the new name survives a crash too
        finally:
            os.close(directory)


def rehash(stream: BinaryIO) -> str:
    """Return the SHA-256 of what the stream holds now."""
    digest = hashlib.sha256()
    while chunk := stream.read(CHUNK_BYTES):
        digest.update(chunk)
    return digest.hexdigest()
