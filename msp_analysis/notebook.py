"""Small display helpers so notebooks stay thin and their committed outputs clean."""

from __future__ import annotations

import logging
import warnings

import pandas as pd


def quiet() -> None:
    """Notebook set-up: no progress bars or library warnings in committed outputs; readable tables."""
    logging.getLogger("msp_analysis").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=FutureWarning)
    # tqdm.auto warns in kernels without ipywidgets; a plan must not print it on its first page
    warnings.filterwarnings("ignore", message="IProgress not found")
    pd.set_option("display.max_rows", 80)
    pd.set_option("display.max_colwidth", 80)
    pd.set_option("display.width", 160)


def table(frame: pd.DataFrame, digits: int = 1) -> pd.DataFrame:
    """A copy rounded for people: floats to ``digits`` places, index reset."""
    out = frame.copy()
    for c in out.columns:
        if pd.api.types.is_float_dtype(out[c]):
            out[c] = out[c].round(digits)
    return out.reset_index(drop=True)


def show(fig, alt: str | None = None) -> None:
    """Display a Figure once and free it (nothing when there is no figure to show).

    ``alt`` (or the alt text the chart carries, see :func:`msp_analysis.plots.describe`) goes
    into the output's metadata, where the HTML plan picks it up as the image's alt text.
    """
    import matplotlib.pyplot as plt
    from IPython.display import display

    from msp_analysis.plots import alt_text

    if fig is None:
        return
    alt = alt or alt_text(fig)
    display(fig, metadata={"image/png": {"alt": alt}} if alt else None)
    plt.close(fig)


def bullets(lines: list[str]) -> None:
    """Show sentences as a Markdown list."""
    from IPython.display import Markdown, display

    display(Markdown("\n".join(f"- {line}" for line in lines)))


def markdown(text: str) -> None:
    """Show generated Markdown (plan sections)."""
    from IPython.display import Markdown, display

    display(Markdown(text))
