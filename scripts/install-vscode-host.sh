#!/usr/bin/env bash
# Installs a real VS Code host for the test suites, with nothing downloaded beyond the npm registry and
# Debian's packages:
#   - code-server 4.100.3 (= VS Code 1.100.3, the last line that runs on Node 20) into .vscode-host/
#   - Debian's chromium for Playwright and the webview browser tests
# Idempotent: a second run with everything in place takes a second.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VERSION="${CODE_SERVER_VERSION:-4.100.3}"
DEST="${VSCODE_HOST_DIR:-$ROOT/.vscode-host}"
MARKER="$DEST/.installed-$VERSION"
t0=$(date +%s)
say() { echo "[install-vscode-host $(( $(date +%s) - t0 ))s] $*"; }

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v rg >/dev/null 2>&1 || need_apt+=(ripgrep)
if [ ! -f "$MARKER" ]; then
  for p in libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev; do
    dpkg -s "$p" >/dev/null 2>&1 || need_apt+=("$p")
  done
  command -v make >/dev/null 2>&1 || need_apt+=(build-essential)
fi
if [ "${#need_apt[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    say "apt-get install ${need_apt[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "missing Debian packages: ${need_apt[*]} (run as root, or install them first)" >&2
    exit 1
  fi
fi

if [ -f "$MARKER" ] && [ -f "$DEST/node_modules/code-server/out/node/entry.js" ]; then
  say "code-server $VERSION already installed in $DEST"
  exit 0
fi

# Every install script is skipped (they download ripgrep and prebuilt binaries); native modules are rebuilt
# here against Node's own headers, and ripgrep comes from Debian.
export npm_config_yes=true npm_config_unsafe_perm=true npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
if [ -f /usr/include/node/node_version.h ]; then export npm_config_nodedir=/usr; fi
mkdir -p "$DEST"
cd "$DEST"
[ -f package.json ] || echo '{"name":"mlops-vscode-host","version":"1.0.0","private":true}' > package.json
say "npm install code-server@$VERSION (scripts off)"
npm install --ignore-scripts --no-save "code-server@$VERSION" >/dev/null
VS="$DEST/node_modules/code-server/lib/vscode"
cd "$VS"
say "VS Code server dependencies"
npm install --omit=dev --ignore-scripts >/dev/null
mkdir -p node_modules/@vscode/ripgrep/bin
cp "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
say "rebuilding native modules (node-pty, spdlog, watcher, ...)"
npm rebuild >/dev/null
ln -sfn node_modules node_modules.asar
(cd bin/remote-cli && ln -sf code-linux.sh code-server)
(cd bin/helpers && ln -sf browser-linux.sh browser.sh)
say "built-in extensions' dependencies"
(cd extensions && npm install --omit=dev >/dev/null)
cd "$DEST"
npm rebuild argon2 >/dev/null
node "$DEST/node_modules/code-server/out/node/entry.js" --version
touch "$MARKER"
say "done"
