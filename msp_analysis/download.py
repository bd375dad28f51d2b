"""Fetch published files into data/raw: checksummed, resumable, never replacing a good file with a bad one.

Each file is downloaded to ``.partial/<file>`` (resumed with an HTTP Range request when a
partial file is there), then checked: its SHA-256 must match the catalogue when one is
given, and a reader must recognise it. Only then does it replace the old file, in one
atomic rename. A file already present and good is left alone.
"""

from __future__ import annotations

import logging
import os
import urllib.error
import urllib.request
from importlib import resources
from pathlib import Path

import yaml

from msp_analysis.errors import SourceError
from msp_analysis.sources import readers_for
from msp_analysis.store import sha256 as sha256_of

log = logging.getLogger(__name__)
CHUNK = 1 << 16
ENTRY_KEYS = {"name", "file", "year", "publisher", "page", "url", "sha256"}


def load_catalogue(path: str | Path | None = None) -> list[dict]:
    """The catalogue of published files (package default, or your own YAML)."""
    text = (
        Path(path).read_text()
        if path
        else resources.files("msp_analysis.data").joinpath("sources.yml").read_text()
    )
    doc = yaml.safe_load(text)
    entries = doc.get("files", []) if isinstance(doc, dict) else []
    for e in entries:
        extra = set(e) - ENTRY_KEYS
        if extra or not {"file", "url"} <= set(e):
            raise SourceError(
                f"catalogue entry {e.get('name', e)!r}: needs file and url; unknown keys {sorted(extra)}"
            )
    return entries


def _good(path: Path, sha256: str | None) -> tuple[bool, str]:
    if not path.exists() or path.stat().st_size == 0:
        return False, "missing or empty"
    if sha256 and sha256_of(path) != sha256:
        return False, "checksum differs from the catalogue"
    try:
        if not readers_for(path):
            return False, "no reader recognises it (not the published layout)"
    except SourceError as exc:
        return False, str(exc)
    return True, "ok"


def fetch(entry: dict, dest: Path, *, timeout: float = 60.0) -> dict:
    """Download one catalogue entry into ``dest``; returns a status row."""
    target = dest / entry["file"]
    # partial downloads wait in a hidden folder, keeping their suffix so a reader can check them
    part = dest / ".partial" / entry["file"]
    part.parent.mkdir(exist_ok=True)
    ok, why = _good(target, entry.get("sha256"))
    if ok:
        return {
            "file": entry["file"],
            "status": "up to date",
            "bytes": target.stat().st_size,
            "message": "",
        }
    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(entry["url"], headers={"User-Agent": "msp-analysis"})
    if have:
        request.add_header("Range", f"bytes={have}-")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            resumed = have and response.status == 206
            mode = "ab" if resumed else "wb"
            with open(part, mode) as fh:
                for chunk in iter(lambda: response.read(CHUNK), b""):
                    fh.write(chunk)
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        return {
            "file": entry["file"],
            "status": "failed",
            "bytes": part.stat().st_size if part.exists() else 0,
            "message": f"download interrupted ({exc}); run again to resume",
        }
    good, why = _good(part, entry.get("sha256"))
    if not good:
        part.unlink(missing_ok=True)
        kept = " the previous file is kept" if target.exists() else ""
        return {
            "file": entry["file"],
            "status": "failed",
            "bytes": 0,
            "message": f"downloaded file rejected: {why};{kept}".rstrip(";"),
        }
    os.replace(part, target)
    return {
        "file": entry["file"],
        "status": "resumed" if have else "downloaded",
        "bytes": target.stat().st_size,
        "message": "",
    }


def download(
    dest: str | Path,
    *,
    catalogue: str | Path | None = None,
    years: list[int] | None = None,
    progress: bool = True,
) -> list[dict]:
    """Fetch every catalogue entry (or those for ``years``) into ``dest``."""
    from tqdm.auto import tqdm

    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    entries = [e for e in load_catalogue(catalogue) if years is None or e.get("year") in years]
    return [
        fetch(e, dest)
        for e in tqdm(entries, desc="msp download", unit="file", disable=not progress)
    ]
