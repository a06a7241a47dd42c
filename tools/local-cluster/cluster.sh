#!/usr/bin/env bash
# Shipyard local Kubernetes control plane.
#
# Builds kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, etcd and kwok from
# the Go module proxy (wrapper modules under ./go) and runs them on 127.0.0.1, without Docker.
# kwok simulates nodes so that pods of ordinary Deployments become Ready.
#
#   cluster.sh build [--force]                 build (cached) all binaries
#   cluster.sh build-helm [--force]            build helm (benchmarks only)
#   cluster.sh start [name] [--port-base N]    start (or reuse) cluster <name> (default: default)
#   cluster.sh stop [name] [--purge]           stop it (--purge also deletes its state)
#   cluster.sh stop-apiserver [name]           stop only kube-apiserver
#   cluster.sh start-apiserver [name]          (re)start only kube-apiserver, wait for /readyz
#   cluster.sh restart-kwok [name]             restart only kwok (picks up a changed kwok config)
#   cluster.sh status [name]                   show components; exit 0 when healthy
#   cluster.sh env [name]                      print export lines (KUBECONFIG, ...)
#   cluster.sh kubectl [name] -- args...       run kubectl against the cluster
#   cluster.sh list                            list clusters with state
#
# Environment: SHIPYARD_CACHE (default ~/.cache/shipyard), SHIPYARD_CLUSTER_STATE (default
# $SHIPYARD_CACHE/local-cluster/state), SHIPYARD_BUILD_JOBS (go build -p, default 2).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
GO_DIR="$HERE/go"
CACHE_ROOT="${SHIPYARD_CACHE:-${HOME:?set HOME or SHIPYARD_CACHE}/.cache/shipyard}"
LC_CACHE="$CACHE_ROOT/local-cluster"
BIN_DIR="$LC_CACHE/bin"
STATE_ROOT="${SHIPYARD_CLUSTER_STATE:-$LC_CACHE/state}"
DEFAULT_PORT_BASE=6443
BUILD_SCHEMA=1 # bump when build flags change, so cached binaries are rebuilt
COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)
NODE_COUNT=3
# Pods per kwok node: the scale benchmark runs 2,000 one-replica Deployments
# (npm run bench -- scale), far beyond a kubelet's default of 110.
NODE_PODS=1000

log() { printf '[local-cluster] %s\n' "$*" >&2; }
die() {
  printf '[local-cluster] error: %s\n' "$*" >&2
  exit 1
}

# ---------------------------------------------------------------------------------------------
# versions (single source of truth: the wrapper go.mod files)

modver() { # go.mod module -> version
  awk -v m="$2" '$1 == m || ($1 == "require" && $2 == m) {
    for (i = 1; i <= NF; i++) if ($i ~ /^v[0-9]/) { print $i; exit } }' "$1"
}
K8S_VERSION="$(modver "$GO_DIR/kubernetes/go.mod" k8s.io/kubernetes)"
ETCD_VERSION="$(modver "$GO_DIR/etcd/go.mod" go.etcd.io/etcd/server/v3)"
KWOK_VERSION="$(modver "$GO_DIR/kwok/go.mod" sigs.k8s.io/kwok)"
HELM_VERSION="$(modver "$GO_DIR/helm/go.mod" helm.sh/helm/v3 2>/dev/null || true)"

# ---------------------------------------------------------------------------------------------
# build

go_env() {
  command -v go >/dev/null || die "go is not on PATH (Go >= 1.26 needed to build)"
  export GOMODCACHE="$LC_CACHE/gomod" GOCACHE="$LC_CACHE/gocache"
  export GOFLAGS="-modcacherw -mod=readonly -buildvcs=false" CGO_ENABLED=0 GOWORK=off
  export GOMAXPROCS="${GOMAXPROCS:-2}"
  mkdir -p "$GOMODCACHE" "$GOCACHE" "$BIN_DIR"
}

fingerprint() { # module-dir version -> string identifying what would be built
  local dir=$1 version=$2
  printf 'schema=%s version=%s go=%s goos=%s goarch=%s mod=%s\n' "$BUILD_SCHEMA" "$version" \
    "$(go env GOVERSION)" "$(go env GOOS)" "$(go env GOARCH)" \
    "$(cat "$dir/go.mod" "$dir/go.sum" | sha256sum | cut -c1-16)"
}

# run a long command, printing a heartbeat line every 60s so CI logs don't look stuck
run_with_heartbeat() { # label logfile cmd...
  local label=$1 logf=$2 start=$SECONDS rc=0
  shift 2
  "$@" >"$logf" 2>&1 &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    for _ in $(seq 60); do
      sleep 1
      kill -0 "$pid" 2>/dev/null || break
    done
    kill -0 "$pid" 2>/dev/null && log "    ... $label still running ($((SECONDS - start))s)"
  done
  wait "$pid" || rc=$?
  if ((rc != 0)); then
    tail -n 40 "$logf" >&2
    die "$label failed (exit $rc); full log: $logf"
  fi
}

build_module() { # name module-dir version "binaries" ldflags pkgs...
  local name=$1 dir=$2 version=$3 bins=$4 ldflags=$5
  shift 5
  local stamp="$BIN_DIR/.stamp-$name" want have b missing=0
  want="$(fingerprint "$dir" "$version")"
  have="$(cat "$stamp" 2>/dev/null || true)"
  for b in $bins; do [[ -x "$BIN_DIR/$b" ]] || missing=1; done
  if [[ $FORCE == 0 && $missing == 0 && "$want" == "$have" ]]; then
    log "==> $name $version: up to date ($bins)"
    return 0
  fi
  local t0=$SECONDS tmp logf="$LC_CACHE/build-$name.log"
  rm -rf "$LC_CACHE/.build-$name".* # leftovers of an interrupted build (we hold the lock)
  tmp="$(mktemp -d "$LC_CACHE/.build-$name.XXXXXX")"
  log "==> $name $version: downloading modules"
  (cd "$dir" && run_with_heartbeat "go mod download ($name)" "$logf" go mod download)
  log "    modules ready ($((SECONDS - t0))s)"
  log "==> $name $version: building $bins (go build -p $JOBS)"
  local out="$tmp/"
  # a single package is written under its binary name (go would call etcd "server")
  (($# == 1)) && out="$tmp/$bins"
  (cd "$dir" && run_with_heartbeat "go build ($name)" "$logf" \
    go build -p "$JOBS" -trimpath -ldflags "$ldflags" -o "$out" "$@")
  for b in $bins; do
    [[ -x "$tmp/$b" ]] || die "go build ($name) did not produce $b (log: $logf)"
    mv -f "$tmp/$b" "$BIN_DIR/$b"
  done
  rm -rf "$tmp"
  printf '%s\n' "$want" >"$stamp"
  log "    $name done: $bins in $((SECONDS - t0))s"
}

k8s_ldflags() {
  local v=${K8S_VERSION#v} date p flags="-s -w"
  local major=${v%%.*} rest=${v#*.}
  local minor=${rest%%.*}
  date="$(cd "$GO_DIR/kubernetes" && go list -m -f '{{if .Time}}{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}{{end}}' k8s.io/kubernetes 2>/dev/null || true)"
  [[ -n $date ]] || date=1970-01-01T00:00:00Z
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    flags+=" -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=$major -X $p.gitMinor=$minor"
    flags+=" -X $p.gitCommit= -X $p.gitTreeState=clean -X $p.buildDate=$date"
  done
  printf '%s' "$flags"
}

build_lock() {
  mkdir -p "$LC_CACHE"
  exec 8>"$LC_CACHE/.build.lock"
  flock -w 3600 8 || die "another build holds $LC_CACHE/.build.lock"
}

cmd_build() {
  FORCE=0
  for a in "$@"; do
    case $a in
    --force) FORCE=1 ;;
    *) die "build: unknown argument $a" ;;
    esac
  done
  JOBS="${SHIPYARD_BUILD_JOBS:-2}"
  go_env
  build_lock
  local t0=$SECONDS
  log "building into $BIN_DIR (kubernetes $K8S_VERSION, etcd $ETCD_VERSION, kwok $KWOK_VERSION, $(go env GOVERSION))"
  build_module etcd "$GO_DIR/etcd" "$ETCD_VERSION" "etcd" \
    "-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=$ETCD_VERSION" go.etcd.io/etcd/server/v3
  build_module kwok "$GO_DIR/kwok" "$KWOK_VERSION" "kwok" "-s -w" sigs.k8s.io/kwok/cmd/kwok
  build_module kubernetes "$GO_DIR/kubernetes" "$K8S_VERSION" \
    "kube-apiserver kube-controller-manager kube-scheduler kubectl" "$(k8s_ldflags)" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl
  {
    echo "kubernetes=$K8S_VERSION"
    echo "etcd=$ETCD_VERSION"
    echo "kwok=$KWOK_VERSION"
  } >"$BIN_DIR/VERSIONS"
  log "build complete in $((SECONDS - t0))s: $BIN_DIR"
}

cmd_build_helm() {
  FORCE=0
  for a in "$@"; do
    case $a in
    --force) FORCE=1 ;;
    *) die "build-helm: unknown argument $a" ;;
    esac
  done
  [[ -n $HELM_VERSION ]] || die "no helm wrapper module at $GO_DIR/helm"
  JOBS="${SHIPYARD_BUILD_JOBS:-2}"
  go_env
  build_lock
  local v=$HELM_VERSION kv
  kv="$(modver "$GO_DIR/helm/go.mod" k8s.io/client-go)"
  build_module helm "$GO_DIR/helm" "$HELM_VERSION" "helm" \
    "-s -w -X helm.sh/helm/v3/internal/version.version=$v -X helm.sh/helm/v3/internal/version.gitTreeState=clean -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$(echo "$kv" | cut -d. -f2) -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$(echo "$kv" | cut -d. -f2)" \
    helm.sh/helm/v3/cmd/helm
  echo "helm=$HELM_VERSION" >"$BIN_DIR/VERSIONS-helm"
}

binaries_present() {
  local b
  for b in etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok; do
    [[ -x "$BIN_DIR/$b" ]] || return 1
  done
}

build_up_to_date() { # without taking the build lock (a helm build may hold it)
  binaries_present || return 1
  local m
  for m in etcd:$ETCD_VERSION kwok:$KWOK_VERSION kubernetes:$K8S_VERSION; do
    [[ "$(fingerprint "$GO_DIR/${m%%:*}" "${m#*:}")" == "$(cat "$BIN_DIR/.stamp-${m%%:*}" 2>/dev/null)" ]] || return 1
  done
}

ensure_built() {
  if command -v go >/dev/null; then
    build_up_to_date && return 0
    cmd_build
  elif ! binaries_present; then
    die "binaries missing in $BIN_DIR and no go toolchain to build them"
  fi
}

# ---------------------------------------------------------------------------------------------
# cluster state

NAME=default
PORT_BASE=""
PURGE=0
REST=()

parse_cluster_args() {
  local seen_name=0
  while (($#)); do
    case $1 in
    --port-base)
      [[ $# -ge 2 ]] || die "--port-base needs a value"
      PORT_BASE=$2
      shift 2
      ;;
    --port-base=*)
      PORT_BASE=${1#*=}
      shift
      ;;
    --purge)
      PURGE=1
      shift
      ;;
    --)
      shift
      REST=("$@")
      break
      ;;
    -*) die "unknown option $1" ;;
    *)
      ((seen_name == 0)) || die "unexpected argument $1"
      NAME=$1
      seen_name=1
      shift
      ;;
    esac
  done
  [[ $NAME =~ ^[a-z0-9]([a-z0-9-]{0,40}[a-z0-9])?$ ]] || die "invalid cluster name '$NAME' (lowercase letters, digits, '-')"
  if [[ -n $PORT_BASE ]]; then
    [[ $PORT_BASE =~ ^[0-9]+$ ]] && ((PORT_BASE >= 1024 && PORT_BASE <= 65500)) || die "invalid --port-base $PORT_BASE"
  fi
  S="$STATE_ROOT/$NAME"
  PKI="$S/pki"
}

load_ports() {
  local stored=""
  [[ -f "$S/ports.env" ]] && stored="$(sed -n 's/^PORT_BASE=//p' "$S/ports.env")"
  if [[ -z $PORT_BASE ]]; then
    PORT_BASE=${stored:-$DEFAULT_PORT_BASE}
  fi
  API_PORT=$PORT_BASE
  ETCD_PORT=$((PORT_BASE + 1))
  ETCD_PEER_PORT=$((PORT_BASE + 2))
  KCM_PORT=$((PORT_BASE + 3))
  SCHED_PORT=$((PORT_BASE + 4))
  KWOK_PORT=$((PORT_BASE + 5))
  URL="https://127.0.0.1:$API_PORT"
}

save_ports() {
  mkdir -p "$S"
  printf 'PORT_BASE=%s\n' "$PORT_BASE" >"$S/ports.env"
}

pidfile() { printf '%s/pids/%s.pid' "$S" "$1"; }

comp_pid() { # prints the pid if the component is running (and really is this cluster's)
  local f pid
  f="$(pidfile "$1")"
  [[ -s $f ]] || return 1
  pid="$(<"$f")"
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$S/" || return 1
  printf '%s' "$pid"
}

port_busy() { (: >"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

spawn() { # component port binary args...
  local comp=$1 port=$2
  shift 2
  local f logf="$S/logs/$comp.log"
  f="$(pidfile "$comp")"
  if port_busy "$port"; then
    die "port 127.0.0.1:$port (for $comp) is already in use; stop whatever holds it or use --port-base"
  fi
  mkdir -p "$S/logs" "$S/pids"
  rm -f "$f"
  # keep one previous log once a log passes 50 MB
  if [[ -f $logf ]] && (($(stat -c %s "$logf") > 50 * 1024 * 1024)); then mv -f "$logf" "$logf.1"; fi
  printf '=== %s starting %s\n' "$(date -u +%FT%TZ)" "$comp" >>"$logf"
  # new session (own process group) so it outlives this script and can be stopped as a group;
  # the inner shell writes its own pid, then execs the component under that same pid.
  # fds 8/9 (our lock files) are closed so the daemons don't hold the locks.
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$f" "$@" >>"$logf" 2>&1 </dev/null 8>&- 9>&- &
  local i
  for i in $(seq 100); do
    [[ -s $f ]] && break
    sleep 0.05
  done
  log "started $comp (pid $(cat "$f" 2>/dev/null || echo '?'), log $logf)"
}

# stop_comps comp... : SIGTERM to each (its whole process group), wait for all, SIGKILL stragglers
stop_comps() {
  local comp pid i grace=10 pids=() names=()
  for comp in "$@"; do
    if pid="$(comp_pid "$comp")"; then
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
      names+=("$comp")
    fi
    rm -f "$(pidfile "$comp")"
    # kube-apiserver closes its port at once on SIGTERM but its process can linger ~60s
    # draining watches: give it a short grace, it has nothing left to save by then.
    [[ $comp == kube-apiserver ]] && grace=5
  done
  ((${#pids[@]})) || return 0
  for ((i = 0; i < grace * 10; i++)); do
    local alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  for i in "${!pids[@]}"; do
    pid=${pids[i]}
    if kill -0 "$pid" 2>/dev/null; then
      log "${names[i]} (pid $pid) still running ${grace}s after SIGTERM; sending SIGKILL"
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
    log "stopped ${names[i]} (pid $pid)"
  done
}

wait_for() { # description timeout-seconds component-log cmd...
  local desc=$1 timeout=$2 comp=$3 t0=$SECONDS
  shift 3
  until "$@" >/dev/null 2>&1; do
    if [[ $comp != - ]] && ! comp_pid "$comp" >/dev/null; then
      tail -n 30 "$S/logs/$comp.log" >&2 || true
      die "$comp exited while waiting for $desc (log: $S/logs/$comp.log)"
    fi
    if ((SECONDS - t0 >= timeout)); then
      [[ $comp != - ]] && { tail -n 30 "$S/logs/$comp.log" >&2 || true; }
      die "timed out after ${timeout}s waiting for $desc"
    fi
    sleep 0.25
  done
}

# ---------------------------------------------------------------------------------------------
# certificates and kubeconfigs

gen_key() { openssl genrsa -out "$1" 2048 2>/dev/null; }

sign_cert() { # ca name subject ext-lines
  local ca=$1 name=$2 subj=$3 ext=$4
  gen_key "$PKI/$name.key"
  openssl req -new -key "$PKI/$name.key" -subj "$subj" -out "$PKI/$name.csr" 2>/dev/null
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/$ca.crt" -CAkey "$PKI/$ca.key" \
    -set_serial "0x$(openssl rand -hex 16)" -days 3650 -sha256 \
    -extfile <(printf '%b' "$ext") -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr"
}

gen_ca() { # name CN
  gen_key "$PKI/$1.key"
  openssl req -x509 -new -key "$PKI/$1.key" -subj "/CN=$2" -days 3650 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
    -out "$PKI/$1.crt" 2>/dev/null
}

# Creates whatever is missing; never replaces existing keys (tokens in etcd are signed with sa.key).
gen_pki() {
  mkdir -p "$PKI"
  chmod 700 "$PKI"
  local fresh=0
  if [[ ! -s "$PKI/ca.crt" || ! -s "$PKI/ca.key" ]]; then
    log "generating certificates in $PKI"
    gen_ca ca "shipyard-local-ca-$NAME"
    fresh=1
  fi
  local server_ext='basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth'
  local client_ext='basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth'
  need() { ((fresh)) || [[ ! -s "$PKI/$1.crt" || ! -s "$PKI/$1.key" ]]; }
  need apiserver && sign_cert ca apiserver "/CN=kube-apiserver" \
    "$server_ext\nsubjectAltName=DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost,IP:127.0.0.1,IP:10.96.0.1"
  need admin && sign_cert ca admin "/O=system:masters/CN=shipyard-admin" "$client_ext"
  need kube-controller-manager && sign_cert ca kube-controller-manager "/CN=system:kube-controller-manager" "$client_ext"
  need kube-scheduler && sign_cert ca kube-scheduler "/CN=system:kube-scheduler" "$client_ext"
  need kwok && sign_cert ca kwok "/O=system:masters/CN=kwok-controller" \
    "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth,serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1"
  # front-proxy (request-header) CA: aggregated APIs, and keeps controller logs free of
  # "missing content for CA bundle ... requestheader-client-ca-file" errors
  if [[ ! -s "$PKI/front-proxy-ca.crt" ]]; then
    gen_ca front-proxy-ca "shipyard-local-front-proxy-ca-$NAME"
    sign_cert front-proxy-ca front-proxy-client "/CN=front-proxy-client" "$client_ext"
  fi
  if [[ ! -s "$PKI/sa.key" ]]; then
    gen_key "$PKI/sa.key"
    openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
  fi
  rm -f "$PKI"/*.srl
  chmod 600 "$PKI"/*.key
}

write_kubeconfig() { # file user cert-name
  local file=$1 user=$2 cert=$3
  umask 077
  cat >"$file.tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: shipyard-$NAME
  cluster:
    server: $URL
    certificate-authority-data: $(base64 -w0 <"$PKI/ca.crt")
contexts:
- name: shipyard-$NAME
  context:
    cluster: shipyard-$NAME
    user: $user
current-context: shipyard-$NAME
users:
- name: $user
  user:
    client-certificate-data: $(base64 -w0 <"$PKI/$cert.crt")
    client-key-data: $(base64 -w0 <"$PKI/$cert.key")
preferences: {}
EOF
  mv -f "$file.tmp" "$file"
}

write_kubeconfigs() {
  write_kubeconfig "$S/kubeconfig" shipyard-admin admin
  write_kubeconfig "$S/kube-controller-manager.kubeconfig" system:kube-controller-manager kube-controller-manager
  write_kubeconfig "$S/kube-scheduler.kubeconfig" system:kube-scheduler kube-scheduler
  write_kubeconfig "$S/kwok.kubeconfig" kwok-controller kwok
}

# ---------------------------------------------------------------------------------------------
# components

start_etcd() {
  comp_pid etcd >/dev/null && return 0
  mkdir -p "$S/etcd"
  chmod 700 "$S/etcd"
  spawn etcd "$ETCD_PORT" "$BIN_DIR/etcd" \
    --name="shipyard-$NAME" \
    --data-dir="$S/etcd" \
    --listen-client-urls="http://127.0.0.1:$ETCD_PORT" \
    --advertise-client-urls="http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster="shipyard-$NAME=http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster-state=new \
    --unsafe-no-fsync=true \
    --log-level=warn
  wait_for "etcd /health" 60 etcd curl -fsS --max-time 2 "http://127.0.0.1:$ETCD_PORT/health"
}

apiserver_ready() { curl -fsS --max-time 3 --cacert "$PKI/ca.crt" "$URL/readyz" >/dev/null 2>&1; }

start_apiserver() {
  if ! comp_pid kube-apiserver >/dev/null; then
    spawn kube-apiserver "$API_PORT" "$BIN_DIR/kube-apiserver" \
      --bind-address=127.0.0.1 \
      --advertise-address=127.0.0.1 \
      --secure-port="$API_PORT" \
      --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
      --cert-dir="$PKI" \
      --tls-cert-file="$PKI/apiserver.crt" \
      --tls-private-key-file="$PKI/apiserver.key" \
      --client-ca-file="$PKI/ca.crt" \
      --kubelet-client-certificate="$PKI/admin.crt" \
      --kubelet-client-key="$PKI/admin.key" \
      --service-account-key-file="$PKI/sa.pub" \
      --service-account-signing-key-file="$PKI/sa.key" \
      --service-account-issuer=https://kubernetes.default.svc.cluster.local \
      --service-cluster-ip-range=10.96.0.0/12 \
      --authorization-mode=Node,RBAC \
      --allow-privileged=true \
      --requestheader-client-ca-file="$PKI/front-proxy-ca.crt" \
      --requestheader-allowed-names=front-proxy-client \
      --requestheader-username-headers=X-Remote-User \
      --requestheader-group-headers=X-Remote-Group \
      --requestheader-extra-headers-prefix=X-Remote-Extra- \
      --proxy-client-cert-file="$PKI/front-proxy-client.crt" \
      --proxy-client-key-file="$PKI/front-proxy-client.key" \
      --endpoint-reconciler-type=none
  fi
  wait_for "kube-apiserver /readyz on $URL" 120 kube-apiserver apiserver_ready
}

start_controller_manager() {
  comp_pid kube-controller-manager >/dev/null && return 0
  spawn kube-controller-manager "$KCM_PORT" "$BIN_DIR/kube-controller-manager" \
    --kubeconfig="$S/kube-controller-manager.kubeconfig" \
    --authentication-kubeconfig="$S/kube-controller-manager.kubeconfig" \
    --authorization-kubeconfig="$S/kube-controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 \
    --secure-port="$KCM_PORT" \
    --cluster-name="shipyard-$NAME" \
    --root-ca-file="$PKI/ca.crt" \
    --service-account-private-key-file="$PKI/sa.key" \
    --cluster-signing-cert-file="$PKI/ca.crt" \
    --cluster-signing-key-file="$PKI/ca.key" \
    --use-service-account-credentials=true \
    --controllers='*' \
    --service-cluster-ip-range=10.96.0.0/12 \
    --leader-elect=false
}

start_scheduler() {
  comp_pid kube-scheduler >/dev/null && return 0
  spawn kube-scheduler "$SCHED_PORT" "$BIN_DIR/kube-scheduler" \
    --kubeconfig="$S/kube-scheduler.kubeconfig" \
    --authentication-kubeconfig="$S/kube-scheduler.kubeconfig" \
    --authorization-kubeconfig="$S/kube-scheduler.kubeconfig" \
    --bind-address=127.0.0.1 \
    --secure-port="$SCHED_PORT" \
    --leader-elect=false
}

# kwok runs no containers, so it has no logs to serve: `kubectl logs` (and any UI reading logs
# through the apiserver) gets "no logs found". A ClusterLogs object points every container of
# every pod at kwok-pod-log.txt (CRI log format). logsFile must be an absolute path, which only
# this script knows, hence a generated config file next to the cluster's state.
write_kwok_logs_config() {
  cat >"$S/kwok-logs.yaml.tmp" <<EOF
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterLogs
metadata:
  name: shipyard-pod-logs
spec:
  logs:
  - logsFile: $(json_str "$HERE/kwok-pod-log.txt")
EOF
  mv -f "$S/kwok-logs.yaml.tmp" "$S/kwok-logs.yaml"
}

start_kwok() {
  comp_pid kwok >/dev/null && return 0
  # kwok also reads ~/.kwok/kwok.yaml if present: give it its own empty HOME.
  # kwok-pod-stages.yaml = kwok's default pod stages + pod-ready-again (see that file).
  # Node leases: without them kwok heartbeats only about once a minute, longer than the
  # controller manager's grace period, and nodes flap NotReady every few minutes.
  mkdir -p "$S/kwok-home"
  write_kwok_logs_config
  spawn kwok "$KWOK_PORT" env HOME="$S/kwok-home" "$BIN_DIR/kwok" \
    --kubeconfig="$S/kwok.kubeconfig" \
    --config="$HERE/kwok-pod-stages.yaml" \
    --config="$S/kwok-logs.yaml" \
    --manage-all-nodes=true \
    --node-lease-duration-seconds=40 \
    --server-address="127.0.0.1:$KWOK_PORT" \
    --node-ip=127.0.0.1 \
    --node-port="$KWOK_PORT" \
    --tls-cert-file="$PKI/kwok.crt" \
    --tls-private-key-file="$PKI/kwok.key"
}

kc() { "$BIN_DIR/kubectl" --kubeconfig="$S/kubeconfig" "$@"; }

bootstrap_manifest() {
  local i
  for ((i = 0; i < NODE_COUNT; i++)); do
    cat <<EOF
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-$i
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    type: kwok
    kubernetes.io/arch: amd64
    kubernetes.io/os: linux
    kubernetes.io/hostname: kwok-node-$i
    node-role.kubernetes.io/agent: ""
status:
  allocatable: {cpu: "32", memory: 256Gi, pods: "$NODE_PODS", ephemeral-storage: 100Gi}
  capacity: {cpu: "32", memory: 256Gi, pods: "$NODE_PODS", ephemeral-storage: 100Gi}
  nodeInfo: {architecture: amd64, operatingSystem: linux, kubeletVersion: fake, kubeProxyVersion: fake}
---
EOF
  done
  for ns in shipyard-dev shipyard-staging shipyard-prod; do
    printf 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n---\n' "$ns"
  done
  cat <<'EOF'
apiVersion: v1
kind: ServiceAccount
metadata:
  name: shipyard
  namespace: kube-system
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: shipyard-cluster-admin
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
subjects:
- kind: ServiceAccount
  name: shipyard
  namespace: kube-system
---
apiVersion: v1
kind: Secret
metadata:
  name: shipyard-token
  namespace: kube-system
  annotations:
    kubernetes.io/service-account.name: shipyard
type: kubernetes.io/service-account-token
EOF
}

json_str() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  printf '"%s"' "$s"
}

token_ready() { [[ -n "$(sa_token)" ]]; }
sa_token() { kc -n kube-system get secret shipyard-token -o 'jsonpath={.data.token}' 2>/dev/null | base64 -d; }

bootstrap() {
  local t0=$SECONDS ns i
  # kube-system and the RBAC defaults exist once /readyz passes; retry for races anyway
  bootstrap_manifest >"$S/bootstrap.yaml"
  wait_for "bootstrap objects applied" 60 - kc apply -f "$S/bootstrap.yaml"
  wait_for "kwok-managed nodes Ready" 120 kwok kc wait --for=condition=Ready node --all --timeout=5s
  # apply leaves a node's status alone: a cluster made before NODE_PODS changed gets it here.
  for ((i = 0; i < NODE_COUNT; i++)); do
    kc patch node "kwok-node-$i" --subresource=status --type=merge \
      -p "{\"status\":{\"allocatable\":{\"pods\":\"$NODE_PODS\"},\"capacity\":{\"pods\":\"$NODE_PODS\"}}}" >/dev/null
  done
  for ns in default shipyard-dev shipyard-staging shipyard-prod; do
    wait_for "ServiceAccount default in namespace $ns" 120 kube-controller-manager kc -n "$ns" get serviceaccount default
  done
  wait_for "token of ServiceAccount kube-system/shipyard" 120 kube-controller-manager token_ready
  local token
  token="$(sa_token)"
  umask 077
  {
    printf '{\n'
    printf '  "name": %s,\n' "$(json_str "$NAME")"
    printf '  "url": %s,\n' "$(json_str "$URL")"
    printf '  "caData": %s,\n' "$(json_str "$(base64 -w0 <"$PKI/ca.crt")")"
    printf '  "token": %s,\n' "$(json_str "$token")"
    printf '  "kubeconfig": %s\n' "$(json_str "$S/kubeconfig")"
    printf '}\n'
  } >"$S/cluster.json.tmp"
  mv -f "$S/cluster.json.tmp" "$S/cluster.json"
  log "bootstrap done in $((SECONDS - t0))s"
}

all_running() {
  local c
  for c in "${COMPONENTS[@]}"; do comp_pid "$c" >/dev/null || return 1; done
}

print_info() {
  cat <<EOF
cluster:     $NAME
url:         $URL
kubeconfig:  $S/kubeconfig
cluster.json $S/cluster.json
state:       $S
logs:        $S/logs/
use:         eval "\$($HERE/cluster.sh env $NAME)"; kubectl get nodes
EOF
}

state_lock() {
  mkdir -p "$S"
  chmod 700 "$S"
  exec 9>"$S/.lock"
  flock -w 300 9 || die "another cluster.sh command holds $S/.lock"
}

cmd_start() {
  parse_cluster_args "$@"
  local want_ports=$PORT_BASE
  mkdir -p "$STATE_ROOT"
  state_lock
  load_ports
  local stored_ports="" c
  [[ -f "$S/ports.env" ]] && stored_ports="$(sed -n 's/^PORT_BASE=//p' "$S/ports.env")"
  if [[ -n $want_ports && -n $stored_ports && $want_ports != "$stored_ports" ]]; then
    for c in "${COMPONENTS[@]}"; do
      comp_pid "$c" >/dev/null && die "cluster '$NAME' is running on port base $stored_ports; stop it before changing --port-base"
    done
  fi
  if all_running && apiserver_ready && [[ -s "$S/cluster.json" ]]; then
    log "cluster '$NAME' already running and healthy"
    print_info
    return 0
  fi
  ensure_built
  local t0=$SECONDS port
  # fail before starting anything when a port of a component that is not running is taken
  for c in etcd:$ETCD_PORT etcd:$ETCD_PEER_PORT kube-apiserver:$API_PORT kube-controller-manager:$KCM_PORT \
    kube-scheduler:$SCHED_PORT kwok:$KWOK_PORT; do
    port=${c#*:}
    if ! comp_pid "${c%%:*}" >/dev/null && port_busy "$port"; then
      die "port 127.0.0.1:$port (for ${c%%:*}) is already in use; pick another --port-base (cluster '$NAME' uses $PORT_BASE-$((PORT_BASE + 5)))"
    fi
  done
  log "starting cluster '$NAME' (apiserver $URL, ports $PORT_BASE-$((PORT_BASE + 5)))"
  save_ports
  gen_pki
  write_kubeconfigs
  start_etcd
  start_apiserver
  start_controller_manager
  start_scheduler
  start_kwok
  wait_for "kube-controller-manager /healthz" 60 kube-controller-manager curl -kfsS --max-time 2 "https://127.0.0.1:$KCM_PORT/healthz"
  wait_for "kube-scheduler /healthz" 60 kube-scheduler curl -kfsS --max-time 2 "https://127.0.0.1:$SCHED_PORT/healthz"
  wait_for "kwok /healthz" 60 kwok curl -kfsS --max-time 2 "https://127.0.0.1:$KWOK_PORT/healthz"
  bootstrap
  log "cluster '$NAME' ready in $((SECONDS - t0))s"
  print_info
}

cmd_stop() {
  parse_cluster_args "$@"
  [[ -d $S ]] || {
    log "no cluster '$NAME' (no state at $S)"
    return 0
  }
  state_lock
  stop_comps kwok kube-scheduler kube-controller-manager
  stop_comps kube-apiserver
  stop_comps etcd
  if ((PURGE)); then
    rm -rf "$S"
    log "cluster '$NAME' stopped and its state removed"
  else
    log "cluster '$NAME' stopped (state kept in $S; 'stop --purge' removes it)"
  fi
}

cmd_stop_apiserver() {
  parse_cluster_args "$@"
  [[ -d $S ]] || die "no cluster '$NAME'"
  state_lock
  stop_comps kube-apiserver
}

cmd_start_apiserver() {
  parse_cluster_args "$@"
  [[ -d $S ]] || die "no cluster '$NAME'; use start"
  state_lock
  load_ports
  comp_pid etcd >/dev/null || die "etcd of cluster '$NAME' is not running; use start"
  binaries_present || die "binaries missing in $BIN_DIR; run build"
  local t0=$SECONDS
  gen_pki
  start_apiserver
  log "kube-apiserver ready in $((SECONDS - t0))s"
}

cmd_restart_kwok() {
  parse_cluster_args "$@"
  [[ -d $S ]] || die "no cluster '$NAME'; use start"
  state_lock
  load_ports
  apiserver_ready || die "kube-apiserver of cluster '$NAME' is not ready; use start"
  binaries_present || die "binaries missing in $BIN_DIR; run build"
  local t0=$SECONDS
  stop_comps kwok
  start_kwok
  wait_for "kwok /healthz" 60 kwok curl -kfsS --max-time 2 "https://127.0.0.1:$KWOK_PORT/healthz"
  log "kwok restarted in $((SECONDS - t0))s"
}

cmd_status() {
  parse_cluster_args "$@"
  [[ -d $S ]] || {
    echo "cluster '$NAME': no state ($S)"
    return 3
  }
  load_ports
  local c pid ok=0 n=0
  echo "cluster '$NAME' ($URL, state $S)"
  for c in "${COMPONENTS[@]}"; do
    if pid="$(comp_pid "$c")"; then
      printf '  %-24s running (pid %s)\n' "$c" "$pid"
      n=$((n + 1))
    else
      printf '  %-24s stopped\n' "$c"
      ok=1
    fi
  done
  if apiserver_ready; then
    echo "  apiserver /readyz        ok"
    if [[ -x "$BIN_DIR/kubectl" ]]; then
      kc get nodes --no-headers 2>/dev/null | awk '{printf "  node %-19s %s\n", $1, $2}' || true
    fi
  else
    echo "  apiserver /readyz        not ready"
    ok=1
  fi
  ((n == 0)) && return 3
  return $ok
}

cmd_env() {
  parse_cluster_args "$@"
  load_ports
  printf 'export KUBECONFIG=%q\n' "$S/kubeconfig"
  printf 'export SHIPYARD_CLUSTER_NAME=%q\n' "$NAME"
  printf 'export SHIPYARD_CLUSTER_URL=%q\n' "$URL"
  printf 'export SHIPYARD_CLUSTER_JSON=%q\n' "$S/cluster.json"
  printf 'export PATH=%q:"$PATH"\n' "$BIN_DIR"
}

cmd_kubectl() {
  parse_cluster_args "$@"
  [[ -s "$S/kubeconfig" ]] || die "no kubeconfig for cluster '$NAME'; start it first"
  exec "$BIN_DIR/kubectl" --kubeconfig="$S/kubeconfig" "${REST[@]}"
}

cmd_list() {
  local d
  [[ -d $STATE_ROOT ]] || return 0
  for d in "$STATE_ROOT"/*/; do
    [[ -d $d ]] || continue
    NAME=$(basename "$d")
    S="$STATE_ROOT/$NAME"
    PORT_BASE=""
    load_ports
    if all_running; then echo "$NAME running $URL"; else echo "$NAME stopped $URL"; fi
  done
}

usage() { sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

main() {
  local cmd=${1:-help}
  (($#)) && shift
  case $cmd in
  build) cmd_build "$@" ;;
  build-helm) cmd_build_helm "$@" ;;
  start) cmd_start "$@" ;;
  stop) cmd_stop "$@" ;;
  stop-apiserver) cmd_stop_apiserver "$@" ;;
  start-apiserver) cmd_start_apiserver "$@" ;;
  restart-kwok) cmd_restart_kwok "$@" ;;
  status) cmd_status "$@" ;;
  env) cmd_env "$@" ;;
  kubectl) cmd_kubectl "$@" ;;
  list) cmd_list ;;
  help | -h | --help) usage ;;
  *)
    usage >&2
    exit 2
    ;;
  esac
}

# on one line, so bash never reads past it (safe if this file is edited while it runs)
main "$@"; exit $?
