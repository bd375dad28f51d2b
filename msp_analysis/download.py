"""Fetch published files into data/raw: checksummed, resumable, never writing outside ``dest``.

The catalogue is checked as a whole before anything is written: every entry's ``file``
must be a plain relative name that stays inside ``dest`` (no absolute path, no ``..``,
no symbolic link leading out), its ``url`` http(s), its ``sha256`` 64 hex digits. An
unsafe catalogue is refused with :class:`~msp_analysis.errors.CatalogueError` and no file
is touched.

Each file is downloaded to ``dest/.partial/<file>`` (resumed with an HTTP Range request
when a partial file is there), then checked: the bytes received must equal the length
the server announced (a transfer cut short is an error, and the partial file is kept to
resume), no file may exceed the size limit, its SHA-256 must match the catalogue when one
is given, and a reader must recognise it. Only then does it replace the old file, in one
atomic rename. A file already present and good is left alone.
"""

from __future__ import annotations

import http.client
import logging
import os
import re
import urllib.error
import urllib.request
from importlib import resources
from pathlib import Path, PurePosixPath, PureWindowsPath

import yaml

from msp_analysis.errors import CatalogueError, SourceError
from msp_analysis.sources import readers_for
from msp_analysis.store import sha256 as sha256_of

log = logging.getLogger(__name__)
CHUNK = 1 << 16
ENTRY_KEYS = {"name", "file", "year", "layout", "publisher", "page", "url", "sha256"}
#: default size limit per file (the largest published file used is about 30 MB)
MAX_BYTES = 512 * 1024 * 1024
PARTIAL = ".partial"
_SHA = re.compile(r"^[0-9a-f]{64}$")


def _where(source: str, i: int, entry: object) -> str:
    name = entry.get("name") if isinstance(entry, dict) else None
    return f"catalogue '{source}', entry {i + 1}" + (f" ({name!r})" if name else "")


def check_name(name: object, where: str = "catalogue entry") -> str:
    """A catalogue ``file`` name, if it is a safe relative path; else CatalogueError.

    Refuses anything absolute (POSIX or Windows), with a drive, with a ``..`` or ``.``
    part, with a backslash, empty, or naming the hidden ``.partial`` folder.
    """
    if not isinstance(name, str) or not name.strip():
        raise CatalogueError(f"{where}, key 'file': must be a file name, got {name!r}")
    if "\x00" in name or "\\" in name:
        raise CatalogueError(f"{where}, key 'file': {name!r} contains a backslash or NUL")
    posix, win = PurePosixPath(name), PureWindowsPath(name)
    if posix.is_absolute() or win.is_absolute() or win.drive or name.startswith("~"):
        raise CatalogueError(
            f"{where}, key 'file': {name!r} is an absolute path; give a name inside --dest"
        )
    parts = name.split("/")
    if any(p in ("..", ".", "") for p in parts) or parts[0] == PARTIAL:
        raise CatalogueError(
            f"{where}, key 'file': {name!r} leaves the destination folder or names "
            f"'{PARTIAL}'; give a plain name inside --dest"
        )
    return name


def _inside(dest: Path, path: Path) -> bool:
    """True when ``path``, with every symbolic link resolved, is ``dest`` or below it."""
    real_dest = Path(os.path.realpath(dest))
    real = Path(os.path.realpath(path))
    return real == real_dest or real_dest in real.parents


def safe_paths(dest: Path, name: str, where: str = "catalogue entry") -> tuple[Path, Path]:
    """(target, partial) for ``name`` under ``dest``, both resolving inside it; else CatalogueError."""
    check_name(name, where)
    target, part = dest / name, dest / PARTIAL / name
    for p in (target, part, dest / PARTIAL):
        if not _inside(dest, p):
            raise CatalogueError(
                f"{where}, key 'file': {name!r} resolves outside the destination folder "
                "(through a symbolic link); refused, nothing was written"
            )
    return target, part


def load_catalogue(path: str | Path | None = None) -> list[dict]:
    """The catalogue of published files (package default, or your own YAML), checked.

    Raises:
        CatalogueError: not YAML, not a mapping with a ``files`` list, an entry that is not a
            mapping, an unknown or missing key, a wrong type, a non-http(s) URL, a malformed
            sha256, or an unsafe ``file`` name. The message names the catalogue and entry.
    """
    source = Path(path).name if path else "sources.yml (package)"
    if path:
        p = Path(path)
        if p.is_dir():
            raise CatalogueError(f"catalogue '{p}' is a folder, not a YAML file")
        if not p.exists():
            raise CatalogueError(f"catalogue '{p}' not found")
        text = p.read_text(encoding="utf-8", errors="replace")
    else:
        text = resources.files("msp_analysis.data").joinpath("sources.yml").read_text()
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CatalogueError(f"catalogue '{source}' is not valid YAML: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("files"), list):
        raise CatalogueError(
            f"catalogue '{source}': top level must be a mapping with a 'files' list"
        )
    entries = doc["files"]
    for i, e in enumerate(entries):
        where = _where(source, i, e)
        if not isinstance(e, dict):
            raise CatalogueError(f"{where}: must be a mapping of name, file, url, ...")
        extra = sorted(map(str, set(e) - ENTRY_KEYS))
        if extra:
            raise CatalogueError(f"{where}: unknown key(s) {extra}; known {sorted(ENTRY_KEYS)}")
        missing = sorted({"file", "url"} - set(e))
        if missing:
            raise CatalogueError(f"{where}: missing key(s) {missing}")
        check_name(e["file"], where)
        url = e["url"]
        if not isinstance(url, str) or not re.match(r"^https?://[^\s/]+", url):
            raise CatalogueError(f"{where}, key 'url': must be an http(s) address, got {url!r}")
        sha = e.get("sha256")
        if sha is not None and not (isinstance(sha, str) and _SHA.match(sha.lower())):
            raise CatalogueError(f"{where}, key 'sha256': must be 64 hex digits, got {sha!r}")
        year = e.get("year")
        if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
            raise CatalogueError(f"{where}, key 'year': must be a whole year, got {year!r}")
        layout = e.get("layout")
        if layout is not None:
            from msp_analysis.sources import known_layouts

            if layout not in known_layouts():
                raise CatalogueError(
                    f"{where}, key 'layout': {layout!r} is not a layout the readers know "
                    "(`msp layouts` lists them)"
                )
    names = [e["file"] for e in entries]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise CatalogueError(f"catalogue '{source}': file name(s) listed twice: {dupes}")
    return entries


def _good(path: Path, sha256: str | None) -> tuple[bool, str]:
    if not path.is_file() or path.stat().st_size == 0:
        return False, "missing or empty"
    if sha256 and sha256_of(path) != sha256.lower():
        return False, "checksum differs from the catalogue"
    try:
        if not readers_for(path):
            return False, "no reader recognises it (not the published layout)"
    except SourceError as exc:
        return False, str(exc)
    return True, "ok"


def _row(entry: dict, status: str, nbytes: int, message: str = "") -> dict:
    return {"file": entry["file"], "status": status, "bytes": nbytes, "message": message}


def _transfer(request, part: Path, have: int, max_bytes: int, timeout: float) -> tuple[bool, int]:
    """Stream the response into ``part``; (resumed, bytes expected in all). Raises DownloadIssue."""
    with urllib.request.urlopen(request, timeout=timeout) as response:
        resumed = bool(have) and response.status == 206
        if resumed:
            content_range = response.headers.get("Content-Range", "")
            m = re.match(r"bytes (\d+)-", content_range)
            if not m or int(m.group(1)) != have:
                raise _DownloadIssue(
                    f"the server answered the resume with range {content_range!r}, not from "
                    f"byte {have}",
                    keep=False,
                )
        start = have if resumed else 0
        length = response.headers.get("Content-Length")
        expected = start + int(length) if length and length.isdigit() else None
        if expected is not None and expected > max_bytes:
            raise _DownloadIssue(
                f"the server announced {expected:,} bytes, over the {max_bytes:,}-byte limit",
                keep=False,
            )
        got = start
        with open(part, "ab" if resumed else "wb") as fh:
            while True:
                try:
                    chunk = response.read(CHUNK)
                except http.client.IncompleteRead as exc:
                    fh.write(exc.partial)
                    got += len(exc.partial)
                    break
                if not chunk:
                    break
                got += len(chunk)
                if got > max_bytes:
                    raise _DownloadIssue(
                        f"more than {max_bytes:,} bytes received (the size limit)", keep=False
                    )
                fh.write(chunk)
    if expected is not None and got != expected:
        raise _DownloadIssue(
            f"transfer cut short: {got:,} of {expected:,} bytes received; run again to resume",
            keep=True,
        )
    return resumed, expected or got


class _DownloadIssue(Exception):
    """Internal: a transfer that must not replace anything (``keep``: the partial file can resume)."""

    def __init__(self, message: str, *, keep: bool) -> None:
        super().__init__(message)
        self.keep = keep


def fetch(entry: dict, dest: Path, *, timeout: float = 60.0, max_bytes: int = MAX_BYTES) -> dict:
    """Download one catalogue entry into ``dest``; returns a status row.

    Raises:
        CatalogueError: the entry's file name is unsafe (checked again here, symlinks included).
    """
    dest = Path(dest)
    target, part = safe_paths(dest, entry["file"], f"catalogue entry {entry.get('name', '')!r}")
    ok, _ = _good(target, entry.get("sha256"))
    if ok:
        return _row(entry, "up to date", target.stat().st_size)
    part.parent.mkdir(parents=True, exist_ok=True)
    if not _inside(dest, part.parent):  # a link created between the check and the mkdir
        raise CatalogueError(f"{entry['file']!r}: the partial folder leads outside {dest}")
    have = part.stat().st_size if part.is_file() else 0
    if have > max_bytes:
        part.unlink()
        have = 0
    request = urllib.request.Request(entry["url"], headers={"User-Agent": "msp-analysis"})
    if have:
        request.add_header("Range", f"bytes={have}-")
    try:
        resumed, _ = _transfer(request, part, have, max_bytes, timeout)
    except _DownloadIssue as exc:
        if not exc.keep:
            part.unlink(missing_ok=True)
        return _row(entry, "failed", part.stat().st_size if part.exists() else 0, str(exc))
    except (urllib.error.URLError, TimeoutError, ConnectionError, http.client.HTTPException) as exc:
        return _row(
            entry,
            "failed",
            part.stat().st_size if part.exists() else 0,
            f"download interrupted ({exc}); run again to resume",
        )
    good, why = _good(part, entry.get("sha256"))
    if not good:
        part.unlink(missing_ok=True)
        kept = " the previous file is kept" if target.exists() else ""
        return _row(entry, "failed", 0, f"downloaded file rejected: {why};{kept}".rstrip(";"))
    if target.is_symlink():
        target.unlink()  # replace the link itself (it resolves inside dest), never its target
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(part, target)
    note = "" if entry.get("sha256") else "no sha256 in the catalogue: checked by length and reader"
    return _row(entry, "resumed" if resumed else "downloaded", target.stat().st_size, note)


def download(
    dest: str | Path,
    *,
    catalogue: str | Path | None = None,
    years: list[int] | None = None,
    progress: bool = True,
    max_bytes: int = MAX_BYTES,
) -> list[dict]:
    """Fetch every catalogue entry (or those for ``years``) into ``dest``.

    The whole catalogue is checked (names, keys, and every path resolved under ``dest``)
    before the first byte is written.
    """
    from tqdm.auto import tqdm

    dest = Path(dest)
    entries = [e for e in load_catalogue(catalogue) if years is None or e.get("year") in years]
    if dest.exists() and not dest.is_dir():
        raise CatalogueError(f"--dest {dest} is a file, not a folder")
    for e in entries:  # every path checked before anything is written
        safe_paths(dest, e["file"], f"catalogue entry {e.get('name', e['file'])!r}")
    dest.mkdir(parents=True, exist_ok=True)
    return [
        fetch(e, dest, max_bytes=max_bytes)
        for e in tqdm(entries, desc="msp download", unit="file", disable=not progress)
    ]
