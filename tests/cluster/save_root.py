#!/usr/bin/env python3
"""Docker-backed cluster nodes must share --save-root (docs/cluster.md, "The save root is checked").

usage: tests/cluster/save_root.py RINGSIDE_BINARY

Two real ringside processes on one throwaway PostgreSQL (tools/pg-env), each with
--backend docker and an engine that does not exist: the check reads files and rows only, so no
engine is needed (the nodes answer /readyz 503 for want of one, and GET /cluster all the same).

1. node-1 alone, save root A: it holds all 1024 partitions.
2. node-2 with save root B: it exits 1 with one cluster_save_root_not_shared line naming node-1
   and B/.ringside-nodes/node-1; node-1 keeps all 1024 partitions the whole time.
3. node-2 again, with save root A: both hold partitions, all 1024 between them, and stay up.

Exit 0 and PASS, or 1 and what failed. Standard library only.
"""

import http.client
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Failed, check, log  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PG_ENV = os.path.join(ROOT, "tools", "pg-env")



def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Node:
    def __init__(self, binary, workdir, conf, node_id, save_root):
        self.node_id = node_id
        self.port = free_port()
        self.log_path = os.path.join(workdir, f"{node_id}.{int(time.time() * 1000)}.log")
        args = [binary, "--config", conf, "--listen", f"127.0.0.1:{self.port}",
                "--node-id", node_id, "--shards", "1", "--backend", "docker",
                "--docker-engines", f"unix://{workdir}/no-engine.sock", "--save-root", save_root]
        with open(self.log_path, "w") as out:
            self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=out,
                                            stderr=subprocess.STDOUT, start_new_session=True)

    def cluster(self, operator_key):
        """GET /cluster on this node: {node id: partitions}, or None when it does not answer."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
        try:
            connection.request("GET", "/cluster",
                               headers={"Authorization": f"Bearer {operator_key}"})
            response = connection.getresponse()
            body = response.read()
            if response.status != 200:
                return None
            return {n["nodeId"]: n["partitions"] for n in json.loads(body)["nodes"]}
        except (OSError, http.client.HTTPException, ValueError):
            return None
        finally:
            connection.close()

    def text(self):
        with open(self.log_path) as f:
            return f.read()

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def wait_for(what, predicate, timeout_s):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise Failed(f"timed out after {timeout_s} s waiting for {what}")


def run(binary, workdir):
    pg_dir = os.path.join(workdir, "pg")
    subprocess.run([PG_ENV, "up", pg_dir], check=True, capture_output=True)
    with open(os.path.join(pg_dir, "env")) as env:
        database_url = next(line.split("=", 1)[1].strip() for line in env
                            if line.startswith("DATABASE_URL="))
    operator_key = secrets.token_hex(16)
    secret_file = os.path.join(workdir, "token.secret")
    with open(secret_file, "w") as f:
        f.write(secrets.token_hex(32) + "\n")
    os.chmod(secret_file, 0o600)
    conf = os.path.join(workdir, "ringside.conf")
    with open(conf, "w") as f:
        f.write(f'database-url = "{database_url}"\n'
                f'token-secret-file = "{secret_file}"\n'
                f'operator-key = "{operator_key}"\n')
    os.chmod(conf, 0o600)
    root_a = os.path.join(workdir, "saves-a")
    root_b = os.path.join(workdir, "saves-b")
    nodes = []
    try:
        node1 = Node(binary, workdir, conf, "node-1", root_a)
        nodes.append(node1)
        wait_for("node-1 to hold all 1024 partitions",
                 lambda: (node1.cluster(operator_key) or {}).get("node-1") == 1024, 30)
        log("node-1 holds all 1024 partitions (save root A)")

        node2 = Node(binary, workdir, conf, "node-2", root_b)
        nodes.append(node2)
        deadline = time.monotonic() + 20
        while node2.process.poll() is None and time.monotonic() < deadline:
            view = node1.cluster(operator_key) or {}
            check(view.get("node-1") == 1024 and not view.get("node-2"),
                  f"node-1 gave partitions to node-2 of another save root: {view}")
            time.sleep(0.2)
        status = node2.process.poll()
        check(status is not None,
              f"node-2 with save root B still runs after 20 s (log {node2.log_path})")
        check(status == 1, f"node-2 exited {status}, not 1 (log {node2.log_path})")
        errors = [line for line in node2.text().splitlines()
                  if "cluster_save_root_not_shared" in line]
        check(len(errors) == 1, f"node-2 logged {len(errors)} cluster_save_root_not_shared "
              f"lines, not one: {node2.text()[-2000:]}")
        path = os.path.join(root_b, ".ringside-nodes", "node-1")
        check("node=node-2" in errors[0] and "peer=node-1" in errors[0] and
              f"path={path}" in errors[0], f"the error line does not name node-1 and {path}: "
              f"{errors[0]}")
        view = node1.cluster(operator_key) or {}
        check(view.get("node-1") == 1024, f"node-1 lost partitions: {view}")
        log(f"node-2 (save root B) exited 1: {errors[0]}")

        node2 = Node(binary, workdir, conf, "node-2", root_a)
        nodes.append(node2)

        def both_serve():
            view = node2.cluster(operator_key) or {}
            return (view.get("node-1", 0) > 0 and view.get("node-2", 0) > 0 and
                    view["node-1"] + view["node-2"] == 1024)
        wait_for("node-1 and node-2 to share the 1024 partitions", both_serve, 30)
        time.sleep(2)
        check(node1.process.poll() is None and node2.process.poll() is None,
              "a node exited with one save root for both")
        check(both_serve(), f"the partitions did not stay shared: {node2.cluster(operator_key)}")
        check("cluster_save_root_not_shared" not in node1.text() + node2.text(),
              "cluster_save_root_not_shared logged with one save root")
        log(f"with one save root both serve: {node2.cluster(operator_key)}")
    except Failed:
        for node in nodes:
            print(f"--- {node.log_path}\n{node.text()[-3000:]}", file=sys.stderr)
        raise
    finally:
        for node in nodes:
            node.stop()
        subprocess.run([PG_ENV, "down", pg_dir], capture_output=True)


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    workdir = tempfile.mkdtemp(prefix="ringside-saveroot.", dir="/tmp")
    try:
        run(os.path.abspath(sys.argv[1]), workdir)
    except Failed as failure:
        print(f"FAIL: {failure}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
