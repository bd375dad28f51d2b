"""Running the plan notebook: with papermill for one plan, or in a live kernel kept for a
batch worker's councils (:class:`KernelRunner`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from msp_analysis import resources

if TYPE_CHECKING:
    import nbformat


#: The kernel logs nothing of its own: its start-up notice ("Kernel is running over TCP without
#: encryption", harmless on one machine) and the "KeyboardInterrupt caught in kernel" it logs as
#: an error when it is stopped slowly on a busy machine are not for a council analyst's
#: terminal. A cell that fails still fails the plan, with its error, through papermill.
KERNEL_ARGS = ["--IPKernelApp.log_level=CRITICAL"]


class KernelRunner:
    """One live kernel that runs papermill-parameterised notebooks one after another.

    A batch worker keeps it for all its councils, so the kernel starts, imports and loads
    the tables once instead of once per council. Each run still executes every cell of
    the freshly parameterised notebook, exactly as papermill would.
    """

    def __init__(self, cwd: Path):
        from jupyter_client.manager import start_new_kernel

        self.cwd = cwd
        self.km, self.kc = start_new_kernel(
            kernel_name="python3", cwd=str(cwd), extra_arguments=KERNEL_ARGS
        )

    def run(self, template: nbformat.NotebookNode, target: Path, parameters: dict) -> None:
        import nbformat
        from nbclient import NotebookClient
        from papermill.parameterize import parameterize_notebook

        nb = nbformat.from_dict(template)
        nb.metadata.setdefault("papermill", {})  # papermill records the parameters here
        nb = parameterize_notebook(nb, parameters)
        client = NotebookClient(
            nb,
            km=self.km,
            kernel_name="python3",
            timeout=900,
            resources={"metadata": {"path": str(self.cwd)}},
        )
        client.kc = self.kc
        client.execute(reset_kc=False)
        nbformat.write(nb, target)

    def alive(self) -> bool:
        """True while the kernel process runs (a kernel killed or out of memory is not)."""
        try:
            return bool(self.km.is_alive())
        except Exception:  # a manager in a broken state: not a kernel to run plans in
            return False

    def close(self) -> None:
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


def plan_notebook() -> nbformat.NotebookNode:
    """The plan notebook, read from its packaged jupytext source (``msp_analysis.resources``)."""
    import jupytext

    return jupytext.read(resources.plan_notebook())


def run_plan_notebook(
    executed: Path, parameters: dict, cwd: Path, runner: KernelRunner | None = None
) -> None:
    """Run the plan notebook with ``parameters`` into ``executed``: in ``runner``'s live kernel
    (a batch worker's), else with papermill in a kernel of its own started in ``cwd``."""
    if runner is not None:
        runner.run(plan_notebook(), executed, parameters)
    else:
        import papermill

        papermill.execute_notebook(
            plan_notebook(),
            str(executed),
            parameters=parameters,
            cwd=str(cwd),
            progress_bar=False,
            log_output=False,
            kernel_name="python3",
            extra_arguments=KERNEL_ARGS,
        )
