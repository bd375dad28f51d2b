"""Raw published files -> processed Parquet tables and a manifest.

:func:`build` recognises every file in a folder by its content (cheap signatures: sheet
names, first rows, a CSV's header line), reads and cleans it with each reader that knows
it, validates the tidy tables against their schemas and writes ``<table>.parquet`` and
``manifest.json``.

Keeps going. A file that fails does not stop the others: it is listed (file, sheet,
column, row, problem) in the result and the manifest (:func:`failures`), nothing new is
taken from it, and the rows the previous build took from it are kept. ``strict=True`` is
all or nothing. Raw files are opened read-only and never modified.

Atomic and locked. The processed folder holds versions, each complete::

    <out>/current                        a text file naming the current version
    <out>/v-<fingerprint>/               manifest.json + <table>.parquet, never edited
    <out>/pieces/<key>/                  one file's tidy tables, reused while it is unchanged
    <out>/.lock, .lock.owner             the lock of the one build writing here, and who holds it

A build writes a new version into a temporary folder, renames it and then replaces the
``current`` pointer file in one ``os.replace``, so a build killed at any moment leaves
``current`` wholly old or wholly new. No symbolic links and no POSIX-only calls: the
folder works on Windows, in synced and shared folders, and any copy of it (a copy tool
that followed the links of an earlier version's folder included) reads and builds the
same. Temporary folders a killed build left behind are removed by the next build, which
says it took the folder over. A second build on the same folder waits for the first (and
says so); the worker processes of a build end with it, however it ends. Readers resolve
``current`` once (:func:`resolve`, :meth:`msp_analysis.tables.Tables.load`) and read every
table and the manifest from that one version.

Nothing vanishes silently. Every file is looked at whatever its name ends with, and every
file not read is listed with the reason. A file an earlier build took rows from that is no
longer in the folder (and whose content is not there under another name) keeps those
rows and fails the build, unless ``forget_missing``. A file of a release in the
catalogue (``msp_analysis/data/sources.yml``: layout and year) whose SHA-256 is not the
published one is listed in the manifest (``unpublished``) with a warning, or fails the
build with ``verify``.

Fast. Every file is fingerprinted by its SHA-256. When no file, no file name and no
reader code changed, the previous build is reused as it is (nothing is read or written);
otherwise only the files whose fingerprint changed are read, the others come from their
cached pieces (``pieces/<sha256 of content>-<name>-<code key>``).

Same observation in two files. Where two files publish the same observation (the same
keys in :data:`msp_analysis.schemas.TABLE_KEYS`), one release wins by a written rule, never by file-name
order: see :func:`release_of`. Observations whose figures differ are reported in the
manifest (``conflicts``).

:func:`load` reads one processed table back.

The modules, one job each:

- :mod:`~msp_analysis.store.builder`: :func:`build` and :func:`ensure`: files -> pieces ->
  merged tables -> a new version with its manifest, switched in.
- :mod:`~msp_analysis.store.fingerprint`: SHA-256 of a file, the files a build looks at, the
  keys of a piece and of a build (with the readers' code key, :mod:`msp_analysis.cache`).
- :mod:`~msp_analysis.store.pieces`: one file -> its cached piece; the parts a table is merged from.
- :mod:`~msp_analysis.store.pool`: reading many files at once in worker processes.
- :mod:`~msp_analysis.store.merge`: one table from its parts; which release wins (:func:`release_of`).
- :mod:`~msp_analysis.store.versions`: the processed folder's versions and ``current`` pointer,
  reading a build back (:func:`resolve`, :func:`load`, :func:`manifest`), pruning.
- :mod:`~msp_analysis.store.locking`: one build at a time on a folder.
- :mod:`~msp_analysis.store.outcome`: :class:`BuildResult`, :class:`BuildError`, a failed file's record.
- :mod:`~msp_analysis.store.steps`: the named steps of writing, and the test hook at each.
"""

from __future__ import annotations

from msp_analysis.schemas import TABLE_KEYS
from msp_analysis.store.builder import build, ensure
from msp_analysis.store.fingerprint import (
    DEMO_MARKER,
    FORMAT,
    candidates,
    sha256,
)
from msp_analysis.store.merge import release_of, revision_of
from msp_analysis.store.outcome import BuildError, BuildResult, failure_record
from msp_analysis.store.versions import (
    CURRENT,
    MANIFEST,
    PIECES,
    failures,
    has_build,
    load,
    manifest,
    resolve,
)

__all__ = [
    "CURRENT",
    "DEMO_MARKER",
    "FORMAT",
    "MANIFEST",
    "PIECES",
    "TABLE_KEYS",
    "BuildError",
    "BuildResult",
    "build",
    "candidates",
    "ensure",
    "failure_record",
    "failures",
    "has_build",
    "load",
    "manifest",
    "release_of",
    "resolve",
    "revision_of",
    "sha256",
]
