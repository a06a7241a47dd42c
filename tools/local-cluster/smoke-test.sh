#!/usr/bin/env bash
# End-to-end check of cluster.sh: two clusters side by side, a Deployment that becomes Ready,
# a pod's logs, the cluster.json token against the API, an apiserver restart mid-rollout,
# stop --purge.
# Uses its own state directory and ports (default 21000 and 21100), so it does not touch
# the developer's `default` cluster. Builds first if needed (cached).
#
#   tools/local-cluster/smoke-test.sh [--port-base N]
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CLUSTER="$HERE/cluster.sh"
BASE=21000
[[ ${1:-} == --port-base ]] && BASE=$2
export SHIPYARD_CLUSTER_STATE
SHIPYARD_CLUSTER_STATE="$(mktemp -d "${TMPDIR:-/tmp}/shipyard-smoke.XXXXXX")"
A=smoke-a B=smoke-b
passed=0 failed=0

cleanup() {
  "$CLUSTER" stop "$A" --purge >/dev/null 2>&1 || true
  "$CLUSTER" stop "$B" --purge >/dev/null 2>&1 || true
  rm -rf "$SHIPYARD_CLUSTER_STATE"
}
trap cleanup EXIT

check() { # description cmd...
  local desc=$1
  shift
  if "$@"; then
    echo "ok   - $desc"
    passed=$((passed + 1))
  else
    echo "FAIL - $desc"
    failed=$((failed + 1))
  fi
}

kc() { "$CLUSTER" kubectl "$1" -- "${@:2}"; }

"$CLUSTER" build

t0=$SECONDS
check "start $A" "$CLUSTER" start "$A" --port-base "$BASE"
echo "     ($A started in $((SECONDS - t0))s)"
t0=$SECONDS
check "start $B in parallel on other ports" "$CLUSTER" start "$B" --port-base "$((BASE + 100))"
echo "     ($B started in $((SECONDS - t0))s)"
check "start $A again is a no-op" "$CLUSTER" start "$A"
check "status $A" "$CLUSTER" status "$A"

nodes_ready() { [[ "$(kc "$1" get nodes --no-headers | awk '$2 == "Ready"' | wc -l)" -ge 2 ]]; }
check "kwok nodes Ready in $A" nodes_ready "$A"
check "kwok nodes Ready in $B" nodes_ready "$B"

deploy() {
  kc "$1" create deployment nginx --image=nginx --replicas=2 -n shipyard-dev >/dev/null &&
    kc "$1" rollout status deployment/nginx -n shipyard-dev --timeout=120s >/dev/null
}
pods_ready() {
  [[ "$(kc "$1" get pods -n shipyard-dev -l app=nginx \
    -o 'jsonpath={range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c True)" -eq "$2" ]]
}
check "Deployment rolls out in $A" deploy "$A"
check "2 pods Ready in $A" pods_ready "$A" 2
# ClusterLogs (cluster.sh): kwok serves kwok-pod-log.txt as every container's log
pod_logs() { kc "$1" logs -n shipyard-dev deployment/nginx --tail=5 2>/dev/null | grep -q 'listening on :8080'; }
check "a pod's logs in $A through the apiserver" pod_logs "$A"
check "Deployment rolls out in $B" deploy "$B"

token_works() {
  local json="$SHIPYARD_CLUSTER_STATE/$1/cluster.json" url ca token
  url="$(sed -n 's/.*"url": "\(.*\)".*/\1/p' "$json")"
  token="$(sed -n 's/.*"token": "\(.*\)".*/\1/p' "$json")"
  ca="$(mktemp)"
  sed -n 's/.*"caData": "\(.*\)".*/\1/p' "$json" | base64 -d >"$ca"
  curl -fsS --cacert "$ca" -H "Authorization: Bearer $token" "$url/api/v1/namespaces" | grep -q '"shipyard-prod"'
  local rc=$?
  rm -f "$ca"
  return $rc
}
check "cluster.json url+caData+token lists namespaces in $A" token_works "$A"

apiserver_down() { ! kc "$A" get ns >/dev/null 2>&1; }
kc "$A" set image deployment/nginx nginx=nginx:1.27 -n shipyard-dev >/dev/null
check "stop-apiserver $A" "$CLUSTER" stop-apiserver "$A"
check "API of $A refuses while stopped" apiserver_down
check "$B unaffected" nodes_ready "$B"
sleep 5
t0=$SECONDS
check "start-apiserver $A" "$CLUSTER" start-apiserver "$A"
echo "     (apiserver back in $((SECONDS - t0))s)"
rollout() { kc "$1" rollout status deployment/nginx -n shipyard-dev --timeout=180s >/dev/null; }
check "rollout interrupted by the restart completes" rollout "$A"
check "2 pods Ready after the restart" pods_ready "$A" 2

check "stop $B" "$CLUSTER" stop "$B"
stopped() { ! "$CLUSTER" status "$1" >/dev/null 2>&1; }
check "$B reported stopped" stopped "$B"
check "stop --purge $A" "$CLUSTER" stop "$A" --purge
check "state of $A removed" test ! -e "$SHIPYARD_CLUSTER_STATE/$A"

echo "$passed passed, $failed failed"
((failed == 0))
