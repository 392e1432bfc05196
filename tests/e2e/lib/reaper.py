#!/usr/bin/python3
"""Runs a daemon (libvirtd) as a child subreaper that reaps every orphan at once.

libvirt starts QEMU daemonized: QEMU's parent becomes the nearest subreaper, else PID 1. A real
node's PID 1 (systemd) reaps it the moment it exits; this machine's PID 1 reaps orphans only
every ~2 s, and libvirt's destroy (virProcessKillPainfully: kill(pid, 0) every 200 ms) counts a
zombie as alive, so each destroy took ~2 s here and ~0.2 s on a real node (docs/bench.md).
This gives each node's libvirtd a prompt reaper, as a real node has.

usage: reaper.py PROGRAM [ARGS...]   (exits with PROGRAM's status; TERM, INT, HUP are passed on)
"""
import ctypes
import os
import signal
import sys

PR_SET_CHILD_SUBREAPER = 36


def main(argv):
    if len(argv) < 2:
        print("usage: reaper.py PROGRAM [ARGS...]", file=sys.stderr)
        return 2
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        print("reaper.py: prctl(PR_SET_CHILD_SUBREAPER): errno %d" % ctypes.get_errno(), file=sys.stderr)
        return 1
    child = os.fork()
    if child == 0:
        os.execvp(argv[1], argv[1:])
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda s, _f: os.kill(child, s))
    while True:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            return 1
        if pid == child:
            # QEMUs still running go to PID 1 again, as they would if libvirtd itself had ended
            return os.waitstatus_to_exitcode(status) & 0xFF


if __name__ == "__main__":
    sys.exit(main(sys.argv))
