"""A small request handler that leaks on purpose, for `make demo`.

Each simulated request logs a user in and stores a Session in the
module-level SESSIONS dict, keyed by a fresh token, and nothing ever
expires them: the service grows by a Session (with its payload) per
request.  The bounded RECENT list beside it is the healthy cache.

    python3 -m heapsnap run --dir DIR samples/leaky_service.py \
        --requests 6000 --batch 500 [--pause 0.2]

prints "served N" after each batch and pauses between batches, so that a
signal (SIGUSR1) lands between two batches.
"""
import argparse
import hashlib
import sys
import time


class Session:
    """What the handler keeps per login."""

    def __init__(self, user, token, payload):
        self.user = user
        self.token = token
        self.payload = payload          # the bulk of the leak
        self.history = []


class User:
    def __init__(self, name):
        self.name = name
        self.email = name + "@example.com"


USERS = {}
SESSIONS = {}          # token -> Session; never pruned: the leak
RECENT = []            # the last 100 request ids: bounded, fine


def handle(request_id):
    name = "user%d" % (request_id % 50)
    user = USERS.get(name)
    if user is None:
        user = USERS[name] = User(name)
    token = hashlib.sha1(b"%d" % request_id).hexdigest()
    payload = bytearray(512)
    s = Session(user, token, payload)
    s.history.append(("login", request_id))
    SESSIONS[token] = s
    RECENT.append(request_id)
    del RECENT[:-100]
    return token


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--requests", type=int, default=6000)
    p.add_argument("--batch", type=int, default=500)
    p.add_argument("--pause", type=float, default=0.2,
                   help="seconds of idle time after each batch")
    a = p.parse_args(argv)
    served = 0
    while served < a.requests:
        for _ in range(min(a.batch, a.requests - served)):
            handle(served)
            served += 1
        print("served %d" % served, flush=True)
        time.sleep(a.pause)
    print("sessions %d" % len(SESSIONS), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
