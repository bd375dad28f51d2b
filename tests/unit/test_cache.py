"""One rule for every stored result: a code key made of the content of the code it depends on.

An unchanged tree (copied, checked out again, touched) gives the same key, so stored results
are reused; any change to the content of a file in the key's scope gives a new key, so no
stale result is read.
"""

from __future__ import annotations

import os
import shutil

import pytest

from msp_analysis import cache

pytestmark = pytest.mark.unit


def _tree(root):
    (root / "sources").mkdir(parents=True)
    (root / "sources" / "salt.py").write_text("def read(path):\n    return 1\n")
    (root / "schemas.py").write_text("KEYS = ['la_code']\n")
    (root / "data").mkdir()
    (root / "data" / "councils.csv").write_text("la_code,la_name\nE06000054,Wiltshire\n")
    (root / "report.py").write_text("def build():\n    pass\n")
    (root / "README.md").write_text("notes\n")
    return root


READERS = ("sources", "schemas.py", "data")


def test_an_unchanged_tree_copied_or_touched_keeps_its_key(tmp_path):
    tree = _tree(tmp_path / "a")
    key = cache.tree_key(tree)
    copy = tmp_path / "b"
    shutil.copytree(tree, copy)  # new modification times, same content
    os.utime(copy / "schemas.py", (1, 1))
    assert cache.tree_key(copy) == key
    assert cache.tree_key(copy, READERS) == cache.tree_key(tree, READERS)


@pytest.mark.parametrize(
    "change",
    [
        lambda t: (t / "sources" / "salt.py").write_text("def read(path):\n    return 2\n"),
        lambda t: (t / "data" / "councils.csv").write_text("la_code,la_name\nE06000054,Wilts\n"),
        lambda t: (t / "sources" / "ascof.py").write_text("X = 1\n"),  # a new reader
        lambda t: (t / "sources" / "salt.py").unlink(),
        lambda t: (t / "sources" / "salt.py").rename(t / "sources" / "salt2.py"),
    ],
    ids=["edited", "reference data", "added", "removed", "renamed"],
)
def test_a_change_to_the_code_in_scope_is_a_new_key(tmp_path, change):
    tree = _tree(tmp_path / "t")
    before = (cache.tree_key(tree), cache.tree_key(tree, READERS))
    change(tree)
    after = (cache.tree_key(tree), cache.tree_key(tree, READERS))
    assert after[0] != before[0] and after[1] != before[1]


def test_a_change_outside_the_scope_keeps_the_readers_key(tmp_path):
    tree = _tree(tmp_path / "t")
    readers, package = cache.tree_key(tree, READERS), cache.tree_key(tree)
    (tree / "report.py").write_text("def build():\n    return 1\n")
    assert cache.tree_key(tree, READERS) == readers  # pieces stay valid
    assert cache.tree_key(tree) != package  # derived results do not
    (tree / "README.md").write_text("other notes\n")  # not code: no key changes
    assert cache.tree_key(tree, READERS) == readers


def test_the_package_keys_are_its_content(tmp_path):
    """The keys the store and the derived results use are the tree keys of the package
    itself, and a copy of the package (a copied folder, a fresh checkout) has the same."""
    copy = tmp_path / "msp_analysis"
    shutil.copytree(cache.PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    for scope, parts in cache.SCOPES.items():
        assert cache.code_key(scope) == cache.tree_key(cache.PACKAGE_DIR, parts)
        assert cache.tree_key(copy, parts) == cache.code_key(scope)
    (copy / "sources" / "salt.py").write_text((copy / "sources" / "salt.py").read_text() + "\n")
    assert cache.tree_key(copy, cache.SCOPES["readers"]) != cache.code_key("readers")


def test_a_stored_result_is_written_whole_and_read_back(tmp_path):
    path = cache.derived_dir(tmp_path / "v-1") / cache.file_name(("series", "a b"))
    assert path.name == "series-a_b.pkl" and cache.read(path) is cache.ABSENT
    cache.write(path, {"x": [1, 2]})
    assert cache.read(path) == {"x": [1, 2]}
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left
    path.write_bytes(b"damaged")
    assert cache.read(path) is cache.ABSENT
