"""Debian's Chromium (`apt-get install -y chromium`) for the browser tests.

Playwright drives it; its own browser download is never used.
"""

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium keeps dialling Google on a closed network.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]
# A Vietnamese desktop: date fields read dd/mm/yyyy (with chromium-l10n's locale files).
CHROMIUM_ENV = {"LANG": "vi_VN.UTF-8", "LANGUAGE": "vi"}
WAIT_MS = 20_000
