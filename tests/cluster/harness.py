"""What the cluster test scripts share: a failure that names what was expected, and a log line."""
import time


class Failed(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failed(message)


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)
