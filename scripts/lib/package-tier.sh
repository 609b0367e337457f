# Shared by the package-tier scripts (scripts/package-test, scripts/systemd-driver-test):
# boot the systemd image, run ecs-local on loopback, point the installed agent at it.
# The caller sets NAME, LABEL, CLUSTER and work, and defines step and fail.

inside() { docker exec -i "$NAME" "$@"; }

# boot_systemd IMAGE [docker run options...]: systemd as PID 1 in a container in the host's
# cgroup namespace; returns once systemd says running (or degraded).
boot_systemd() {
  local image=$1 state=""
  shift
  docker run -d --name "$NAME" --label "$LABEL" --stop-signal SIGRTMIN+3 \
    --security-opt seccomp=unconfined --security-opt apparmor=unconfined --security-opt systempaths=unconfined \
    --cgroupns=host -v /sys/fs/cgroup:/sys/fs/cgroup:rw --tmpfs /run --tmpfs /run/lock --tmpfs /tmp \
    "$@" "$image" >/dev/null
  for _ in $(seq 120); do
    state=$(inside systemctl is-system-running 2>/dev/null || true)
    case $state in running|degraded) break ;; esac
    sleep 0.5
  done
  echo "systemd: ${state:-no answer}" >&2
  [ "$state" = running ] || [ "$state" = degraded ] || fail "systemd did not boot (is-system-running: ${state:-nothing})"
}

# start_ecs_local [ADDRESS]: the debug ecs-local on a port of ADDRESS (default loopback); sets
# url and local_pid, and creates $CLUSTER.
start_ecs_local() {
  local bin address=${1:-127.0.0.1}
  bin=$(swift build --show-bin-path)/ecs-local
  [ -x "$bin" ] || fail "no ecs-local build at $bin"
  "$bin" serve --listen "$address:0" --data-dir "$work/local" >"$work/local.log" 2>&1 &
  local_pid=$!
  for _ in $(seq 100); do grep -q "listening on" "$work/local.log" && break; sleep 0.1; done
  url=$(sed -n 's/.*ecs-local listening on //p' "$work/local.log" | sed -n 1p)
  [ -n "$url" ] || { cat "$work/local.log" >&2; fail "ecs-local did not start"; }
  export AWS_ACCESS_KEY_ID=AKIAECSLOCALDEVELOPER AWS_SECRET_ACCESS_KEY=ecs-local-development-secret-key AWS_DEFAULT_REGION=us-west-2
  ecs create-cluster --cluster-name "$CLUSTER" >/dev/null
}
ecs() { aws --endpoint-url "$url" ecs "$@"; }

# task_reasons ARN: the task's and its containers' stopped reasons, for a failure message.
task_reasons() {
  ecs describe-tasks --cluster "$CLUSTER" --tasks "$1" --output json 2>/dev/null \
    | jq -c '.tasks[0] | {stoppedReason, containers: [.containers[] | {name, reason, exitCode}]}' 2>/dev/null || true
}

# configure_agent [extra ecs.config lines...]: the installed agent's /etc/ecs/ecs.config for
# ecs-local, then check-config.
configure_agent() {
  {
    cat <<CONF
ECS_CLUSTER=$CLUSTER
ECS_BACKEND_HOST=$url
AWS_DEFAULT_REGION=us-west-2
# No instance metadata here (never 169.254.169.254): static credentials for ecs-local.
ECS_EXTERNAL=true
AWS_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID
AWS_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY
ECS_IMAGE_PULL_BEHAVIOR=prefer-cached
ECS_LOGLEVEL=debug
CONF
    printf '%s\n' "$@"
  } | inside sh -c "cat >>/etc/ecs/ecs.config"
  inside ecs-agent check-config --quiet >&2 || fail "check-config rejects the configuration"
}
