"""`msp report --all --scheduler ADDRESS`: the batch on a real dask.distributed cluster.

A LocalCluster on 127.0.0.1 (extra 'dask', installed by `make setup`) must give the same plans
as the local process pool.
"""

from __future__ import annotations

import json

import pytest

from msp_analysis import report

pytestmark = pytest.mark.demo

COUNCIL = "E10900001"
VARIES = {"seconds", "timings_s"}  # wall-clock times of each build


def _summary(out):
    s = json.loads((out / COUNCIL / "summary.json").read_text())
    return {k: v for k, v in s.items() if k not in VARIES}


def test_dask_cluster_builds_the_same_plans_as_the_process_pool(demo_raw, tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        on_dask = report.build_all(
            raw_dir=demo_raw,
            out_dir=tmp_path / "dask",
            councils=[COUNCIL],
            scheduler=cluster.scheduler_address,
            progress=False,
            pdf=False,
        )
    local = report.build_all(
        raw_dir=demo_raw,
        out_dir=tmp_path / "pool",
        councils=[COUNCIL],
        workers=1,
        progress=False,
        pdf=False,
    )
    assert on_dask["built"] == local["built"] == 1 and not on_dask["failed"]
    assert _summary(tmp_path / "dask") == _summary(tmp_path / "pool")
    assert _summary(tmp_path / "dask")["spend_change_pct"] is not None
    for name in ("plan.html", "summary.json"):
        assert (tmp_path / "dask" / COUNCIL / name).exists()
    dask_index = (tmp_path / "dask" / "index.html").read_text()
    assert dask_index == (tmp_path / "pool" / "index.html").read_text()
