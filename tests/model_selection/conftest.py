"""A throwaway PostgreSQL server for the distributed-search tests.

``postgres_url`` is the URL of an empty database on a server listening on
127.0.0.1 only. The server is started once per test session in a temporary
folder (``initdb``, ``pg_ctl start``, ``createdb``) and stopped, and its
folder deleted, at the end. ``initdb`` and ``postgres`` refuse to run as
root, so as root they run as the ``postgres`` system user (``runuser``).

Set ``SKARVAE_POSTGRES_URL`` to use a server of your own instead (the tests
create and use studies with unique names in it). Where no server can be
started the tests that need one are skipped with the reason, unless
``SKARVAE_REQUIRE_POSTGRES=1`` (set by ``.ci/run``), which makes that a
failure.
"""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import glob
import os
import shutil
import socket
import subprocess
import tempfile

import pytest


def _server_bin():
    """Folder of PostgreSQL's server programs (``initdb``, ``pg_ctl``), or None."""
    found = shutil.which("pg_ctl")
    candidates = [os.path.dirname(os.path.realpath(found))] if found else []
    # Debian puts them in /usr/lib/postgresql/<version>/bin, not on PATH.
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for folder in candidates:
        if all(
            os.access(os.path.join(folder, name), os.X_OK)
            for name in ("initdb", "pg_ctl", "createdb")
        ):
            return folder
    return None


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_postgres(bin_dir=None, database="skarvae"):
    """Start a throwaway PostgreSQL server on 127.0.0.1 and create a database.

    Returns ``(url, stop)``: a ``postgresql+psycopg://`` URL of the database
    and a function that stops the server and deletes its folder. Raises
    ``RuntimeError`` with the server's log when a step fails.
    """
    bin_dir = bin_dir or _server_bin()
    if bin_dir is None:
        raise RuntimeError(
            "no PostgreSQL server programs (initdb, pg_ctl) found on PATH or in "
            "/usr/lib/postgresql/*/bin; install Debian's 'postgresql' package"
        )
    prefix = []
    if os.geteuid() == 0:  # initdb and postgres refuse to run as root
        prefix = ["runuser", "-u", "postgres", "--"]
    root = tempfile.mkdtemp(prefix="skarvae-pg-")
    data, sockets = os.path.join(root, "data"), os.path.join(root, "sock")
    os.mkdir(sockets)
    if prefix:
        shutil.chown(root, "postgres")
        shutil.chown(sockets, "postgres")
    port = _free_port()
    log = os.path.join(root, "server.log")
    pg_ctl = [*prefix, os.path.join(bin_dir, "pg_ctl"), "-D", data]

    def run(args, what):
        done = subprocess.run(args, capture_output=True, text=True, timeout=120)
        if done.returncode:
            server_log = ""
            if os.path.exists(log):
                with open(log) as f:
                    server_log = f.read()[-2000:]
            raise RuntimeError(
                f"{what} failed ({done.returncode}): {done.stderr.strip()[-2000:]}"
                f"\n{server_log}"
            )

    def stop():
        if os.path.exists(os.path.join(data, "postmaster.pid")):
            subprocess.run(
                [*pg_ctl, "-m", "immediate", "-w", "stop"],
                capture_output=True,
                timeout=120,
            )
        shutil.rmtree(root, ignore_errors=True)

    try:
        run(
            [
                *prefix,
                os.path.join(bin_dir, "initdb"),
                "-D",
                data,
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
            ],
            "initdb",
        )
        if prefix:
            shutil.chown(root, "postgres")
            with open(log, "w"):
                pass
            shutil.chown(log, "postgres")
        options = f"-p {port} -h 127.0.0.1 -k {sockets} -c fsync=off"
        run([*pg_ctl, "-o", options, "-l", log, "-w", "-t", "60", "start"], "pg_ctl")
        run(
            [
                os.path.join(bin_dir, "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                "-U",
                "postgres",
                database,
            ],
            "createdb",
        )
    except BaseException:
        stop()
        raise
    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/{database}", stop


@pytest.fixture(scope="session")
def postgres_url():
    """URL of a database on a PostgreSQL server for this session (see module)."""
    required = os.environ.get("SKARVAE_REQUIRE_POSTGRES") == "1"
    give_up = pytest.fail if required else pytest.skip
    if os.environ.get("SKARVAE_POSTGRES_URL"):
        yield os.environ["SKARVAE_POSTGRES_URL"]
        return
    try:
        import psycopg  # noqa: F401
    except ImportError:
        give_up("psycopg is not installed: pip install 'psycopg[binary]'")
    try:
        url, stop = start_postgres()
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        give_up(f"cannot start a PostgreSQL server: {exc}")
    try:
        yield url
    finally:
        stop()
