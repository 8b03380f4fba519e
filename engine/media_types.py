"""What a file is, told from its first bytes: never from its name or the client's header."""

# The accepted types, by the magic number their content starts with.
MAGIC_NUMBERS = {
    b"%PDF-": "application/pdf",
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
}
ACCEPTED = "PDF, JPEG, PNG"
HEAD_BYTES = max(len(magic) for magic in MAGIC_NUMBERS)


def sniff(head: bytes) -> str | None:
    """Return the media type of content starting with `head`, or None if not accepted."""
    for magic, media_type in MAGIC_NUMBERS.items():
        if head.startswith(magic):
            return media_type
    return None
