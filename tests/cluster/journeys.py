#!/usr/bin/env python3
"""Cluster journeys through a real balancer (tools/cluster-env, docs/cluster.md "Tests").

usage: tests/cluster/journeys.py RINGSIDE_BINARY JOURNEY
JOURNEY: player | kill | term | join | pause | listing | cordons | docker | webhooks

Each journey starts its own cluster (PostgreSQL, 3 nodes with the sim backend, HAProxy), drives
it over HTTP as a client would, and takes it down. The docker journey starts 2 real Docker
engines too (tools/docker-env, needs root) and runs the nodes with --backend docker on them.
The webhooks journey runs 2 nodes pointed at tests/integration/webhook_receiver.py.
Exit 0 and PASS, or 1 and what failed. Standard library only (no pip on the test machines).
"""

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Failed, check, log  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLUSTER_ENV = os.path.join(ROOT, "tools", "cluster-env")
RECEIVER = os.path.join(ROOT, "tests", "integration", "webhook_receiver.py")
BASE32 = "abcdefghijklmnopqrstuvwxyz234567"
FAILOVER_LIMIT_S = 10.0  # SPEC: a dead node's players answer again within 10 s



class Answer:
    def __init__(self, status, headers, text):
        self.status = status
        self.headers = headers
        self.text = text
        try:
            self.json = json.loads(text) if text else None
        except ValueError:
            self.json = None

    def retry_after(self):
        return self.headers.get("retry-after")

    def __repr__(self):
        return f"HTTP {self.status} {self.text[:200]!r}"


def request(base, method, path, token=None, body=None, timeout=5.0):
    """One request on a new connection. A refused or reset connection is status 0."""
    url = urllib.parse.urlsplit(base)
    headers = {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        data = json.dumps(body)
        headers["Content-Type"] = "application/json"
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    try:
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        text = response.read().decode()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, text)
    except (OSError, http.client.HTTPException) as error:
        return Answer(0, {}, f"{type(error).__name__}: {error}")
    finally:
        connection.close()


def partition_of_token(token):
    """The partition a token names: its 2 owner chars, base32 (model/ids.h)."""
    return BASE32.index(token[1]) * 32 + BASE32.index(token[2])


class Cluster:
    def __init__(self, binary, nodes, flags, fleet=None, receiver=None):
        self.fleet = fleet  # the DockerFleet of the docker journey, else None
        self.receiver = receiver  # the WebhookReceiver of the webhooks journey, else None
        self.dir = tempfile.mkdtemp(prefix="ringside-journey.", dir="/tmp")
        os.rmdir(self.dir)  # cluster-env creates it
        self.environ = dict(os.environ, BUILD_DIR=os.path.dirname(os.path.abspath(binary)))
        self.env_tool("up", self.dir, str(nodes), "--", *flags)
        self.load()

    def env_tool(self, *args):
        result = subprocess.run([CLUSTER_ENV, *args], env=self.environ, capture_output=True,
                                text=True)
        check(result.returncode == 0, f"cluster-env {' '.join(args)}: {result.stderr[-2000:]}")
        return result.stdout

    def load(self):
        self.vars = {}
        with open(os.path.join(self.dir, "env")) as env:
            for line in env:
                key, _, value = line.strip().partition("=")
                self.vars[key] = value.strip("'\"")
        self.url = self.vars["RINGSIDE_URL"]
        self.operator_key = self.vars["RINGSIDE_OPERATOR_KEY"]
        self.count = int(self.vars["NODE_COUNT"])

    def node_url(self, i):
        return self.vars[f"NODE_{i}_URL"]

    def signal(self, i, sig):
        self.env_tool("stop-node", self.dir, str(i), sig)

    def add_node(self):
        self.env_tool("add-node", self.dir)
        self.load()
        return self.count

    def down(self):
        subprocess.run([CLUSTER_ENV, "down", self.dir], env=self.environ, capture_output=True)

    def sql(self, query):
        result = subprocess.run(["psql", self.vars["DATABASE_URL"], "-Atc", query],
                                capture_output=True, text=True)
        check(result.returncode == 0, f"psql: {result.stderr}")
        return result.stdout.strip()

    def owner(self, partition):
        """The node (index) whose write connection holds the partition's lock, or None."""
        name = self.sql(
            "SELECT n.node_id FROM pg_locks l JOIN cluster_nodes n ON n.backend_pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.classid = 1380532807 AND l.granted "
            f"AND l.objid = {partition}")
        return int(name.split("-")[1]) if name else None

    def owners(self, partitions):
        """{partition: the node (index) holding its lock} for those held."""
        rows = self.sql(
            "SELECT l.objid || ' ' || n.node_id FROM pg_locks l JOIN cluster_nodes n "
            "ON n.backend_pid = l.pid WHERE l.locktype = 'advisory' AND "
            f"l.classid = 1380532807 AND l.granted AND l.objid IN "
            f"({','.join(str(p) for p in partitions)})")
        owned = {}
        for row in rows.splitlines():
            partition, name = row.split(" ")
            owned[int(partition)] = int(name.split("-")[1])
        return owned

    def membership(self, base=None):
        answer = request(base or self.url, "GET", "/cluster", token=self.operator_key)
        check(answer.status == 200 and answer.json, f"GET /cluster: {answer}")
        return {node["nodeId"]: node["partitions"] for node in answer.json["nodes"]}

    def wait_membership(self, want, limit_s, base=None):
        """Waits until GET /cluster shows exactly the nodes `want` (names) holding all 1024
        partitions, each at least a quarter of a fair share."""
        deadline = time.monotonic() + limit_s
        while True:
            try:
                seen = self.membership(base)
            except Failed:
                seen = {}
            fair = 1024 / max(len(want), 1)
            if (set(seen) == set(want) and sum(seen.values()) == 1024 and
                    min(seen.values()) >= fair / 4):
                return seen
            check(time.monotonic() < deadline, f"GET /cluster after {limit_s} s: {seen}")
            time.sleep(0.5)


class Player:
    def __init__(self, name, token):
        self.name = name
        self.token = token
        self.partition = partition_of_token(token)
        self.session = None


def operator_launch(cluster, name, game="tlon-uqbar"):
    answer = request(cluster.url, "POST", "/operator/launch", token=cluster.operator_key,
                     body={"playerId": name, "gameSlug": game})
    check(answer.status == 200, f"operator launch of {name}: {answer}")
    token = answer.json["sessionToken"]
    check(answer.json["launchUrl"].startswith(cluster.url + "/play/"),
          f"launch URL not on the balancer: {answer}")
    return Player(name, token)


def until_ok(call, what, limit_s=10.0):
    """Repeats `call` while it answers 503 with Retry-After (a partition changing hands)."""
    deadline = time.monotonic() + limit_s
    while True:
        answer = call()
        if answer.status != 503:
            return answer
        check(answer.retry_after(), f"{what}: 503 without Retry-After: {answer}")
        check(time.monotonic() < deadline, f"{what}: still 503 after {limit_s} s")
        time.sleep(0.2)


def status(cluster, player, base=None):
    return request(base or cluster.url, "GET",
                   f"/api/game/session-status?sessionId={player.session}", token=player.token)


def launch_running(cluster, players):
    """Launches one session per player through the balancer and waits until each runs."""
    for player in players:
        answer = request(cluster.url, "POST", "/api/game/launch", token=player.token, body={})
        check(answer.status == 202, f"launch of {player.name}: {answer}")
        player.session = answer.json["sessionId"]
    deadline = time.monotonic() + 20
    for player in players:
        while True:
            answer = status(cluster, player)
            check(answer.status == 200, f"status of {player.name}: {answer}")
            if answer.json["status"] == "running":
                break
            check(time.monotonic() < deadline, f"{player.name} not running: {answer}")
            time.sleep(0.2)


class Pollers:
    """Threads polling every player's session status through the balancer, recording every
    answer: (monotonic time, player, Answer)."""

    def __init__(self, cluster, players, threads=4):
        self.cluster = cluster
        self.players = players
        self.answers = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self.run, args=(k, threads), daemon=True)
                        for k in range(threads)]
        for thread in self.threads:
            thread.start()

    def run(self, k, every):
        mine = self.players[k::every]
        while not self.stopping.is_set():
            for player in mine:
                answer = status(self.cluster, player)
                with self.lock:
                    self.answers.append((time.monotonic(), player, answer))

    def stop(self):
        self.stopping.set()
        for thread in self.threads:
            thread.join()
        return self.answers


def check_polls(answers, allow_503=True):
    """Every answer is 200 with the player's own session, running, or (allow_503) 503 with
    Retry-After. Returns the number of 503s."""
    unavailable = 0
    for _, player, answer in answers:
        if answer.status == 503 and allow_503:
            check(answer.retry_after(), f"{player.name}: 503 without Retry-After: {answer}")
            unavailable += 1
            continue
        check(answer.status == 200, f"{player.name}: {answer}")
        check(answer.json["sessionId"] == player.session,
              f"{player.name}: another session {answer} (had {player.session})")
        check(answer.json["status"] == "running", f"{player.name}: not running: {answer}")
    return unavailable


def check_one_session_each(cluster, players):
    """Each player has exactly one session, in the database and in the API, the one it had."""
    for player in players:
        rows = cluster.sql(f"SELECT id || ' ' || status FROM sessions "
                           f"WHERE player_id = '{player.name}'").split("\n")
        check(rows == [f"{player.session} running"], f"{player.name}: sessions {rows}")
        answer = until_ok(lambda: request(cluster.url, "GET", "/api/game/sessions",
                                          token=player.token), f"sessions of {player.name}")
        check(answer.status == 200, f"sessions of {player.name}: {answer}")
        ids = [s["sessionId"] for s in answer.json["sessions"]]
        check(ids == [player.session], f"{player.name}: API lists {ids}")


def make_players(cluster, count, prefix="p"):
    players = [operator_launch(cluster, f"{prefix}{k}") for k in range(count)]
    launch_running(cluster, players)
    return players


# --- journeys -------------------------------------------------------------------------------


def journey_player(cluster):
    """Every player call through the balancer, each request landing on any node."""
    player = operator_launch(cluster, "walker")
    answer = request(cluster.url, "GET", "/api/games", token=player.token)
    check(answer.status == 200, f"games: {answer}")
    answer = request(cluster.url, "POST", "/api/game/launch", token=player.token, body={})
    check(answer.status == 202 and answer.json["status"] == "starting", f"launch: {answer}")
    player.session = answer.json["sessionId"]
    seen = []
    for _ in range(12):  # 4 rounds of the 3 nodes: polls land on every node
        answer = status(cluster, player)
        check(answer.status == 200 and answer.json["sessionId"] == player.session,
              f"poll: {answer}")
        seen.append(answer.json["status"])
        time.sleep(0.1)
    deadline = time.monotonic() + 10
    while seen[-1] != "running":
        check(time.monotonic() < deadline, f"never running: {seen}")
        answer = status(cluster, player)
        check(answer.status == 200, f"poll: {answer}")
        seen.append(answer.json["status"])
    answer = request(cluster.url, "POST", "/api/game/launch", token=player.token, body={})
    check(answer.status == 409, f"second launch while one is active: {answer}")
    for _ in range(3):
        answer = request(cluster.url, "POST", "/api/game/keepalive", token=player.token,
                         body={"sessionId": player.session})
        check(answer.status == 200 and answer.json["status"] == "ok", f"keepalive: {answer}")
    answer = request(cluster.url, "GET", "/api/game/sessions", token=player.token)
    check(answer.status == 200 and [s["sessionId"] for s in answer.json["sessions"]] ==
          [player.session], f"sessions: {answer}")
    answer = request(cluster.url, "POST", "/api/game/stop", token=player.token,
                     body={"sessionId": player.session})
    check(answer.status == 200 and answer.json["status"] == "stopped", f"stop: {answer}")
    for _ in range(3):
        answer = request(cluster.url, "GET", "/api/game/history", token=player.token)
        check(answer.status == 200 and answer.json and
              answer.json[0]["sessionId"] == player.session and
              answer.json[0]["endReason"] == "stopped", f"history: {answer}")
        answer = request(cluster.url, "GET", "/api/game/sessions", token=player.token)
        check(answer.status == 200 and answer.json["sessions"] == [], f"sessions: {answer}")
    answer = request(cluster.url, "POST", "/session/refresh", token=player.token)
    check(answer.status == 200, f"refresh: {answer}")
    fresh = answer.json["sessionToken"]
    for _ in range(3):
        answer = request(cluster.url, "GET", "/api/game/history", token=fresh)
        check(answer.status == 200 and answer.json[0]["sessionId"] == player.session,
              f"history with the refreshed token: {answer}")
    # The same player's calls answered on each node directly: forwarded to the owner.
    for i in range(1, cluster.count + 1):
        answer = request(cluster.node_url(i), "GET", "/api/game/history", token=fresh)
        check(answer.status == 200 and answer.json[0]["sessionId"] == player.session,
              f"history on node-{i}: {answer}")
    log("journey: launch 202, polls 200 until running, 409, keepalive, stop, history, "
        "refresh; on every node")


class Launcher:
    """A thread launching new players through the balancer (operator launch, then player
    launch) until stopped: a small launch storm. Keeps every minted token and every 202, and
    every other answer."""

    def __init__(self, cluster):
        self.cluster = cluster
        self.minted = []  # Players with a token; .session set when the launch answered 202
        self.refused = []  # (what, Answer) of every answer that was neither
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        k = 0
        while not self.stopping.is_set() and k < 200:
            k += 1
            time.sleep(0.02)
            name = f"storm{k}"
            answer = request(self.cluster.url, "POST", "/operator/launch",
                             token=self.cluster.operator_key,
                             body={"playerId": name, "gameSlug": "tlon-uqbar"})
            if answer.status != 200:
                self.refused.append((f"operator launch of {name}", answer))
                continue
            player = Player(name, answer.json["sessionToken"])
            self.minted.append(player)
            answer = request(self.cluster.url, "POST", "/api/game/launch", token=player.token,
                             body={})
            if answer.status == 202:
                player.session = answer.json["sessionId"]
            else:
                self.refused.append((f"launch of {name}", answer))

    def stop(self):
        self.stopping.set()
        self.thread.join()


def check_launch_storm(cluster, launcher):
    """A launch answered anything but 200/202 only with 503 + Retry-After, or HAProxy's 502
    for a request in flight to the killed node (a POST it does not retry). Afterwards every
    minted token answers, every 202's session answers with its id, and no player has more than
    one session."""
    for what, answer in launcher.refused:
        check(answer.status == 502 or (answer.status == 503 and answer.retry_after()),
              f"{what}: {answer}")
    launched = [p for p in launcher.minted if p.session]
    check(len(launched) >= 10, f"only {len(launched)} launches answered 202")
    ended = []
    for player in launcher.minted:
        answer = until_ok(lambda: request(cluster.url, "GET", "/api/game/sessions",
                                          token=player.token), f"sessions of {player.name}")
        check(answer.status == 200, f"token of {player.name}: {answer}")
        ids = [s["sessionId"] for s in answer.json["sessions"]]
        check(len(ids) <= 1, f"{player.name} has sessions {ids}")
        if player.session:
            # A 202 promises a session, not a running one: a start cut short by the kill may
            # have ended in error. It must still answer, as itself.
            answer = status(cluster, player)
            check(answer.status == 200 and answer.json["sessionId"] == player.session,
                  f"{player.name}'s launched session: {answer}")
            if answer.json["status"] in ("stopped", "error"):
                ended.append(f"{answer.json['status']}"
                             f"({answer.json.get('error', {}).get('code', '-')})")
            else:
                check(ids == [player.session], f"{player.name}: 202 for {player.session}, "
                      f"lists {ids}: {answer}")
    twice = cluster.sql("SELECT string_agg(player_id, ' ') FROM (SELECT player_id FROM sessions "
                        "GROUP BY player_id HAVING count(*) > 1) d")
    check(not twice, f"players with more than one session: {twice}")
    log(f"launch storm: {len(launcher.minted)} tokens minted, {len(launched)} launches 202 "
        f"(ended since: {' '.join(ended) or 'none'}), {len(launcher.refused)} refused (502/503); "
        "every token and every 202 answers after")


def journey_kill(cluster):
    """kill -9 of the node owning players while they are polled and new players launch."""
    players = make_players(cluster, 24)
    victim = cluster.owner(players[0].partition)
    check(victim, "no owner for the first player's partition")
    theirs = [p for p in players if cluster.owner(p.partition) == victim]
    log(f"node-{victim} owns {len(theirs)} of {len(players)} players; polling, then kill -9")
    pollers = Pollers(cluster, players)
    launcher = Launcher(cluster)
    time.sleep(1.5)
    killed_at = time.monotonic()
    cluster.signal(victim, "KILL")
    time.sleep(FAILOVER_LIMIT_S + 1)
    launcher.stop()
    answers = pollers.stop()
    check_launch_storm(cluster, launcher)
    unavailable = check_polls(answers)
    # Each player's answers from FAILOVER_LIMIT_S after the kill on: 200 only.
    late = [(t, p, a) for t, p, a in answers if t - killed_at > FAILOVER_LIMIT_S]
    for player in players:
        check(any(p is player for _, p, _ in late), f"{player.name} was not polled late")
    check_polls(late, allow_503=False)
    worst = 0.0
    for player in theirs:
        bad = [t for t, p, a in answers if p is player and a.status != 200 and t >= killed_at]
        if bad:
            worst = max(worst, max(bad) - killed_at)
    log(f"{len(answers)} polls, {unavailable} answered 503 + Retry-After; the dead node's "
        f"players answered 200 again {worst:.1f} s after the kill at the latest")
    for player in players:
        check(cluster.owner(player.partition) not in (None, victim),
              f"{player.name}'s partition is not taken")
    check_one_session_each(cluster, players)
    names = {f"node-{i}" for i in range(1, 4)} - {f"node-{victim}"}
    log(f"GET /cluster: {cluster.wait_membership(names, 10)}")


def journey_term(cluster):
    """SIGTERM of a node while players are polled: only 200, or 503 with Retry-After."""
    players = make_players(cluster, 24)
    victim = cluster.owner(players[0].partition)
    pollers = Pollers(cluster, players)
    time.sleep(1.5)
    started = time.monotonic()
    cluster.signal(victim, "TERM")  # returns once the node has exited
    log(f"node-{victim} left in {time.monotonic() - started:.1f} s")
    time.sleep(3)
    answers = pollers.stop()
    unavailable = check_polls(answers)
    log(f"{len(answers)} polls, {unavailable} answered 503 + Retry-After, none other")
    names = {f"node-{i}" for i in range(1, 4)} - {f"node-{victim}"}
    log(f"GET /cluster: {cluster.wait_membership(names, 5)}")
    check_one_session_each(cluster, players)


def journey_join(cluster):
    """A fourth node joins while players are polled: it takes partitions, nothing fails."""
    players = make_players(cluster, 24)
    pollers = Pollers(cluster, players)
    time.sleep(1.5)
    added = cluster.add_node()
    names = {f"node-{i}" for i in range(1, added + 1)}
    seen = cluster.wait_membership(names, 15)
    time.sleep(3)  # polls reach the new node through the balancer too
    answers = pollers.stop()
    unavailable = check_polls(answers)
    log(f"GET /cluster: {seen}; {len(answers)} polls, {unavailable} answered 503 + "
        "Retry-After, none other")
    moved = [p for p in players if cluster.owner(p.partition) == added]
    log(f"node-{added} owns {len(moved)} of the players")
    check_one_session_each(cluster, players)


def journey_pause(cluster):
    """SIGSTOP a node past its lease, stop its player's session through the others, SIGCONT:
    the resumed node never answers the old state."""
    players = make_players(cluster, 12)
    victim = cluster.owner(players[0].partition)
    player = players[0]
    direct = cluster.node_url(victim)
    path = f"/api/game/session-status?sessionId={player.session}"
    headers = {"Authorization": f"Bearer {player.token}"}
    url = urllib.parse.urlsplit(direct)
    # Open connections on which the node has answered once: their next request, sent while it
    # is stopped, is already in its socket buffers when it runs again, and the first thing its
    # shards handle (their receive is posted), before the I/O core hears of its lost database
    # connection. Only the lease stands between those requests and the old state.
    kept = []
    for _ in range(8):
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = json.loads(response.read())
        check(response.status == 200 and body["status"] == "running", f"before: {body}")
        kept.append(connection)
    cluster.signal(victim, "STOP")
    stopped_at = time.monotonic()
    for connection in kept:
        connection.request("GET", path, headers=headers)
    # Requests on new connections wait in its accept queue.
    queued = []

    def send_queued():
        queued.append(request(direct, "GET", f"/api/game/session-status?sessionId="
                              f"{player.session}", token=player.token, timeout=20))

    waiting = [threading.Thread(target=send_queued) for _ in range(3)]
    for thread in waiting:
        thread.start()
    # The balancer still sends some requests to the stopped node until its health checks fail,
    # and the others forward to it until its partitions move: a client times out and tries
    # again, as a player's page would.
    deadline = time.monotonic() + 20
    while True:
        answer = request(cluster.url, "POST", "/api/game/stop", token=player.token,
                         body={"sessionId": player.session}, timeout=2)
        if answer.status not in (0, 503, 504):
            break
        check(answer.status == 0 or answer.retry_after(), f"stop: no Retry-After: {answer}")
        check(time.monotonic() < deadline, f"stop through the others: {answer} after 20 s")
        time.sleep(0.2)
    check(answer.status == 200 and answer.json["status"] == "stopped", f"stop: {answer}")
    owner = cluster.owner(player.partition)
    check(owner not in (None, victim), f"partition owner after the pause: {owner}")
    log(f"node-{victim} stopped; node-{owner} took the player and stopped the session "
        f"{time.monotonic() - stopped_at:.1f} s after SIGSTOP")
    time.sleep(max(0.0, 8 - (time.monotonic() - stopped_at)))
    cluster.signal(victim, "CONT")
    resumed = time.monotonic()
    answers = []
    while time.monotonic() - resumed < 6:
        answers.append(status(cluster, player, direct))
        time.sleep(0.05)
    for thread in waiting:
        thread.join()
    for connection in kept:
        try:
            response = connection.getresponse()
            queued.append(Answer(response.status,
                                 {k.lower(): v for k, v in response.getheaders()},
                                 response.read().decode()))
        except (OSError, http.client.HTTPException) as error:
            queued.append(Answer(0, {}, f"{type(error).__name__}: {error}"))
        connection.close()
    for answer in queued + answers:
        check(answer.status, f"resumed node did not answer: {answer} ({len(queued)} queued)")
        if answer.status == 503:
            check(answer.retry_after(), f"503 without Retry-After: {answer}")
            continue
        check(answer.status == 200, f"resumed node: {answer}")
        check(answer.json["status"] != "running", f"resumed node answered stale: {answer}")
    fresh = sum(1 for a in answers if a.status == 200)
    log(f"resumed node-{victim}: {len(queued)} queued and {len(answers)} later polls, "
        f"{fresh} answered the new state, the rest 503 + Retry-After, none the old one")
    rows = cluster.sql(f"SELECT status FROM sessions WHERE id = '{player.session}'")
    check(rows == "stopped", f"database: {rows}")
    names = {f"node-{i}" for i in range(1, 4)}
    log(f"GET /cluster: {cluster.wait_membership(names, 15)}")


# --- the docker journey: real engines shared by the nodes ----------------------------------

DOCKER = "/usr/bin/docker"  # Debian's client, matching Debian's engine (as tools/docker-env)
DOCKER_ENV = os.path.join(ROOT, "tools", "docker-env")
GAME = "test-game"
ENGINE_SLOTS = 3  # per engine: 2 engines, 6 slots in all
PLAYERS_PER_NODE = 4  # 12 launches: 6 run, 6 wait in the queue
ORPHAN_GRACE_S = 3  # short, so a container wrongly judged an orphan is removed within the test


class DockerFleet:
    """tools/docker-env with 2 engines, a game image that barely uses the CPU (the test image
    burns 30 % of a core per container; 6 of them would starve the nodes on 2 cores), and the
    catalog, fleet file and save root every node is given."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="ringside-journey-docker.", dir="/tmp")
        self.work = tempfile.mkdtemp(prefix="ringside-journey-work.", dir="/tmp")
        result = subprocess.run([DOCKER_ENV, "up", self.dir, "2"], capture_output=True, text=True)
        check(result.returncode == 0, f"docker-env up: {result.stderr[-2000:]}")
        env = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
        self.engines = env["DOCKER_HOSTS"].split(",")
        check(len(self.engines) == 2, f"want 2 engines: {env}")
        base = env["GAME_IMAGE"]
        self.image = base.rsplit(":", 1)[0] + "-light:1"
        dockerfile = f"FROM {base}\nENV BURN_MS=5\n"
        built = subprocess.run([DOCKER, "-H", self.engines[0], "build", "-q", "-t", self.image,
                                "-"], input=dockerfile, capture_output=True, text=True,
                               env=dict(os.environ, DOCKER_BUILDKIT="0"))
        check(built.returncode == 0, f"docker build: {built.stderr}")
        self.docker(0, "push", "-q", self.image)
        # Every engine pulls the image at its first launch, as a real game server would.
        self.docker(0, "rmi", "-f", self.image, base)
        self.catalog = os.path.join(self.work, "catalog.json")
        with open(self.catalog, "w") as out:
            json.dump({"games": [{"slug": GAME, "title": "Test Game", "image": self.image,
                                  "sizeMb": 2, "cpuCores": 0.1, "memoryMb": 32,
                                  "saveDir": env["GAME_SAVE_DIR"]}]}, out)
        self.fleet = os.path.join(self.work, "fleet.json")
        with open(self.fleet, "w") as out:
            json.dump([{"name": f"docker{e + 1}", "engine": host, "urlBase": "http://127.0.0.1",
                        "cpuMillicores": 2000, "memoryMb": 1024, "slots": ENGINE_SLOTS}
                       for e, host in enumerate(self.engines)], out)
        # One save root for all nodes: a session's save is written by whichever node stops it
        # and read by whichever node starts the next one (shared storage in production).
        self.save_root = os.path.join(self.work, "saves")

    def node_flags(self):
        return ["--backend", "docker", "--docker-fleet", self.fleet, "--catalog", self.catalog,
                "--save-root", self.save_root, "--docker-orphan-grace", str(ORPHAN_GRACE_S),
                "--docker-stop-grace", "2", "--launch-queue-timeout", "300"]

    def docker(self, engine, *args, may_fail=False):
        result = subprocess.run([DOCKER, "-H", self.engines[engine], *args], capture_output=True,
                                text=True)
        check(may_fail or result.returncode == 0, f"docker {' '.join(args)}: {result.stderr}")
        return result.stdout

    def containers(self, engine):
        """Every container with ringside's labels on the engine, whatever its state:
        [{"id", "name", "state", "session", "engine"}]."""
        out = self.docker(engine, "ps", "-a", "--no-trunc", "--filter", "label=ringside.session",
                          "--format", '{{.ID}} {{.Names}} {{.State}} {{.Label "ringside.session"}}')
        found = []
        for line in out.splitlines():
            cid, name, state, session = line.split(" ")
            found.append({"id": cid, "name": name, "state": state, "session": session,
                          "engine": engine})
        return found

    def all_containers(self):
        return [c for e in range(len(self.engines)) for c in self.containers(e)]

    def started_at(self, containers):
        """{container id: when its process started and how often the engine restarted it}."""
        found = {}
        for engine in range(len(self.engines)):
            ids = [c["id"] for c in containers if c["engine"] == engine]
            if ids:
                out = self.docker(engine, "inspect", "--format",
                                  "{{.Id}} {{.State.StartedAt}} {{.RestartCount}}", *ids)
                found.update(line.split(" ", 1) for line in out.splitlines())
        return found

    def describe(self):
        try:
            return "; ".join(f"docker{e + 1}: {self.containers(e)}"
                             for e in range(len(self.engines)))
        except Failed as failure:
            return str(failure)

    def down(self):
        subprocess.run([DOCKER_ENV, "down", self.dir], capture_output=True)
        shutil.rmtree(self.work, ignore_errors=True)


class EngineWatch:
    """Follows every engine's container events (create, destroy of ringside-labelled
    containers) from before the first launch, and samples `docker ps` besides: how many such
    containers each engine held at most, exactly (events are in the engine's order), and which
    containers each session ever had."""

    def __init__(self, fleet):
        self.fleet = fleet
        self.lock = threading.Lock()
        self.live = [set() for _ in fleet.engines]
        self.most = [0 for _ in fleet.engines]
        self.sampled_most = [0 for _ in fleet.engines]
        self.samples = 0
        self.created = {}  # session id -> [(engine, container id)]
        since = str(int(time.time()) - 1)
        self.processes = [subprocess.Popen(
            [DOCKER, "-H", host, "events", "--since", since, "--format", "{{json .}}",
             "--filter", "type=container", "--filter", "label=ringside.session",
             "--filter", "event=create", "--filter", "event=destroy"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            for host in fleet.engines]
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self.follow, args=(e,), daemon=True)
                        for e in range(len(fleet.engines))]
        self.threads.append(threading.Thread(target=self.sample, daemon=True))
        for thread in self.threads:
            thread.start()

    def follow(self, engine):
        for line in self.processes[engine].stdout:
            event = json.loads(line)
            cid = event["Actor"]["ID"]
            with self.lock:
                if event["Action"] == "create":
                    self.live[engine].add(cid)
                    session = event["Actor"]["Attributes"].get("ringside.session", "")
                    self.created.setdefault(session, []).append((engine, cid))
                else:
                    self.live[engine].discard(cid)
                self.most[engine] = max(self.most[engine], len(self.live[engine]))

    def sample(self):
        while not self.stopping.wait(0.2):
            for engine in range(len(self.fleet.engines)):
                count = len(self.fleet.containers(engine))
                with self.lock:
                    self.sampled_most[engine] = max(self.sampled_most[engine], count)
            self.samples += 1

    def check_slots(self, when):
        with self.lock:
            for engine in range(len(self.fleet.engines)):
                check(self.most[engine] <= ENGINE_SLOTS and
                      self.sampled_most[engine] <= ENGINE_SLOTS,
                      f"{when}: docker{engine + 1} held {self.most[engine]} ringside containers "
                      f"at once by its events, {self.sampled_most[engine]} by `docker ps` "
                      f"(slots: {ENGINE_SLOTS})")
            return list(self.most)

    def stop(self):
        self.stopping.set()
        for process in self.processes:
            process.terminate()
        for thread in self.threads:
            thread.join()
        for process in self.processes:
            process.wait()


def spread_players(cluster, per_node):
    """Players whose partitions each node owns `per_node` of (operator launches, a batch at a
    time, until each node has its share), so that every node places launches on the engines."""
    chosen = {i: [] for i in range(1, cluster.count + 1)}
    k = 0
    while any(len(players) < per_node for players in chosen.values()):
        check(k < 300, f"no spread of players over the nodes after {k}: {chosen}")
        batch = [operator_launch(cluster, f"d{k + j}", GAME) for j in range(2 * per_node)]
        k += len(batch)
        owners = cluster.owners({p.partition for p in batch})
        for player in batch:
            owner = owners.get(player.partition)
            if owner in chosen and len(chosen[owner]) < per_node:
                chosen[owner].append(player)
    return [p for players in chosen.values() for p in players]


def launch_at_once(cluster, players):
    """Every player's launch through the balancer, all at the same time: each lands on any node
    and is forwarded to its owner, which places it."""
    answers = {}

    def launch(player):
        answers[player.name] = request(cluster.url, "POST", "/api/game/launch",
                                       token=player.token, body={}, timeout=30)

    threads = [threading.Thread(target=launch, args=(p,)) for p in players]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for player in players:
        answer = answers[player.name]
        check(answer.status == 202, f"launch of {player.name}: {answer}")
        player.session = answer.json["sessionId"]


def docker_states(cluster, players):
    """Each player's session as its status answers it through the balancer: "running",
    "queued" (starting, phase queued), "starting" (pulling, creating), "error:CODE", "stopped",
    or None while 503 + Retry-After. Another session, or any other answer, fails."""
    states = {}
    for player in players:
        answer = status(cluster, player)
        if answer.status == 503:
            check(answer.retry_after(), f"{player.name}: 503 without Retry-After: {answer}")
            states[player.name] = None
            continue
        check(answer.status == 200 and answer.json["sessionId"] == player.session,
              f"{player.name}: {answer} (launched {player.session})")
        state = answer.json["status"]
        if state == "starting" and answer.json.get("phase") == "queued":
            state = "queued"
        elif state == "error":
            state = f"error:{answer.json.get('error', {}).get('code', '')}"
        states[player.name] = state
    return states


ENDED = ("stopped", "error")


def wait_states(cluster, players, want, limit_s, what):
    """Polls until every player's state is one of want[name] (a set), twice in a row 0.5 s
    apart; a session that ended otherwise fails at once. Returns the states."""
    deadline = time.monotonic() + limit_s
    matched = 0
    while True:
        states = docker_states(cluster, players)
        for player in players:
            state = states[player.name]
            check(state in want[player.name] or not state or not state.startswith(ENDED),
                  f"{what}: {player.name}'s session {state}: {states}")
        matched = matched + 1 if all(states[p.name] in want[p.name] for p in players) else 0
        if matched == 2:
            return states
        check(time.monotonic() < deadline, f"{what} after {limit_s} s: {states}")
        time.sleep(0.5)


def wait_full_fleet(cluster, players, limit_s):
    """Polls until as many sessions run as the fleet has slots and the others wait in the
    queue, the same two polls in a row; none may end meanwhile (a launch refused for lack of
    room is queued, never failed). Returns (running players, queued players)."""
    slots = ENGINE_SLOTS * len(cluster.fleet.engines)
    deadline = time.monotonic() + limit_s
    previous = None
    while True:
        states = docker_states(cluster, players)
        check(not any(s and s.startswith(ENDED) for s in states.values()),
              f"a launch of the burst ended: {states}")
        values = list(states.values())
        if (values.count("running") == slots and
                values.count("queued") == len(players) - slots and states == previous):
            running = [p for p in players if states[p.name] == "running"]
            return running, [p for p in players if states[p.name] == "queued"]
        check(time.monotonic() < deadline, f"not {slots} running and the rest queued after "
              f"{limit_s} s: {states}; engines: {cluster.fleet.describe()}")
        previous = states
        time.sleep(0.5)


def check_one_container_each(fleet, players):
    """The engines hold exactly one container per session of `players`, running, labelled with
    it, and no other ringside container. Returns {container id: StartedAt and restarts}."""
    containers = fleet.all_containers()
    sessions = sorted(c["session"] for c in containers)
    check(sessions == sorted(p.session for p in players),
          f"containers of sessions {sessions}, want one for each of "
          f"{sorted(p.session for p in players)}; engines: {fleet.describe()}")
    check(all(c["state"] == "running" for c in containers), f"engines: {fleet.describe()}")
    return fleet.started_at(containers)


def stop_all(cluster, players):
    """Stops every player's session through the balancer, all at once: each stop answers 200
    `stopped` (a container that its owner had not adopted could not be stopped: its stop would
    end in an error, and the container would be left behind)."""
    answers = {}

    def stop(player):
        answers[player.name] = until_ok(
            lambda: request(cluster.url, "POST", "/api/game/stop", token=player.token,
                            body={"sessionId": player.session}, timeout=30),
            f"stop of {player.name}", limit_s=20)

    threads = [threading.Thread(target=stop, args=(p,)) for p in players]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for player in players:
        answer = answers[player.name]
        check(answer.status == 200 and answer.json["status"] == "stopped" and
              "error" not in answer.json, f"stop of {player.name}: {answer}")


def journey_docker(cluster):
    """3 nodes on 2 shared Docker engines of 3 slots each: a launch burst larger than the fleet
    never fills an engine past its slots, the excess waits in the queue; kill -9 of a node whose
    players have containers: they keep running, are adopted, none is duplicated, restarted or
    removed as an orphan; every stop removes its container and the queue then runs."""
    fleet = cluster.fleet
    players = spread_players(cluster, PLAYERS_PER_NODE)
    watch = EngineWatch(fleet)
    try:
        launch_at_once(cluster, players)
        running, queued = wait_full_fleet(cluster, players, 90)
        log(f"{len(players)} launches at once over {cluster.count} nodes: {len(running)} "
            f"running, {len(queued)} queued; most containers an engine held: "
            f"{watch.check_slots('launch burst')} (slots {ENGINE_SLOTS})")
        before = check_one_container_each(fleet, running)

        owners = cluster.owners({p.partition for p in players})
        owners = {p.name: owners.get(p.partition) for p in players}
        # The node owning the most running sessions, one that owns a queued launch too first.
        victim = max(range(1, cluster.count + 1),
                     key=lambda i: (any(owners[p.name] == i for p in queued),
                                    sum(1 for p in running if owners[p.name] == i)))
        theirs = [p for p in running if owners[p.name] == victim]
        check(theirs, f"no node owns a running session: {owners}")
        # A launch still queued on the killed node has no server in its row: the next owner
        # finds no container of it on any engine and queues it again (the fleet is full), so
        # every queued launch stays queued — none ends start_failed (docs/cluster.md).
        want = {p.name: {"running"} for p in running}
        want.update({p.name: {"queued"} for p in queued})
        log(f"node-{victim} owns {len(theirs)} running sessions and "
            f"{sum(1 for p in queued if owners[p.name] == victim)} queued; kill -9")
        killed_at = time.monotonic()
        cluster.signal(victim, "KILL")
        states = wait_states(cluster, players, want, FAILOVER_LIMIT_S + 3, "after the kill")
        log(f"every player answers its session, the running ones running, "
            f"{time.monotonic() - killed_at:.1f} s after the kill")
        now = cluster.owners({p.partition for p in theirs})
        for player in theirs:
            owner = now.get(player.partition)
            check(owner not in (None, victim), f"{player.name}'s partition: owner {owner}")
        check(check_one_container_each(fleet, running) == before,
              f"containers changed across the kill: {before}; now {fleet.describe()}")
        time.sleep(ORPHAN_GRACE_S + 3)
        states = wait_states(cluster, players, want, 5, f"{ORPHAN_GRACE_S + 3} s later")
        check(check_one_container_each(fleet, running) == before,
              f"containers changed past the orphan grace: {before}; now {fleet.describe()}")
        log(f"the same {len(before)} containers, none restarted, past the orphan grace")

        requeued = [p for p in queued if owners[p.name] == victim]
        stop_all(cluster, running)
        left = [c for c in fleet.all_containers() if c["id"] in before]
        check(not left, f"containers left after their sessions stopped: {left}")
        wait_states(cluster, queued, {p.name: {"running"} for p in queued}, 60,
                    "the queued launches after the stops")
        check_one_container_each(fleet, queued)
        log(f"{len(running)} stops removed their containers; the {len(queued)} queued run, "
            f"{len(requeued)} of them queued again by the next owner of the killed node's")
        stop_all(cluster, queued)
        check(not fleet.all_containers(), f"containers left: {fleet.describe()}")
    finally:
        watch.stop()
    most = watch.check_slots("the whole journey")
    for player in running + queued:
        made = watch.created.get(player.session, [])
        check(len(made) == 1, f"{player.name}'s session had containers {made}, want one")
    started = {p.session for p in running + queued}
    check(set(watch.created) == started,
          f"containers of other sessions: {set(watch.created) - started}")
    rows = cluster.sql("SELECT string_agg(status || ' ' || n, ', ' ORDER BY status) FROM "
                       "(SELECT status, count(*) AS n FROM sessions GROUP BY status) s")
    want_rows = f"stopped {len(started)}"  # none ended in error: not even the killed node's
    check(rows == want_rows, f"sessions in the database: {rows}, want {want_rows}")
    log(f"every session had one container in all; the engines held at most {most} "
        f"({watch.samples} `docker ps` samples besides the events); {rows}")

class WebhookReceiver:
    """tests/integration/webhook_receiver.py on a port of its own, up only when started: the
    nodes' --webhook-url points at it from their start."""

    def __init__(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None
        self.dir = tempfile.mkdtemp(prefix="ringside-webhooks.", dir="/tmp")
        self.secret_file = os.path.join(self.dir, "webhook.secret")
        with open(self.secret_file, "w") as secret:
            secret.write("journey-secret\n")

    def node_flags(self):
        return ["--webhook-url", self.url + "/hook", "--webhook-secret-file", self.secret_file]

    def start(self):
        self.process = subprocess.Popen([sys.executable, RECEIVER, str(self.port)])
        deadline = time.monotonic() + 10
        while request(self.url, "GET", "/_count").status != 200:
            check(time.monotonic() < deadline, "the webhook receiver does not answer")
            time.sleep(0.1)

    def stop(self):
        self.process.kill()
        self.process.wait()
        self.process = None

    def received(self):
        """Every POST since its start, in arrival order: (event id, status answered)."""
        answer = request(self.url, "GET", "/_received")
        check(answer.status == 200, f"receiver: {answer}")
        return [(r["eventId"], r["answer"]) for r in answer.json]

    def down(self):
        if self.process:
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def sessions_with_events(cluster, prefix):
    """16 players launched through the balancer, every other one stopped, and the outbox
    holding every event (the receiver is down): the players and the event ids."""
    players = make_players(cluster, 16, prefix)
    expected = {f"{p.session}.running" for p in players}
    for player in players[::2]:
        answer = until_ok(lambda: request(cluster.url, "POST", "/api/game/stop",
                                          token=player.token,
                                          body={"sessionId": player.session}),
                          f"stop of {player.name}")
        check(answer.status == 200, f"stop of {player.name}: {answer}")
        expected.add(f"{player.session}.stopped")
    deadline = time.monotonic() + 10
    while cluster.sql("SELECT count(*) FROM webhook_outbox") != str(len(expected)):
        check(time.monotonic() < deadline,
              f"outbox rows: {cluster.sql('SELECT count(*) FROM webhook_outbox')}, "
              f"want {len(expected)}")
        time.sleep(0.2)
    return players, expected


def check_delivered_once(cluster, players, expected):
    """With the receiver up: within 60 s every expected event answered 204, none twice, a
    stopped session's running before its stopped; then the outbox empties."""
    deadline = time.monotonic() + 60
    while True:
        delivered = {event for event, answer in cluster.receiver.received() if answer == 204}
        if delivered >= expected:
            break
        check(time.monotonic() < deadline,
              f"after 60 s, not delivered: {sorted(expected - delivered)}")
        time.sleep(0.5)
    time.sleep(2)  # an event delivered by two nodes would be by now (all answered at once)
    ok = [event for event, answer in cluster.receiver.received() if answer == 204]
    check(set(ok) == expected, f"unexpected events: {sorted(set(ok) - expected)}")
    twice = sorted({event for event in ok if ok.count(event) > 1})
    check(not twice, f"delivered more than once: {twice}")
    for player in players[::2]:
        check(ok.index(f"{player.session}.running") < ok.index(f"{player.session}.stopped"),
              f"{player.name}: stopped delivered before running")
    deadline = time.monotonic() + 10
    while cluster.sql("SELECT count(*) FROM webhook_outbox") != "0":
        check(time.monotonic() < deadline, "the outbox keeps delivered rows")
        time.sleep(0.2)


def journey_webhooks(cluster):
    """Two nodes, the receiver down. Sessions launched (and half stopped) on both; one node
    killed with -9, the receiver up: the survivor delivers every event — the dead node's too,
    once it took their partitions. Then, the receiver down again, more sessions (all on the
    survivor), the dead node started again, taking half the partitions back with their
    undelivered events, the receiver up: every event once, by the node that serves it, though
    both run (docs/webhooks.md, "Cluster")."""
    names = {"node-1", "node-2"}
    log(f"GET /cluster: {cluster.wait_membership(names, 30)}")
    players, expected = sessions_with_events(cluster, "a")
    owners = {cluster.owner(p.partition) for p in players}
    check(owners == {1, 2}, f"the players' partitions are not on both nodes: {owners}")
    victim = cluster.owner(players[0].partition)
    theirs = [p for p in players if cluster.owner(p.partition) == victim]
    log(f"{len(expected)} events in the outbox; node-{victim} owns {len(theirs)} of "
        f"{len(players)} players: kill -9, then the receiver up")
    cluster.signal(victim, "KILL")
    cluster.receiver.start()
    check_delivered_once(cluster, players, expected)
    log(f"every one of {len(expected)} events delivered once ({len(theirs)} players' by the "
        "survivor for the dead node), in order per session; the outbox is empty")

    cluster.receiver.stop()
    survivor = 3 - victim
    cluster.wait_membership({f"node-{survivor}"}, 30)
    players, expected = sessions_with_events(cluster, "b")
    cluster.env_tool("start-node", cluster.dir, str(victim))
    log(f"{len(expected)} events held by node-{survivor}; node-{victim} started again: "
        f"GET /cluster: {cluster.wait_membership(names, 30)}")
    owners = {cluster.owner(p.partition) for p in players}
    check(owners == {1, 2}, f"the new players' partitions are not on both nodes: {owners}")
    cluster.receiver.start()
    check_delivered_once(cluster, players, expected)
    log(f"every one of {len(expected)} events delivered once with both nodes running, after "
        "half the partitions moved back with theirs")
def listing(base, cluster, query=""):
    if "limit=" not in query:
        query += "&limit=1000"
    answer = request(base, "GET", "/operator/sessions?" + query.lstrip("&"),
                     token=cluster.operator_key, timeout=15.0)
    check(answer.status == 200 and answer.json, f"GET /operator/sessions{query}: {answer}")
    return answer.json


def journey_listing(cluster):
    """GET /operator/sessions on any node lists every node's sessions: the active ones asked of
    the nodes that serve them, the ended ones read from PostgreSQL; a dead node's part is
    missing, and the answer says so, until its partitions are served again."""
    players = make_players(cluster, 12)
    owners = {cluster.owner(p.partition) for p in players}
    check(len(owners) >= 2, f"players on {owners} only: pick more")
    stopped = players[:4]
    for player in stopped:
        answer = request(cluster.url, "POST", "/api/game/stop", token=player.token,
                         body={"sessionId": player.session})
        check(answer.status == 200 and answer.json["status"] == "stopped", f"stop: {answer}")
    running = {p.session: p.name for p in players[4:]}
    ended = {p.session: p.name for p in stopped}
    for i in range(1, cluster.count + 1):
        base = cluster.node_url(i)
        got = listing(base, cluster)
        check("partial" not in got, f"node-{i}: partial answer {got}")
        seen = {s["sessionId"]: (s["playerId"], s["status"]) for s in got["sessions"]}
        want = {sid: (name, "running") for sid, name in running.items()}
        want.update({sid: (name, "stopped") for sid, name in ended.items()})
        check(seen == want, f"node-{i} lists {seen}, want {want}")
        starts = [s["startedAt"] for s in got["sessions"]]
        check(starts == sorted(starts, reverse=True), f"node-{i}: not newest first: {starts}")
        got = listing(base, cluster, "&status=running")
        check({s["sessionId"] for s in got["sessions"]} == set(running),
              f"node-{i} running: {got}")
        got = listing(base, cluster, "&status=stopped")
        check({s["sessionId"] for s in got["sessions"]} == set(ended), f"node-{i} stopped: {got}")
        got = listing(base, cluster, "&limit=3")
        check(len(got["sessions"]) == 3, f"node-{i} limit 3: {got}")
        # A running player of another node, by playerId.
        other = next((p for p in players[4:] if cluster.owner(p.partition) != i), None)
        if other:
            got = listing(base, cluster, f"&playerId={other.name}")
            check([s["sessionId"] for s in got["sessions"]] == [other.session],
                  f"node-{i}, {other.name}: {got}")
    log(f"every node lists the {len(running)} running sessions of nodes {sorted(owners)} and "
        f"the {len(ended)} ended ones")

    victim = cluster.owner(players[4].partition)
    theirs = {p.session for p in players[4:] if cluster.owner(p.partition) == victim}
    survivor = next(i for i in range(1, cluster.count + 1) if i != victim)
    cluster.signal(victim, "KILL")
    started = time.monotonic()
    got = listing(cluster.node_url(survivor), cluster)
    took = time.monotonic() - started
    check(got.get("partial") is True, f"node-{survivor} right after the kill: {got}")
    check(took < 7, f"the partial answer took {took:.1f} s")
    listed = {s["sessionId"] for s in got["sessions"]}
    check(set(ended) <= listed, f"ended sessions missing while node-{victim} is dead: {got}")
    check(not (theirs & listed), f"node-{victim}'s sessions listed while it is dead: {got}")
    log(f"node-{victim} killed: node-{survivor} answered partial in {took:.1f} s")
    deadline = time.monotonic() + FAILOVER_LIMIT_S + 10
    while True:
        got = listing(cluster.node_url(survivor), cluster)
        listed = {s["sessionId"] for s in got["sessions"]}
        if "partial" not in got and listed == set(running) | set(ended):
            break
        check(time.monotonic() < deadline, f"after the takeover node-{survivor} lists {got}")
        time.sleep(0.5)
    log(f"once its partitions were taken, node-{survivor} listed all {len(listed)} again")
def fleet_of(cluster, node):
    """{server name: its item} of GET /operator/servers on one node, asked directly."""
    answer = request(cluster.node_url(node), "GET", "/operator/servers",
                     token=cluster.operator_key)
    check(answer.status == 200, f"node-{node} GET /operator/servers: {answer}")
    return {server["name"]: server for server in answer.json["servers"]}


def fleet_command(cluster, node, server, action, body=None):
    answer = request(cluster.node_url(node), "POST", f"/operator/servers/{server}/{action}",
                     token=cluster.operator_key, body=body)
    check(answer.status == 200 and answer.json["name"] == server,
          f"node-{node} {action} {server}: {answer}")
    return answer


def wait_cordoned(cluster, nodes, server, want, limit_s):
    """Waits until every node of `nodes` shows `server` cordoned (or not): the seconds it took."""
    started = time.monotonic()
    for node in nodes:
        while fleet_of(cluster, node)[server]["cordoned"] != want:
            check(time.monotonic() - started < limit_s,
                  f"node-{node}: {server} not {'cordoned' if want else 'uncordoned'} "
                  f"{limit_s} s after the operator's answer")
            time.sleep(0.1)
    return time.monotonic() - started


def server_of(answer):
    """The simulated server of a session's status (serverUrl https://gs01.sim.ringside.test/)."""
    return urllib.parse.urlsplit(answer.json["serverUrl"]).hostname.split(".")[0]


def journey_cordons(cluster):
    """A cordon or drain sent to one node holds for every node (server_cordons, read each
    round): seen by the others within ~2 s, kept by their placement, and a drain stops their
    sessions on that server too — and those of a node killed during the grace, once the nodes
    that take its partitions over adopt them."""
    nodes = list(range(1, cluster.count + 1))
    asked, other = 1, 2
    fleet_command(cluster, asked, "gs01", "cordon")
    took = wait_cordoned(cluster, nodes, "gs01", True, 2.5)
    log(f"gs01 cordoned via node-{asked}: every node shows it after {took:.1f} s")
    players = [operator_launch(cluster, f"cordoned-{k}") for k in range(12)]
    launch_running(cluster, players)
    owners = {cluster.owner(p.partition) for p in players}
    check(len(owners) > 1, f"the players' partitions are all on node {owners}")
    for player in players:
        where = server_of(until_ok(lambda: status(cluster, player), "status"))
        check(where != "gs01", f"{player.name} (node-{cluster.owner(player.partition)}) was "
              "placed on the cordoned gs01")

    # Uncordoned via another node; then every server but gs01 cordoned, so new sessions all
    # go there.
    fleet_command(cluster, other, "gs01", "uncordon")
    took = wait_cordoned(cluster, nodes, "gs01", False, 2.5)
    log(f"gs01 uncordoned via node-{other}: every node shows it after {took:.1f} s")
    rest = [name for name in fleet_of(cluster, asked) if name != "gs01"]
    for name in rest:
        fleet_command(cluster, asked, name, "cordon")
    for name in rest:
        wait_cordoned(cluster, nodes, name, True, 2.5)
    drained = [operator_launch(cluster, f"drained-{k}") for k in range(12)]
    launch_running(cluster, drained)
    for player in drained:
        where = server_of(until_ok(lambda: status(cluster, player), "status"))
        check(where == "gs01", f"{player.name} placed on {where}, not on gs01")
    elsewhere = [p for p in drained if cluster.owner(p.partition) != asked]
    check(elsewhere, f"no drained player's partition is on a node other than node-{asked}")
    # Drained through the first node with a grace of 3 s, and another node killed at once: its
    # sessions there are stopped by the nodes that take its partitions over (after the
    # deadline, as a failover takes 4-5 s), the others' by their own nodes at the deadline.
    victim = max((n for n in nodes if n != asked),
                 key=lambda n: sum(cluster.owner(p.partition) == n for p in drained))
    theirs = [p for p in drained if cluster.owner(p.partition) == victim]
    check(theirs, f"node-{victim} owns none of the drained players")
    fleet_command(cluster, asked, "gs01", "drain", body={"graceSeconds": 3})
    drained_at = time.monotonic()
    cluster.signal(victim, "KILL")
    deadline = drained_at + 3 + FAILOVER_LIMIT_S + 2
    for player in drained:
        while True:
            answer = until_ok(lambda: status(cluster, player), "status", FAILOVER_LIMIT_S)
            check(answer.status == 200, f"status of {player.name}: {answer}")
            if answer.json["status"] == "stopped":
                break
            check(answer.json["status"] != "running" or time.monotonic() < deadline,
                  f"{player.name} (node-{cluster.owner(player.partition)}) still running "
                  f"{time.monotonic() - drained_at:.1f} s after the drain via node-{asked}")
            time.sleep(0.1)
        answer = until_ok(lambda: request(cluster.url, "GET", f"/api/game/session/{player.session}",
                                          token=player.token), "details")
        check(answer.json.get("endReason") == "server_drained",
              f"{player.name}: endReason {answer.json.get('endReason')}")
    for player in theirs:
        check(cluster.owner(player.partition) not in (None, victim),
              f"{player.name}'s partition was not taken over")
    log(f"drain via node-{asked} stopped all {len(drained)} sessions on gs01 within "
        f"{time.monotonic() - drained_at:.1f} s: {len(elsewhere)} of them other nodes', "
        f"{len(theirs)} adopted from the killed node-{victim}")
    for player in players:
        answer = until_ok(lambda: status(cluster, player), "status")
        check(answer.json["status"] == "running", f"{player.name} off gs01 stopped: {answer}")


JOURNEYS = {"player": journey_player, "kill": journey_kill, "term": journey_term,
            "join": journey_join, "pause": journey_pause, "docker": journey_docker,
            "webhooks": journey_webhooks, "listing": journey_listing,
            "cordons": journey_cordons}
NODES = {"webhooks": 2}  # the others run 3


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in JOURNEYS:
        print(__doc__, file=sys.stderr)
        return 2
    cluster = fleet = receiver = None
    try:
        flags = ["--backend", "sim"]
        if sys.argv[2] == "docker":
            fleet = DockerFleet()
            flags = fleet.node_flags()
        if sys.argv[2] == "webhooks":
            receiver = WebhookReceiver()
            flags += receiver.node_flags()
        cluster = Cluster(sys.argv[1], NODES.get(sys.argv[2], 3), flags, fleet, receiver)
        log(f"up: balancer {cluster.url}")
        JOURNEYS[sys.argv[2]](cluster)
        print("PASS")
        return 0
    except Failed as failure:
        print(f"failed: {failure}", file=sys.stderr)
        if cluster:
            kept = tempfile.mkdtemp(prefix="ringside-journey-logs.", dir="/tmp")
            for name in os.listdir(cluster.dir):
                if name.endswith(".log"):
                    shutil.copy(os.path.join(cluster.dir, name), kept)
            print(f"node and HAProxy logs: {kept}", file=sys.stderr)
        if fleet:
            print(f"engines: {fleet.describe()}", file=sys.stderr)
        print("FAIL")
        return 1
    finally:
        if cluster:
            cluster.down()
        if fleet:
            fleet.down()
        if receiver:
            receiver.down()


if __name__ == "__main__":
    sys.exit(main())
