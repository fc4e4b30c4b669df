# shellcheck shell=bash
# Puts a Node.js that satisfies package.json's "engines" first on PATH, for this shell:
#
#   source deploy/local/node-env.sh && npm ci && npm run up      (README, "Quick start")
#
# The machine's node is used when it is new enough. Otherwise the version pinned in .nvmrc is
# installed once from the npm registry (the official Node.js binaries, published there as the
# package node-<os>-<arch>) into ~/.cache/asyncfn/node/<version>, and its bin directory goes first
# on PATH. The machine's npm then runs on that node too (its `#!/usr/bin/env node`).
#
# Sourced, not executed (it changes the caller's PATH), so it never exits; it returns 1 on failure.
# deploy/local/up.sh and .ci/run source it too.

asyncfn_node_env() {
  local root min want cache dir os arch pkg have tmp
  # bash knows where this file is; other shells (zsh) source it from the repository's root.
  if [[ -n "${BASH_SOURCE[0]:-}" ]]; then
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)" || return 1
  else
    root="$PWD"
  fi
  # ">=22.15" in package.json's engines -> 22.15
  min="$(sed -n 's/^ *"node": *">= *\([0-9.]*\)".*/\1/p' "$root/package.json" | head -n 1)"
  want="$(tr -d ' v\n\r' < "$root/.nvmrc")"
  if [[ -z "$min" || -z "$want" ]]; then
    echo "node-env: no engines.node in package.json or no version in .nvmrc" >&2
    return 1
  fi

  have="$(node -p 'process.versions.node' 2> /dev/null || true)"
  if [[ -n "$have" && "$(printf '%s\n%s\n' "$min" "$have" | sort -V | head -n 1)" == "$min" ]]; then
    return 0 # the node on PATH is new enough
  fi

  cache="${ASYNCFN_CACHE:-${HOME}/.cache/asyncfn}"
  dir="$cache/node/$want"
  if [[ ! -x "$dir/bin/node" ]]; then
    case "$(uname -s)" in
      Linux) os=linux ;;
      Darwin) os=darwin ;;
      *)
        echo "node-env: no Node.js binary package for $(uname -s); install Node.js $want" >&2
        return 1
        ;;
    esac
    case "$(uname -m)" in
      x86_64 | amd64) arch=x64 ;;
      aarch64 | arm64) arch=arm64 ;;
      *)
        echo "node-env: no Node.js binary package for $(uname -m); install Node.js $want" >&2
        return 1
        ;;
    esac
    pkg="node-$os-$arch"
    if ! command -v npm > /dev/null; then
      echo "node-env: Node.js $min or newer is needed, and npm to install it; found node ${have:-none}" >&2
      return 1
    fi
    echo "node-env: Node.js ${have:-none} is older than $min; installing Node.js $want ($pkg from the npm registry) into $dir" >&2
    mkdir -p "$cache/node" || return 1
    tmp="$(mktemp -d "$cache/node/.install.XXXXXX")" && chmod 755 "$tmp" || return 1
    # --ignore-scripts --engine-strict=false: npm may run on a node the package's engines would refuse.
    if ! npm install --prefix "$tmp" --no-save --no-package-lock --no-audit --no-fund \
      --ignore-scripts --engine-strict=false --loglevel=error "$pkg@$want" > /dev/null; then
      rm -rf "$tmp"
      echo "node-env: installing $pkg@$want failed" >&2
      return 1
    fi
    mkdir -p "$tmp/bin" && ln -sf "../node_modules/$pkg/bin/node" "$tmp/bin/node" || return 1
    # Another shell may have finished the same install meanwhile: keep the first.
    if [[ -e "$dir" ]]; then rm -rf "$tmp"; else mv "$tmp" "$dir" || return 1; fi
  fi
  "$dir/bin/node" --version > /dev/null || return 1
  case ":$PATH:" in
    *":$dir/bin:"*) ;;
    *) export PATH="$dir/bin:$PATH" ;;
  esac
  # Native addons (node-gyp) build against this node's own headers, which the package ships.
  npm_config_nodedir="$(cd "$(dirname "$(readlink -f "$dir/bin/node")")/.." && pwd)" || return 1
  export npm_config_nodedir
  hash -r 2> /dev/null || true
  return 0
}

asyncfn_node_env
