"""Published fingerprints: is a file the publisher's release, byte for byte?

The catalogue (``msp_analysis/data/sources.yml``) names releases by ``layout`` and
``year`` with the SHA-256 of the file as published. A file that a reader reads in a
catalogued layout and year but whose SHA-256 is not the published one is not the
publisher's file: another edition of the release, or a copy edited by hand (a suppressed
cell overwritten with a number cannot be told from a published figure any other way).
The build lists such files in the manifest (``unpublished``) and warns; ``msp data
--verify`` makes each a failure.
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def releases() -> dict[tuple[str, int], list[dict]]:
    """Catalogued releases with a published SHA-256, by (layout, year), from the package's
    catalogue (checked as a whole by :func:`msp_analysis.download.load_catalogue`, which a
    test runs on it; read here without the download machinery)."""
    from importlib import resources

    import yaml

    doc = yaml.safe_load(resources.files("msp_analysis.data").joinpath("sources.yml").read_text())
    out: dict[tuple[str, int], list[dict]] = {}
    for entry in (doc or {}).get("files", []):
        if entry.get("layout") and entry.get("year") is not None and entry.get("sha256"):
            out.setdefault((entry["layout"], int(entry["year"])), []).append(entry)
    return out


def unpublished(entries: list[dict]) -> list[dict]:
    """The files among a build's manifest rows (``file``, ``layout``, ``year``, ``sha256``)
    that match a catalogued release by layout and year but not by content, one record each:
    ``file``, ``layout``, ``year``, ``sha256``, ``release`` (the catalogue entry's name),
    ``published_as`` (its file name), ``publisher``, ``published_sha256`` and ``message``."""
    known = releases()
    out, seen = [], set()
    for e in entries:
        if e.get("year") is None or e["file"] in seen:
            continue
        found = known.get((e["layout"], int(e["year"])))
        if not found:
            continue
        if any(r["sha256"].lower() == e["sha256"] for r in found):
            seen.add(e["file"])
            continue
        seen.add(e["file"])
        release = found[0]
        out.append(
            {
                "file": e["file"],
                "layout": e["layout"],
                "year": int(e["year"]),
                "sha256": e["sha256"],
                "release": release.get("name", ""),
                "published_as": release["file"],
                "publisher": release.get("publisher", ""),
                "published_sha256": release["sha256"].lower(),
                "message": (
                    f"file '{e['file']}': not the published file: it is read as "
                    f"{release.get('publisher') or release.get('name')} ({release['file']}), "
                    f"but its content (SHA-256 {e['sha256'][:12]}...) differs from the "
                    f"release as published ({release['sha256'][:12]}...): another edition, "
                    "or a copy edited by hand; use the file as published"
                ),
            }
        )
    return out
