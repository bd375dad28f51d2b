"""Files the package ships and a user may replace: scenarios, plan templates, the plan notebook.

They live inside the package (``msp_analysis/resources/``), so an installed wheel builds a plan
with no checkout around it, and are found with ``importlib.resources``, never relative to the
working directory. A user's own files take precedence, in this order:

1. a file named on the command line (``--scenario FILE``, ``--actions FILE``);
2. a folder named by an environment variable: ``MSP_SCENARIOS_DIR`` (every ``*.yml`` in it
   replaces the shipped scenarios), ``MSP_TEMPLATES_DIR`` (a ``narrative/`` template there
   replaces the shipped one of the same name; an ``actions.yml`` there replaces the example
   actions);
3. the shipped files below.

``msp_analysis/resources/``::

    scenarios/*.yml             default scenarios (``msp forecast`` and the plan run all of them)
    templates/narrative/*.j2    the plan's sections (Jinja2)
    templates/national/*.j2     the national insights report (HTML, Jinja2)
    templates/actions.yml       example Section 3 actions, for a council to copy and edit
    templates/local_evidence.xlsx         empty local evidence workbook (``msp evidence template``
                                          writes one with the council filled in)
    templates/local_evidence_example.xlsx filled example for the DEMO council (used only by DEMO),
                                          generated from local_evidence_example.yml
    templates/local_evidence.yml          the same evidence as YAML: the empty template
    templates/local_evidence_example.yml  and the example's figures (the workbook's source)
    public_evidence/<code>.yml            a council's figures from public documents (its published
                                          plan, CQC's assessment), used when it gives no evidence
                                          file of its own
    notebooks/04_plan_draft.py  the plan notebook (jupytext percent format) ``msp report`` runs
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

SCENARIOS_ENV = "MSP_SCENARIOS_DIR"
TEMPLATES_ENV = "MSP_TEMPLATES_DIR"


def packaged(*parts: str) -> Path:
    """A shipped file or folder as a filesystem path (the package is installed unzipped)."""
    target = resources.files(__name__).joinpath(*parts)
    path = Path(str(target))
    if not path.exists():
        raise FileNotFoundError(f"msp_analysis is missing its packaged file {'/'.join(parts)}")
    return path


def scenarios_dir() -> Path:
    """Folder of default scenarios: ``$MSP_SCENARIOS_DIR`` if set, else the shipped ones."""
    override = os.environ.get(SCENARIOS_ENV)
    return Path(override) if override else packaged("scenarios")


def scenario_files() -> list[Path]:
    """Every default scenario file, sorted by name."""
    return sorted(scenarios_dir().glob("*.yml"))


def template_dirs() -> list[Path]:
    """Narrative template folders, searched in order: the user's (if set), then the shipped one."""
    dirs = [packaged("templates", "narrative")]
    override = os.environ.get(TEMPLATES_ENV)
    if override:
        dirs.insert(0, Path(override) / "narrative")
    return dirs


def actions_file() -> Path | None:
    """The council's Section 3 actions in ``$MSP_TEMPLATES_DIR/actions.yml``, if present (without
    one, a real council's plan gives each market a table to fill in)."""
    override = os.environ.get(TEMPLATES_ENV)
    if override and (Path(override) / "actions.yml").exists():
        return Path(override) / "actions.yml"
    return None


def example_actions() -> Path:
    """The shipped example actions (a DEMO plan's Section 3, or ``--actions example``)."""
    return packaged("templates", "actions.yml")


def public_evidence(la_code: str) -> Path | None:
    """Figures from public documents shipped for a council (``public_evidence/<code>.yml``),
    used when the council gives no local evidence file of its own; None where there are none."""
    path = Path(str(resources.files(__name__).joinpath("public_evidence", f"{la_code}.yml")))
    return path if path.is_file() else None


def default_evidence(la_code: str, demo: bool) -> Path | None:
    """The local evidence a run uses when none is named: for the DEMO council the filled
    example, for a council with figures from public documents those, otherwise none."""
    if demo:
        return packaged("templates", "local_evidence_example.xlsx")
    return public_evidence(la_code)


def plan_notebook() -> Path:
    """The plan notebook's source (jupytext percent format), read with ``jupytext.read``."""
    return packaged("notebooks", "04_plan_draft.py")
