"""Measure the action image: size, and time from container start to first request.

Needs buildah and an image built by .ci/steps/30-container.sh. Each round
creates a container (buildah from, not timed), starts it with buildah run the
way a GitHub runner starts a Docker action, and records when the first HTTP
request reaches a server on 127.0.0.1 that plays the AI provider. The server
returns 503, so the run ends soon after. Only the first request counts.

Two baselines separate the parts: the container start alone (`python -c pass`
in the container) and the start plus importing the package's entry module.

Usage: python bench/container_start.py [--image IMAGE] [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.container.runner import (
    RunnerFolders,
    action_inputs,
    image_entrypoint,
    image_name,
    runner_environment,
)
from tests.gitrepo import git


class FirstRequestServer(ThreadingHTTPServer):
    """Records the monotonic time of the first request it receives."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.first_request_at: float | None = None
        self.arrived = threading.Event()


class _Handler(BaseHTTPRequestHandler):
    server: FirstRequestServer

    def _respond(self) -> None:
        if self.server.first_request_at is None:
            self.server.first_request_at = time.monotonic()
            self.server.arrived.set()
        self.send_response(503)
        self.send_header("content-length", "0")
        self.end_headers()

    do_GET = do_POST = _respond

    def log_message(self, format: str, *args: object) -> None:
        return


def make_workspace(root: Path) -> tuple[Path, str, str]:
    workspace = root / "workspace"
    workspace.mkdir()
    git(workspace, "init", "--quiet")
    (workspace / "app.py").write_text("def run() -> int:\n    return 1\n")
    git(workspace, "add", "--all")
    git(workspace, "commit", "--quiet", "-m", "Add the app")
    before = git(workspace, "rev-parse", "HEAD")
    (workspace / "app.py").write_text("def run() -> int:\n    return 2\n")
    git(workspace, "commit", "--quiet", "-am", "Change the app")
    return workspace, before, git(workspace, "rev-parse", "HEAD")


def buildah_run_argv(
    container: str, folders: RunnerFolders, env: dict[str, str], command: list[str]
) -> list[str]:
    argv = ["buildah", "run", "--isolation=chroot", "--workingdir", "/github/workspace"]
    for name, value in env.items():
        argv += ["--env", f"{name}={value}"]
    for host, inside in folders.mounts():
        argv += ["--volume", f"{host}:{inside}"]
    return [*argv, container, "--", *command]


def new_container(image: str) -> str:
    completed = subprocess.run(
        ["buildah", "from", "--pull=never", image],
        check=True,
        capture_output=True,
        text=True,
    )
    return completed.stdout.strip()


def time_command(
    image: str, folders: RunnerFolders, env: dict[str, str], command: list[str]
) -> float:
    """Return the seconds buildah run takes to run ``command`` to its end."""
    container = new_container(image)
    try:
        started = time.monotonic()
        subprocess.run(
            buildah_run_argv(container, folders, env, command),
            check=True,
            capture_output=True,
        )
        return time.monotonic() - started
    finally:
        subprocess.run(["buildah", "rm", container], capture_output=True, check=False)


def time_first_request(
    image: str, folders: RunnerFolders, env: dict[str, str]
) -> float:
    """Return the seconds from buildah run to the provider's first request."""
    server = FirstRequestServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    inputs = action_inputs(
        {
            "provider": "openai-compatible",
            "model": "bench-model",
            "api-base-url": base_url,
            "dry-run": "true",
        }
    )
    container = new_container(image)
    try:
        argv = buildah_run_argv(
            container, folders, {**env, **inputs}, image_entrypoint(image)
        )
        started = time.monotonic()
        process = subprocess.Popen(
            argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        while not server.arrived.wait(timeout=0.05):
            if process.poll() is not None:
                raise RuntimeError(
                    f"the action exited with {process.returncode} before its "
                    "first provider request"
                )
        process.wait(timeout=120)
        assert server.first_request_at is not None
        return server.first_request_at - started
    finally:
        subprocess.run(["buildah", "rm", container], capture_output=True, check=False)
        server.shutdown()
        server.server_close()


def image_size_mb(image: str) -> float:
    completed = subprocess.run(
        ["podman", "image", "inspect", "--format", "{{.Size}}", image],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(completed.stdout.strip()) / 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image", default=image_name(), help="image to measure")
    parser.add_argument("--rounds", type=int, default=5, help="runs per figure")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        workspace, _, head = make_workspace(root)
        folders = RunnerFolders.create(root / "runner", workspace)
        folders.write_event({"ref": "refs/heads/main", "after": head, "repository": {}})
        env = runner_environment(
            folders, event_name="workflow_dispatch", sha=head, ref="refs/heads/main"
        )
        python = "/opt/venv/bin/python"
        figures = {
            "container start (python -c pass)": [
                time_command(args.image, folders, env, [python, "-c", "pass"])
                for _ in range(args.rounds)
            ],
            "start + import codedoc_action.main": [
                time_command(
                    args.image,
                    folders,
                    env,
                    [python, "-c", "import codedoc_action.main"],
                )
                for _ in range(args.rounds)
            ],
            "start to first provider request": [
                time_first_request(args.image, folders, env) for _ in range(args.rounds)
            ],
        }

    print(f"image {args.image}: {image_size_mb(args.image):.0f} MB")
    for name, seconds in figures.items():
        print(
            f"{name}: median {statistics.median(seconds):.2f} s, "
            f"min {min(seconds):.2f} s, max {max(seconds):.2f} s "
            f"({len(seconds)} rounds)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
