"""One place connects to Dask (``_runtime.cluster``): the report's Runner uses it, the dashboard link is
reported only when the scheduler has bokeh, and the command layer prints it once.

Fake ``distributed.LocalCluster``/``Client`` objects stand in for a cluster here (no process is started);
real clusters are exercised in test_report_executor.py, test_report_cli.py and test_distributed_gram.py.
"""
import io
import sys
import types
from types import SimpleNamespace

import distributed
import pytest
from rich.console import Console
from rich.progress import Progress

from opcheck._runtime import cluster
from opcheck.report.executor import Runner

LINK = "http://127.0.0.1:8787/status"


class FakeClient:
    """What opcheck reads from a ``distributed.Client``: its dashboard link, the scheduler, its workers."""

    def __init__(self, cluster_or_address=None, link=LINK, timeout=None):
        self.link, self.closed = link, False
        self.scheduler = SimpleNamespace(address="tcp://127.0.0.1:8786", http_application=SimpleNamespace(applications=list(MOUNTED)))

    @property
    def dashboard_link(self):
        if self.link is None:
            raise KeyError("dashboard")  # what distributed raises for a scheduler started with --no-dashboard
        return self.link

    def run_on_scheduler(self, fn):
        return fn(dask_scheduler=self.scheduler)  # the scheduler is "in this process": it sees this process's modules

    def scheduler_info(self):
        return {"workers": {"tcp://127.0.0.1:1": {}, "tcp://127.0.0.1:2": {}}}

    def wait_for_workers(self, n, timeout=None):
        pass

    def close(self):
        self.closed = True


class FakeCluster:
    made: list = []

    def __init__(self, **kwargs):
        self.kwargs, self.closed = kwargs, False
        FakeCluster.made.append(self)

    def close(self):
        self.closed = True


@pytest.fixture
def fakes(monkeypatch):
    FakeCluster.made = []
    monkeypatch.setattr(distributed, "LocalCluster", FakeCluster)
    monkeypatch.setattr(distributed, "Client", FakeClient)


#: the web applications the fake scheduler has mounted (the bokeh fixture adds the dashboard's)
MOUNTED: list = []


@pytest.fixture
def bokeh(monkeypatch):
    """Make bokeh importable (stub modules) with its application mounted on the fake scheduler, or not importable."""
    def set_installed(installed: bool, mounted: bool = True) -> None:
        server = types.ModuleType("bokeh.server.server")
        server.BokehTornado = type("BokehTornado", (), {})
        for name, module in (("bokeh", types.ModuleType("bokeh")), ("bokeh.server", types.ModuleType("bokeh.server")), ("bokeh.server.server", server)):
            monkeypatch.setitem(sys.modules, name, module if installed else None)
        MOUNTED[:] = [server.BokehTornado()] if (installed and mounted) else []
    yield set_installed
    MOUNTED.clear()


def test_dashboard_link_only_when_the_scheduler_serves_bokeh(bokeh):
    bokeh(True)
    assert cluster.dashboard_link(FakeClient()) == LINK
    assert cluster.dashboard_link(FakeClient(link="")) is None
    assert cluster.dashboard_link(FakeClient(link=None)) is None  # no web server at all: no link, no exception
    refusing = FakeClient()
    refusing.run_on_scheduler = lambda fn: (_ for _ in ()).throw(RuntimeError("pickled functions disallowed"))
    assert cluster.dashboard_link(refusing) is None
    bokeh(True, mounted=False)
    assert cluster.dashboard_link(FakeClient()) is None  # `dask scheduler --no-dashboard` with bokeh installed: a web server, no dashboard
    bokeh(False)
    assert cluster.dashboard_link(FakeClient()) is None  # distributed serves a page asking to install bokeh: not a dashboard


def test_dask_client_announces_once_to_the_command_and_always_shuts_down(fakes, bokeh):
    bokeh(True)
    heard = []
    with cluster.on_connect(heard.append):
        with cluster.dask_client(workers=2) as client:
            assert heard == [cluster.Connection(True, "tcp://127.0.0.1:8786", 2, LINK)]
        with pytest.raises(KeyboardInterrupt), cluster.dask_client("tcp://127.0.0.1:8786") as remote:
            raise KeyboardInterrupt
    assert [c.local for c in heard] == [True, False] and remote.closed
    made = FakeCluster.made[0]
    assert client.closed and made.closed and len(FakeCluster.made) == 1  # the address made no LocalCluster
    assert (made.kwargs["n_workers"], made.kwargs["threads_per_worker"], made.kwargs["processes"]) == (2, 1, True)
    with cluster.dask_client(workers=1):
        pass
    assert len(heard) == 2  # outside on_connect nobody is told


def test_report_runner_uses_the_shared_connection(fakes, bokeh):
    bokeh(True)
    with Runner(jobs=3) as runner:
        assert runner.mode == "local" and runner.dashboard == LINK and runner.workers == 2
        made, client = FakeCluster.made[0], runner.client
    assert made.kwargs["n_workers"] == 3 and made.kwargs["threads_per_worker"] == 1
    assert made.closed and client.closed and runner.client is None
    bokeh(False)
    with Runner(jobs=1) as runner:
        assert runner.dashboard is None


@pytest.mark.parametrize("link", [LINK, None])
def test_report_prints_the_dashboard_link_once(link):
    from opcheck.commands.report import _Bars

    out = io.StringIO()
    console = Console(file=out, width=60)
    _Bars(Progress(console=console)).running_on({"mode": "local", "workers": 2, "scheduler": None, "dashboard": link})
    text = out.getvalue()
    assert "running on a local Dask cluster of 2 worker(s)" in text
    assert text.count("dashboard") == (1 if link else 0)
    if link:
        assert f"opcheck report: Dask dashboard: {link}\n" in text  # on one line however narrow the terminal


def test_a_scheduler_without_workers_or_unreachable_is_bad_input(fakes, monkeypatch):
    from opcheck.errors import InputError

    lonely = []

    class NoWorkers(FakeClient):
        def wait_for_workers(self, n, timeout=None):
            lonely.append(self)
            raise TimeoutError(f"only 0 of {n} workers")

    monkeypatch.setattr(distributed, "Client", NoWorkers)
    with pytest.raises(InputError, match=r"has no workers after 30 s; start some with `dask worker tcp://127\.0\.0\.1:8786`"):
        with cluster.dask_client("tcp://127.0.0.1:8786"):
            pass
    assert lonely and lonely[0].closed

    def unreachable(address, timeout=None):
        raise OSError(f"Timed out trying to connect to {address}")

    monkeypatch.setattr(distributed, "Client", unreachable)
    with pytest.raises(InputError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:8786"):
        with Runner("tcp://127.0.0.1:8786"):
            pass


def test_a_real_local_cluster_links_its_dashboard_when_bokeh_is_installed():
    """The real thing (skipped without the optional bokeh; the fakes above cover both cases everywhere)."""
    pytest.importorskip("bokeh.server.server")
    with cluster.dask_client(workers=1) as client:
        link = cluster.dashboard_link(client)
    assert link is not None and link.startswith("http://127.0.0.1:") and link.endswith("/status")
