// Wrapper module: builds helm (for benchmarks) from the Go module proxy.
// helm v3.19.x uses the Kubernetes 1.34 libraries. Built by `cluster.sh build-helm`.
module shipyard.local/tools/local-cluster/helm

go 1.24.0

tool helm.sh/helm/v3/cmd/helm

require helm.sh/helm/v3 v3.19.5
