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

pytestmark = pytest.mark.integration
FILE = "ascof_2024_25.ods"


class RangeHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with single Range support, recording the Range headers it saw."""

    ranges: ClassVar[list] = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        rng = self.headers.get("Range")
        path = Path(self.translate_path(self.path))
        if not path.is_file():
            return self.send_error(404)
        data = path.read_bytes()
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
