"""msp download against a loopback HTTP server serving the real files (127.0.0.1 only)."""

from __future__ import annotations

import hashlib
import http.server
import threading
from functools import partial
from pathlib import Path
from typing import ClassVar

import pytest
import yaml

from msp_analysis import download
from msp_analysis.errors import CatalogueError

pytestmark = pytest.mark.integration
FILE = "ascof_2024_25.ods"


class RangeHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with single Range support, recording the Range headers it saw.

    ``/cut/<file>`` announces the whole length but sends only half, then closes;
    ``/liar/<file>`` announces a length larger than it sends.
    """

    ranges: ClassVar[list] = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        rng = self.headers.get("Range")
        mode = self.path.split("/")[1] if self.path.count("/") > 1 else ""
        path = Path(self.translate_path("/" + self.path.split("/")[-1]))
        if not path.is_file():
            return self.send_error(404)
        data = path.read_bytes()
        if mode in ("cut", "liar"):
            self.send_response(200)
            announced = len(data) if mode == "cut" else len(data) + 1000
            self.send_header("Content-Length", str(announced))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2] if mode == "cut" else data)
            self.wfile.flush()
            self.close_connection = True
            return None
        if rng and rng.startswith("bytes="):
            RangeHandler.ranges.append(rng)
            start = int(rng[6:].split("-")[0])
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            data = data[start:]
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture(scope="module")
def server(shared_data):
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(RangeHandler, directory=str(shared_data))
    )
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def _catalogue(tmp_path, url, sha):
    p = tmp_path / "catalogue.yml"
    p.write_text(
        yaml.safe_dump(
            {
                "name": "test",
                "files": [{"name": "ascof", "file": FILE, "year": 2024, "url": url, "sha256": sha}],
            }
        )
    )
    return p


def test_download_verify_and_skip_when_good(server, shared_data, tmp_path):
    sha = hashlib.sha256((shared_data / FILE).read_bytes()).hexdigest()
    cat = _catalogue(tmp_path, f"{server}/{FILE}", sha)
    dest = tmp_path / "raw"
    rows = download.download(dest, catalogue=cat, progress=False)
    assert (
        rows[0]["status"] == "downloaded"
        and hashlib.sha256((dest / FILE).read_bytes()).hexdigest() == sha
    )
    assert download.download(dest, catalogue=cat, progress=False)[0]["status"] == "up to date"
    assert download.download(dest, catalogue=cat, years=[1999], progress=False) == []


def test_download_resumes_a_partial_file(server, shared_data, tmp_path):
    data = (shared_data / FILE).read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    dest = tmp_path / "raw"
    dest.mkdir()
    (dest / ".partial").mkdir()
    (dest / ".partial" / FILE).write_bytes(data[:100_000])
    RangeHandler.ranges.clear()
    rows = download.download(
        dest, catalogue=_catalogue(tmp_path, f"{server}/{FILE}", sha), progress=False
    )
    assert rows[0]["status"] == "resumed" and RangeHandler.ranges == ["bytes=100000-"]
    assert (dest / FILE).read_bytes() == data and not (dest / ".partial" / FILE).exists()


def test_bad_download_never_replaces_a_good_file(server, shared_data, tmp_path):
    dest = tmp_path / "raw"
    dest.mkdir()
    good = (shared_data / FILE).read_bytes()
    (dest / FILE).write_bytes(good[:-10])  # a truncated copy: not good, so a download is attempted
    wrong = _catalogue(
        tmp_path, f"{server}/nomis_mye_2024_lincolnshire.csv", "0" * 64
    )  # serves the wrong file
    rows = download.download(dest, catalogue=wrong, progress=False)
    assert (
        rows[0]["status"] == "failed"
        and "checksum" in rows[0]["message"]
        and "previous file is kept" in rows[0]["message"]
    )
    assert (dest / FILE).read_bytes() == good[:-10] and not (dest / ".partial" / FILE).exists()
    missing = _catalogue(tmp_path, f"{server}/no_such_file.ods", None)
    assert download.download(dest, catalogue=missing, progress=False)[0]["status"] == "failed"


def test_package_catalogue_pins_the_tested_files(shared_data):
    for entry in download.load_catalogue():
        local = shared_data / entry["file"]
        if local.exists() and entry.get("sha256"):
            assert hashlib.sha256(local.read_bytes()).hexdigest() == entry["sha256"], entry["file"]


# ---- hostile catalogues and bad transfers: nothing outside --dest may change -------------


def _tree(root: Path) -> dict:
    """Every path under root with its bytes (or link target): a snapshot to compare."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_symlink():
            out[str(p.relative_to(root))] = ("link", str(p.readlink()))
        elif p.is_file():
            out[str(p.relative_to(root))] = p.read_bytes()
        else:
            out[str(p.relative_to(root))] = "dir"
    return out


@pytest.fixture
def sandbox(tmp_path):
    """tmp/outside holds files a hostile catalogue might aim at; tmp/dest is --dest."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / FILE).write_bytes(b"precious")
    (outside / "victim.txt").write_bytes(b"keep me")
    dest = tmp_path / "dest"
    dest.mkdir()
    return tmp_path, outside, dest


def _hostile(tmp_path, file, url):
    p = tmp_path / "hostile.yml"
    p.write_text(yaml.safe_dump({"files": [{"name": "x", "file": file, "url": url}]}))
    return p


@pytest.mark.parametrize(
    "name",
    [
        "ABSOLUTE/victim.txt",  # replaced by the absolute path of outside/victim.txt
        "../outside/victim.txt",
        "sub/../../outside/victim.txt",
        f"../outside/{FILE}",
        ".partial/../../outside/victim.txt",
        "./victim.txt",
        "C:\\Windows\\victim.txt",
        "",
    ],
)
def test_hostile_file_names_are_refused_and_nothing_outside_changes(server, sandbox, name):
    tmp, outside, dest = sandbox
    if name.startswith("ABSOLUTE"):
        name = str(outside / "victim.txt")
    (dest / ".partial").mkdir()
    (dest / ".partial" / "victim.txt").write_bytes(b"a previous partial")  # the old escape route
    cat = _hostile(tmp, name, f"{server}/{FILE}")
    before = _tree(tmp)
    with pytest.raises(CatalogueError, match="key 'file'"):
        download.download(dest, catalogue=cat, progress=False)
    assert _tree(tmp) == before


def test_symlinks_leading_out_of_dest_are_refused(server, sandbox):
    tmp, outside, dest = sandbox
    (dest / "link.ods").symlink_to(outside / FILE)  # a file link
    (dest / "linkdir").symlink_to(outside, target_is_directory=True)  # a folder link
    for name in ("link.ods", f"linkdir/{FILE}"):
        cat = _hostile(tmp, name, f"{server}/{FILE}")
        before = _tree(tmp)
        with pytest.raises(CatalogueError, match="outside the destination"):
            download.download(dest, catalogue=cat, progress=False)
        assert _tree(tmp) == before
    (dest / "link.ods").unlink()
    (dest / "linkdir").unlink()
    (dest / ".partial").symlink_to(outside, target_is_directory=True)  # the partial folder
    cat = _hostile(tmp, FILE, f"{server}/{FILE}")
    before = _tree(tmp)
    with pytest.raises(CatalogueError, match="outside the destination"):
        download.download(dest, catalogue=cat, progress=False)
    assert _tree(tmp) == before


def test_cut_short_transfer_is_an_error_and_replaces_nothing(server, shared_data, sandbox):
    tmp, outside, dest = sandbox
    data = (shared_data / FILE).read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    (dest / FILE).write_bytes(b"old copy")
    before_outside = _tree(outside)
    rows = download.download(
        dest, catalogue=_catalogue(tmp, f"{server}/cut/{FILE}", sha), progress=False
    )
    assert rows[0]["status"] == "failed" and "cut short" in rows[0]["message"]
    assert f"{len(data) // 2:,} of {len(data):,} bytes" in rows[0]["message"]
    assert (dest / FILE).read_bytes() == b"old copy"
    assert (dest / ".partial" / FILE).stat().st_size == len(data) // 2  # kept to resume
    # an unpinned entry (no sha256) cut short is still refused: the length is checked
    rows = download.download(
        dest, catalogue=_catalogue(tmp, f"{server}/liar/{FILE}", None), progress=False
    )
    assert rows[0]["status"] == "failed" and "cut short" in rows[0]["message"]
    assert (dest / FILE).read_bytes() == b"old copy" and _tree(outside) == before_outside
    # the resume from the kept half completes and verifies
    rows = download.download(
        dest, catalogue=_catalogue(tmp, f"{server}/{FILE}", sha), progress=False
    )
    assert rows[0]["status"] in ("resumed", "downloaded") and (dest / FILE).read_bytes() == data


def test_size_limit_per_file(server, shared_data, sandbox):
    tmp, _outside, dest = sandbox
    sha = hashlib.sha256((shared_data / FILE).read_bytes()).hexdigest()
    rows = download.download(
        dest, catalogue=_catalogue(tmp, f"{server}/{FILE}", sha), progress=False, max_bytes=1000
    )
    assert rows[0]["status"] == "failed" and "limit" in rows[0]["message"]
    assert not (dest / FILE).exists() and not (dest / ".partial" / FILE).exists()


@pytest.mark.parametrize(
    "doc, key",
    [
        ({"files": {"file": FILE}}, "'files' list"),
        (["a", "list"], "'files' list"),
        ({"files": ["just a string"]}, "must be a mapping"),
        ({"files": [{"file": FILE, "url": "file:///etc/passwd"}]}, "key 'url'"),
        ({"files": [{"file": FILE, "url": "http://x/y", "sha256": 12}]}, "key 'sha256'"),
        ({"files": [{"file": FILE, "url": "http://x/y", "year": "2021"}]}, "key 'year'"),
        ({"files": [{"file": 3, "url": "http://x/y"}]}, "key 'file'"),
        ({"files": [{"file": FILE, "url": "http://x/y", "colour": "red"}]}, "unknown key"),
        ({"files": [{"file": FILE}]}, "missing key"),
    ],
)
def test_catalogue_with_wrong_types_is_one_clear_error(tmp_path, doc, key):
    p = tmp_path / "cat.yml"
    p.write_text(yaml.safe_dump(doc))
    with pytest.raises(CatalogueError, match=key) as err:
        download.load_catalogue(p)
    assert "cat.yml" in str(err.value) and "\n" not in str(err.value)
    with pytest.raises(CatalogueError, match="folder"):
        download.load_catalogue(tmp_path)
