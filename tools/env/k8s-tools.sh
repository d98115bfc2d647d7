#!/usr/bin/env bash
# Tools for checking charts and manifests without a cluster: Helm (built from its Go module) and
# kubernetes-validate (PyPI; ships the Kubernetes API schemas, so validation works offline).
# Usage: k8s-tools.sh install | env
#   env prints HELM=… and KUBERNETES_VALIDATE=… for the installed versions.
COMPONENT=k8s-tools
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HELM_VERSION=v3.22.0
KUBERNETES_VALIDATE_VERSION=1.37.0
HELM_HOME="$PARLEY_CACHE/helm-$HELM_VERSION"
VALIDATE_VENV="$PARLEY_CACHE/kubernetes-validate-$KUBERNETES_VALIDATE_VERSION"

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
  "$VALIDATE_VENV/bin/pip" install --quiet "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" \
    || { rm -rf "$VALIDATE_VENV"; die "kubernetes-validate did not install"; }
  touch "$VALIDATE_VENV/.installed"
}

do_install() {
  install_helm
  install_validate
}

case "${1:-}" in
  install) with_lock "$COMPONENT-install" do_install ;;
  env) printf 'HELM=%s\nKUBERNETES_VALIDATE=%s\n' "$HELM_HOME/bin/helm" "$VALIDATE_VENV/bin/kubernetes-validate" ;;
  *) echo "usage: $0 install|env" >&2; exit 2 ;;
esac
