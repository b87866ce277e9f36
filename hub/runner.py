"""Run the web server, the task worker and the due-jobs loop together; Ctrl-C stops all three.

Used by `make run`. In production, run each piece under your service manager instead
(gunicorn, `manage.py db_worker`, cron calling `manage.py run_due_jobs`): see the README.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
MANAGE = [sys.executable, str(BASE_DIR / "manage.py")]


class Runner:
    def __init__(self, host: str, port: int, due_jobs_interval: float, reload: bool) -> None:
        self.host = host
        self.port = port
        self.due_jobs_interval = due_jobs_interval
        self.reload = reload
        self.children: dict[str, subprocess.Popen] = {}
        self.stopping = False

    def start(self, name: str, args: list[str]) -> None:
        # Own process group: stopping a child also stops what it spawned (runserver's reloader).
        self.children[name] = subprocess.Popen(
            [*MANAGE, *args], cwd=BASE_DIR, start_new_session=True
        )

    def run_due_jobs(self) -> None:
        # Like cron would: a separate short-lived process each time.
        result = subprocess.run([*MANAGE, "run_due_jobs"], cwd=BASE_DIR, check=False)
        if result.returncode != 0:
            print(f"[maillage] run_due_jobs exited with {result.returncode}", file=sys.stderr)

    def stop(self, *_args: object) -> None:
        self.stopping = True

    def serve(self) -> int:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        web = ["runserver", f"{self.host}:{self.port}"]
        if not self.reload:
            web.append("--noreload")
        self.start("web", web)
        self.start("worker", ["db_worker", "--interval", "1"])
        pids = " ".join(f"{name}={child.pid}" for name, child in self.children.items())
        print(
            f"[maillage] web http://{self.host}:{self.port}/, task worker and due jobs "
            f"every {self.due_jobs_interval:g} s started ({pids}); Ctrl-C stops all three.",
            flush=True,
        )
        exit_code = 0
        next_due = 0.0
        while not self.stopping:
            for name, child in self.children.items():
                if child.poll() is not None:
                    print(f"[maillage] {name} stopped (exit {child.returncode}); stopping all.")
                    exit_code = child.returncode or 1
                    self.stopping = True
            if self.stopping:
                break
            if time.monotonic() >= next_due:
                self.run_due_jobs()
                next_due = time.monotonic() + self.due_jobs_interval
            time.sleep(0.2)
        self.terminate()
        return exit_code

    def terminate(self) -> None:
        for child in self.children.values():
            _signal_group(child, signal.SIGINT)
        deadline = time.monotonic() + 10
        for child in self.children.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            # Whatever the child spawned and left behind goes too.
            _signal_group(child, signal.SIGKILL)
            child.wait()
        print("[maillage] stopped.", flush=True)


def _signal_group(child: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, sig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument(
        "--due-jobs-interval",
        type=float,
        default=float(os.environ.get("DUE_JOBS_INTERVAL", "60")),
        help="seconds between two calls of run_due_jobs",
    )
    parser.add_argument("--noreload", action="store_true", help="no auto-reload of the web server")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings.dev")
    runner = Runner(args.host, args.port, args.due_jobs_interval, reload=not args.noreload)
    return runner.serve()


if __name__ == "__main__":
    sys.exit(main())
