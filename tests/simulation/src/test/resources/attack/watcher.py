# Another user watching the root hooks' files (RootHooksUnderAttackTest): run as a uid that is
# neither root nor the job's, it tries to open, in a tight loop, every file of the job it can
# name or find (the names are predictable) until the stop file appears. A descriptor once opened
# would be kept for the whole job, so one success is a leak. Prints "tries N opened <paths>".
import os
import sys
import time

stop, seconds = sys.argv[1], float(sys.argv[2])
roots = sys.argv[3].split(":")
named = sys.argv[4].split(":")
end = time.time() + seconds
tries = 0
opened = set()


def attempt(path):
    global tries
    tries += 1
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    except OSError:
        return
    os.close(fd)
    if not os.path.isdir(path):
        opened.add(path)


while time.time() < end and not os.path.exists(stop):
    for p in named:
        attempt(p)
    for root in roots:
        for d, dirs, files in os.walk(root):
            for f in files:
                attempt(os.path.join(d, f))
print("tries %d opened %s" % (tries, " ".join(sorted(opened))))
