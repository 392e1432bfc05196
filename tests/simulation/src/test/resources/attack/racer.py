# The job's user racing the root hooks (RootHooksUnderAttackTest): run as that user, it swaps the
# job's working folder, the report's copy vcluster-<job> and the copy's files for links to a
# root-owned canary folder, in a loop, until the stop file appears (or its time is up). It also
# tries to rename, replace or add to the job's folder in the root-owned run tree, which must fail.
# Prints "swaps N breaches M": links planted, and run-tree operations that succeeded.
import os
import random
import sys
import time

work, canary, job, run_folder, stop, seconds = sys.argv[1:7]
end = time.time() + float(seconds)
names = ["report.json", "report.txt", "hostfile", "ssh_config", "id_ed25519", "known_hosts", "ERROR"]
copy = os.path.join(work, "vcluster-" + job)
swaps = 0
breaches = 0


def ok(f, *args):
    try:
        f(*args)
        return True
    except OSError:
        return False


def link(target, path):
    global swaps
    if ok(os.symlink, target, path):
        swaps += 1
        return True
    return False


while time.time() < end and not os.path.exists(stop):
    move = random.randrange(5)
    if move == 0:
        # the working folder itself, for a moment
        if ok(os.rename, work, work + ".moved"):
            link(canary, work)
            ok(os.unlink, work)
            ok(os.rename, work + ".moved", work)
    elif move == 1:
        # the copy's folder: a link, left there for a while or put back at once
        ok(os.rename, copy, copy + ".moved.%d" % random.randrange(1000000))
        link(canary, copy)
        if random.random() < 0.5:
            ok(os.unlink, copy)
    elif move == 2:
        # each file of the copy
        for n in names:
            p = os.path.join(copy, n)
            ok(os.rename, p, p + ".moved")
            link(os.path.join(canary, n), p)
    elif move == 3:
        # a link where the copy's folder will be, planted before it exists
        if not os.path.lexists(copy):
            link(canary, copy)
    else:
        # root's run tree: none of these may ever succeed
        parent = os.path.dirname(run_folder)
        for attempt in (lambda: os.rename(run_folder, run_folder + ".moved"),
                        lambda: os.symlink(canary, os.path.join(run_folder, "planted")),
                        lambda: os.mkdir(os.path.join(run_folder, "sub")),
                        lambda: os.symlink(canary, os.path.join(parent, os.path.basename(run_folder) + "x")),
                        lambda: os.unlink(os.path.join(run_folder, "id_ed25519"))):
            if ok(attempt):
                breaches += 1
print("swaps %d breaches %d" % (swaps, breaches))
