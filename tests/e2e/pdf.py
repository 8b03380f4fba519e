"""Read a slip as its reader would: the text `pdftotext` extracts, the QR `zbarimg` decodes."""

import subprocess
from pathlib import Path


def text_of(pdf: bytes) -> str:
    """Return the PDF's text on one line: a long name wraps in its column."""
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf,
                          capture_output=True, check=True)
    return " ".join(done.stdout.decode("utf-8").split())


def qr_of(pdf: bytes, folder: Path) -> str:
    """Return what the QR code on the first page says, rendered at 200 dpi."""
    (folder / "slip.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "200", "-png", "-f", "1", "-l", "1",
                    str(folder / "slip.pdf"), str(folder / "page")], check=True)
    page = next(folder.glob("page*.png"))
    done = subprocess.run(["zbarimg", "--raw", "-q", str(page)], capture_output=True, check=True)
    return done.stdout.decode("utf-8").strip()
