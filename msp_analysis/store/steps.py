"""The named steps of writing a build, and the hook a test interrupts them at.

Each step of writing (a piece saved, a table written, the manifest, the version in place,
the switch, the prune) calls :func:`step` with its name; ``tests/unit/test_store_atomic.py``
sets :data:`HOOK` to kill a build at every one of them in turn and checks that readers see
the old build or the new one, never a mix.
"""

from __future__ import annotations

from collections.abc import Callable

#: test hook: called with the name of each step of writing a build
HOOK: Callable[[str], None] | None = None


def step(name: str) -> None:
    """Announce one step of writing a build (to :data:`HOOK`, when a test set one)."""
    if HOOK is not None:
        HOOK(name)
