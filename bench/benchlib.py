"""Shared by the bench scripts: Docker over its Unix socket, the release build, RSS, and a
stack of ecs-local + ecs-agent on loopback whose agent log the scripts read."""
import http.client, json, os, re, signal, socket, subprocess, sys, time

SOCK = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock").removeprefix("unix://")

class UnixHTTP(http.client.HTTPConnection):
    def __init__(self):
        super().__init__("docker")
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(SOCK)

def docker(method, path, body=None, conn=None):
    c = conn or UnixHTTP()
    c.request(method, path, body=json.dumps(body) if body is not None else None, headers={"Content-Type": "application/json", "Host": "docker"})
    r = c.getresponse()
    data = r.read()
    if r.status >= 300 and r.status != 304:
        raise RuntimeError(f"docker {method} {path}: {r.status} {data[:200]}")
    return json.loads(data) if data else None

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

def build(extra=(), products=("ecs-agent", "ecs-local")):
    # As the package ships it (scripts/release-flags says why each flag): the Swift runtime
    # linked statically, -Osize, the code in packaging/code-order.txt's order. `extra`: more
    # `swift build` arguments (bench/code-order's page-aligned build in a scratch directory).
    flags = release_flags() + list(extra)
    for product in products:
        subprocess.run(["swift", "build", "--product", product, *flags], check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    return subprocess.run(["swift", "build", "--show-bin-path", *flags], check=True, capture_output=True, text=True, cwd=ROOT).stdout.strip()

def release_flags():
    return subprocess.run([f"{ROOT}/scripts/release-flags"], check=True, capture_output=True, text=True).stdout.splitlines()

def code_order_coverage(binary):
    """(found, listed): how many of packaging/code-order.txt's symbols the binary defines; a
    low share says the file is stale (bench/code-order makes a new one). None if stripped."""
    listed = [l for l in open(f"{ROOT}/packaging/code-order.txt").read().splitlines() if l and not l.startswith("#")]
    out = subprocess.run(["nm", "--defined-only", binary], capture_output=True, text=True).stdout
    defined = {line.split()[-1] for line in out.splitlines() if line.strip()}
    if not defined:
        return None
    return sum(1 for name in listed if name in defined), len(listed)

def rss_split_kib(pid):
    """VmRSS and its parts: RssAnon (heap, stacks, relocated data: the process's own) and
    RssFile (mapped pages of the binary and libraries: clean, shared with the page cache, and
    how many of them are resident depends on the kernel's read-ahead and fault-around)."""
    out = {"VmRSS": 0, "RssAnon": 0, "RssFile": 0}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key = line.split(":")[0]
            if key in out:
                out[key] = int(line.split()[1])
    return out

class Stack:
    def __init__(self, bin_dir, work, extra_env=None, name="bench"):
        self.started = time.time()
        self.work = work
        self.name = name
        keys = {"ECS_LOCAL_ACCESS_KEY_ID": "AKIABENCH", "ECS_LOCAL_SECRET_ACCESS_KEY": "bench-secret"}
        self.local = subprocess.Popen([f"{bin_dir}/ecs-local", "serve", "--listen", "127.0.0.1:0", "--data-dir", f"{work}/local", "--log-level", "warning"],
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, **keys})
        deadline = time.time() + 30
        self.url = None
        while time.time() < deadline and not self.url:
            line = self.local.stdout.readline()
            if "ecs-local listening on " in line:
                self.url = line.split("ecs-local listening on ")[1].strip()
        if not self.url:
            sys.exit(f"{self.name}: ecs-local did not start")
        self.env = {**os.environ, "AWS_ACCESS_KEY_ID": "AKIABENCH", "AWS_SECRET_ACCESS_KEY": "bench-secret", "AWS_DEFAULT_REGION": "us-west-2"}
        config = f"{work}/ecs.config"
        open(config, "w").close()
        self.log_path = f"{work}/agent.log"
        agent_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": work, "AWS_ACCESS_KEY_ID": "AKIABENCH",
                     "AWS_SECRET_ACCESS_KEY": "bench-secret", "AWS_DEFAULT_REGION": "us-west-2", "ECS_BACKEND_HOST": self.url,
                     "ECS_EXTERNAL": "true", "ECS_INTROSPECTION_LISTEN_ADDRESS": "127.0.0.1:0", "ECS_TASK_METADATA_LISTEN_ADDRESS": "127.0.0.1:0", "ECS_AUDIT_LOGFILE_DISABLED": "true", "ECS_HOST_NETWORK_RULES": "false", "ECS_DATADIR": f"{work}/agent", "ECS_LOGLEVEL": "info", "ECS_IMAGE_PULL_BEHAVIOR": "prefer-cached",
                     "ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION": "1s", "ECS_CONTAINER_STOP_TIMEOUT": "1s",
                     "DOCKER_HOST": "unix://" + SOCK, **(extra_env or {})}
        self.agent = subprocess.Popen([f"{bin_dir}/ecs-agent", "run", "--file", config, "--log", "stderr"], env=agent_env,
                                      stdout=open(self.log_path, "w"), stderr=subprocess.STDOUT)
        self.wait_log("ACS connected", 1)

    def log(self):
        with open(self.log_path) as f:
            return f.read()

    def wait_log(self, text, count, timeout=120):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.log().count(text) >= count:
                return
            time.sleep(0.02)
        sys.exit(f"{self.name}: timed out waiting for {count}× '{text}'\n" + self.log()[-3000:])

    def listening_port(self, listener):
        return listening_port(self.log(), listener)

    def api(self):
        # An in-process ECS client for the calls a bench times: RunTask through the aws CLI
        # starts a Python process whose start-up and exit compete with dockerd for the cores
        # while the launch it asked for runs (the raw baseline has no such neighbour).
        if getattr(self, "_api", None) is None:
            import botocore.session
            self._api = botocore.session.get_session().create_client(
                "ecs", endpoint_url=self.url, region_name=self.env["AWS_DEFAULT_REGION"],
                aws_access_key_id=self.env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=self.env["AWS_SECRET_ACCESS_KEY"])
        return self._api

    def ecs(self, *args):
        out = subprocess.run(["aws", "--endpoint-url", self.url, "ecs", *args], env=self.env, check=True, capture_output=True, text=True).stdout
        return json.loads(out) if out.strip() else {}

    def launches(self):
        return [(float(a), float(b)) for a, b in re.findall(r"agentMs=([0-9.]+) .*?launchMs=([0-9.]+)", self.log())] or \
               [(float(b), float(a)) for a, b in re.findall(r"launchMs=([0-9.]+) .*?agentMs=([0-9.]+)", self.log())]

    def stop(self):
        self.agent.send_signal(signal.SIGTERM)
        self.agent.wait(timeout=30)
        self.local.send_signal(signal.SIGTERM)
        self.local.wait(timeout=30)


def listening_port(log, listener):
    """The port an agent listener bound, from its "endpoint listening" log line."""
    for line in log.splitlines():
        if "endpoint listening" in line and f"listener={listener}" in line:
            m = re.search(r"address=\S*:(\d+)", line)
            if m:
                return int(m.group(1))
    return None

def ensure_tool(name, package):
    """Installs a Debian package for a tool the bench drives (wrk), once."""
    if subprocess.run(["sh", "-c", f"command -v {name}"], capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "install", "-y", "-qq", package], check=True, stdout=subprocess.DEVNULL,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})

def task_container(family):
    """The Docker container of the (single) running task of a family."""
    found = docker("GET", "/containers/json?filters=" + json.dumps({"label": [f"com.amazonaws.ecs.task-definition-family={family}"]}).replace(" ", ""))
    return found[0] if found else None

def container_env(container_id):
    return dict(e.split("=", 1) for e in docker("GET", f"/containers/{container_id}/json")["Config"]["Env"] if "=" in e)

def remove_family_containers(family):
    for c in docker("GET", "/containers/json?all=1&filters=" + json.dumps({"label": [f"com.amazonaws.ecs.task-definition-family={family}"]}).replace(" ", "")):
        docker("DELETE", f"/containers/{c['Id']}?force=1&v=1")

def remove_task_cgroups(since):
    # The agent removes a task's cgroup at cleanup, which a bench never waits for: the empty
    # /ecs/<task> directories its tasks left (on every cgroup v1 controller, or the unified tree)
    # made since `since` go once their containers are gone.
    import glob
    for d in glob.glob("/sys/fs/cgroup/*/ecs/*") + glob.glob("/sys/fs/cgroup/ecs/*"):
        try:
            if os.path.isdir(d) and os.stat(d).st_mtime >= since - 1:
                os.rmdir(d)
        except OSError:
            pass

