"""Start `python app.py` the way a user does, on a free loopback port (for the tests and scripts/benchmark.py)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
STARTUP_TIMEOUT_S = 90.0


class AppUnavailable(RuntimeError):
    """app.py exited or did not answer HTTP 200 in time."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _log_tail(log: Path, chars: int = 3000) -> str:
    return log.read_text(encoding="utf-8", errors="replace")[-chars:] if log.exists() else "(no log)"


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


@contextlib.contextmanager
def running_app(
    models: Path | None, workdir: Path, timeout: float = STARTUP_TIMEOUT_S, poll_s: float = 0.5
) -> Iterator[str]:
    """Run app.py (with `models` added to its checkpoints); yields its URL once it answers, stops it afterwards.

    The server's temporary files (Gradio's cache, the app's GIFs) and its log go to `workdir`.
    """
    with running_process(models, workdir, timeout=timeout, poll_s=poll_s) as (url, _):
        yield url


@contextlib.contextmanager
def running_process(
    models: Path | None,
    workdir: Path,
    root: Path = ROOT,
    timeout: float = STARTUP_TIMEOUT_S,
    poll_s: float = 0.5,
    env_extra: dict[str, str] | None = None,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """running_app of the checkout at `root` (e.g. another branch's, for a comparison), yielding its process too."""
    workdir.mkdir(parents=True, exist_ok=True)
    tmp = workdir / "tmp"
    tmp.mkdir(exist_ok=True)
    log = workdir / "server.log"
    port = free_port()
    env = {
        **os.environ,
        "GRADIO_SERVER_NAME": HOST,
        "GRADIO_SERVER_PORT": str(port),
        "GRADIO_ANALYTICS_ENABLED": "False",
        "GRADIO_TEMP_DIR": str(tmp / "gradio"),
        "TMPDIR": str(tmp),
        "PYTHONUNBUFFERED": "1",
    }
    if models is not None:
        env["GAN_DEMO_MODELS"] = str(models)
    env.update(env_extra or {})
    url = f"http://{HOST}:{port}/"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "app.py"], cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while not _answers(url):
            if proc.poll() is not None:
                raise AppUnavailable(f"app.py exited with code {proc.returncode} before serving:\n{_log_tail(log)}")
            if time.monotonic() > deadline:
                raise AppUnavailable(f"app.py did not answer {url} within {timeout:.0f} s:\n{_log_tail(log)}")
            time.sleep(poll_s)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
