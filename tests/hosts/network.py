"""Hosts simulated on this machine: network namespaces on one switch, each with a mount and
UTS namespace of its own.

Each host has its own address on 192.0.2.0/24 (TEST-NET-1, an address block reserved for
documentation, so no real machine answers there), its own host name, and its own
``/etc/celery-in-practice``, ``/srv``, ``/var/lib``, ``/run`` and ``/tmp``, bound from a
folder of the test's. Nothing can pass between hosts through a file or a unix socket, and no
namespace has a default route. The switch is a bridge in a namespace of its own; each host's
link to it can be cut (``ip link set ... down``) and mended.

Needs root (``ip netns``, ``unshare``, ``mount``), as CI has it.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

PREFIX = "cip-"
SWITCH = f"{PREFIX}switch"
SUBNET = "192.0.2"
#: Names every host resolves, from its own /etc/hosts.
NAMES = {
    "broker": ["broker.internal"],
    "db": ["db.internal"],
    "web": ["web.internal", "bin.example.org"],
    "work1": ["work1.internal"],
    "work2": ["work2.internal"],
    "mail": ["smtp.example.org"],
    "client": [],
}
ADDRESSES = {
    "broker": 10,
    "db": 11,
    "web": 20,
    "work1": 31,
    "work2": 32,
    "mail": 40,
    "client": 50,
}
#: The service user of the units (User=celery-in-practice), in each host's own /etc/passwd.
SERVICE_USER = ("celery-in-practice", 990)


def sh(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(args, check=check, capture_output=True, text=True)


def namespaces() -> list[str]:
    out = sh("ip", "netns", "list").stdout
    return [line.split()[0] for line in out.splitlines() if line.startswith(PREFIX)]


def kill_namespace_processes(namespace: str) -> None:
    """SIGKILL every process in a namespace (epmd and the like outlive their parents)."""
    for _ in range(50):
        pids = sh("ip", "netns", "pids", namespace, check=False).stdout.split()
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(int(pid), signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.1)
    raise RuntimeError(f"processes left in {namespace}: {pids}")


def clean() -> None:
    """Remove what an earlier, interrupted run left: its processes and namespaces."""
    for namespace in namespaces():
        kill_namespace_processes(namespace)
        sh("ip", "netns", "delete", namespace)


class Host:
    """One simulated machine. Its processes run in its namespaces, entered with nsenter
    through a process that holds them (``sleep infinity``)."""

    def __init__(self, name: str, root: Path):
        self.name = name
        self.namespace = PREFIX + name
        self.address = f"{SUBNET}.{ADDRESSES[name]}"
        self.link = f"{PREFIX[:-1]}{name}"[:15]  # the switch's end of this host's link
        self.root = root  # the host's own folders: root/etc, root/srv, root/var-lib, ...
        self.holder: subprocess.Popen | None = None
        self.processes: list[subprocess.Popen] = []

    def path(self, inside: str) -> Path:
        """Where a path of this host lies on the machine, for the test to read."""
        for mount, folder in self.binds().items():
            if inside == mount or inside.startswith(mount + "/"):
                return folder / inside[len(mount) :].lstrip("/")
        raise ValueError(f"{inside} is not one of {self.name}'s own folders")

    def binds(self) -> dict[str, Path]:
        return {
            "/etc": self.root / "etc",  # the upper layer of an overlay on the machine's /etc
            "/srv": self.root / "srv",
            "/var/lib": self.root / "var-lib",
            "/var/log": self.root / "var-log",
        }

    def start(self, files: dict[str, str], mounts: list[str], private_tmp: bool) -> None:
        """Write the host's own files (under /etc, /srv, /var/lib), then start it."""
        for folder in self.binds().values():
            folder.mkdir(parents=True, exist_ok=True)
            folder.chmod(0o755)
        work = self.root / "etc-work"
        work.mkdir(exist_ok=True)
        for inside, text in files.items():
            path = self.path(inside)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        # /etc: the machine's, with this host's files over it; /etc/celery-in-practice
        # and the rest exist only here.
        etc = f"lowerdir=/etc,upperdir={self.root / 'etc'},workdir={work}"
        commands = [f"mount -t overlay overlay -o {shlex.quote(etc)} /etc"]
        commands += [
            f"mount --bind {shlex.quote(str(source))} {target}"
            for target, source in self.binds().items()
            if target != "/etc"
        ]
        commands += [*mounts, "mount -t tmpfs tmpfs /run"]
        if private_tmp:
            commands += ["mount -t tmpfs -o mode=1777 tmpfs /tmp"]
        script = " && ".join([*commands, f"hostname {self.name}", "echo ready", "exec sleep 1d"])
        self.holder = subprocess.Popen(
            ["ip", "netns", "exec", self.namespace]
            + ["unshare", "--mount", "--uts", "--propagation", "private", "sh", "-c", script],
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self.holder.stdout.readline()
        if line.strip() != "ready":
            raise RuntimeError(f"{self.name} did not start: {line!r}")

    def enter(self, user: str | None = None) -> list[str]:
        prefix = ["nsenter", "-t", str(self.holder.pid), "-m", "-u", "-n", "--"]
        if user:
            prefix += ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", "--"]
        return prefix

    def run(self, *command: str, user=None, env=None, cwd="/", input=None, check=True, timeout=120):
        """Run a command on this host to its end."""
        result = subprocess.run(
            [*self.enter(user), "env", "-C", cwd, *command],
            env=env,
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and result.returncode:
            raise RuntimeError(
                f"{self.name}$ {shlex.join(command)} exited {result.returncode}:\n"
                f"{result.stdout}\n{result.stderr}"
            )
        return result

    def spawn(
        self, command: list[str], log: Path, user=None, env=None, cwd="/"
    ) -> subprocess.Popen:
        """Start a long-running process on this host, its output into ``log``."""
        with open(log, "ab") as out:
            process = subprocess.Popen(
                [*self.enter(user), "env", "-C", cwd, *command],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes.append(process)
        return process

    def stop(self, process: subprocess.Popen, sig=signal.SIGTERM, timeout: float = 30) -> None:
        """Signal a process started by :meth:`spawn` (nsenter passes it on) and wait for it."""
        if process.poll() is None:
            process.send_signal(sig)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def pids(self) -> list[int]:
        """Every process on this host, its holder included."""
        out = sh("ip", "netns", "pids", self.namespace, check=False).stdout
        return [int(pid) for pid in out.split()]


class Network:
    """The hosts and the switch between them."""

    def __init__(self, root: Path, names=tuple(ADDRESSES)):
        self.root = root
        self.hosts = {name: Host(name, root / name) for name in names}

    def __getitem__(self, name: str) -> Host:
        return self.hosts[name]

    def switch(self, *args: str) -> None:
        sh("ip", "-n", SWITCH, *args)

    def build(self) -> None:
        clean()
        sh("ip", "netns", "add", SWITCH)
        self.switch("link", "add", "br0", "type", "bridge")
        self.switch("link", "set", "br0", "up")
        lines = ["127.0.0.1 localhost"] + [
            f"{host.address} {name} {' '.join(NAMES[name])}" for name, host in self.hosts.items()
        ]
        user, uid = SERVICE_USER
        files = {
            "/etc/hosts": "\n".join(lines) + "\n",
            "/etc/hostname": "",
            "/etc/passwd": Path("/etc/passwd").read_text()
            + f"{user}:x:{uid}:{uid}::/nonexistent:/usr/sbin/nologin\n",
            "/etc/group": Path("/etc/group").read_text() + f"{user}:x:{uid}:\n",
        }
        for host in self.hosts.values():
            sh("ip", "netns", "add", host.namespace)
            sh(
                "ip", "link", "add", host.link, "netns", SWITCH, "type", "veth",
                "peer", "name", "eth0", "netns", host.namespace,
            )  # fmt: skip
            self.switch("link", "set", host.link, "master", "br0", "up")
            inside = ["ip", "-n", host.namespace]
            sh(*inside, "addr", "add", f"{host.address}/24", "dev", "eth0")
            sh(*inside, "link", "set", "eth0", "up")
            sh(*inside, "link", "set", "lo", "up")
            host.start(
                {**files, "/etc/hostname": host.name + "\n", **self.files(host)},
                self.mounts(host),
                self.private_tmp(host),
            )

    def files(self, host: Host) -> dict[str, str]:
        """Files a host starts with: {path on the host: text}."""
        return {}

    def mounts(self, host: Host) -> list[str]:
        """More mount commands, run on a host after its own folders are in place."""
        return []

    def private_tmp(self, host: Host) -> bool:
        return True

    def cut(self, name: str) -> None:
        """Unplug a host's cable: its link to the switch goes down, its processes run on."""
        self.switch("link", "set", self.hosts[name].link, "down")

    def mend(self, name: str) -> None:
        self.switch("link", "set", self.hosts[name].link, "up")

    @contextmanager
    def cut_off(self, name: str):
        self.cut(name)
        try:
            yield
        finally:
            self.mend(name)

    def destroy(self) -> None:
        for host in self.hosts.values():
            for process in host.processes:
                if process.poll() is None:
                    host.stop(process, timeout=10)
        clean()
