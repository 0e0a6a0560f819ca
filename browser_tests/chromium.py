"""How Alliance launches Chromium, for the browser tests and ``scripts/screenshots.py`` alike.

Debian's ``chromium`` package, never a browser Playwright downloads (``playwright install`` is not
used), with flags that suit a container (no sandbox as root, no GPU) and reach nothing on the network.
"""

import shutil

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def executable() -> str | None:
    return shutil.which("chromium")


def launch_args() -> dict:
    """Keyword arguments of ``BrowserType.launch``; the caller checks ``executable()`` first."""
    return {"executable_path": executable(), "args": ARGS}
