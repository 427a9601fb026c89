# Shared by scripts/test and scripts/demo.

# install_debian_packages: apt-get update, then every package listed in scripts/debian-packages.
install_debian_packages() {
  local list log rc=0
  list=$(grep -v '^#' "$(dirname "${BASH_SOURCE[0]}")/debian-packages" | tr '\n' ' ')
  log=$(mktemp)
  echo "apt-get install $list"
  { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $list; } \
    >"$log" 2>&1 || rc=$?
  [ "$rc" -eq 0 ] || { tail -n 30 "$log"; echo "installing the Debian packages failed"; }
  rm -f "$log"
  return "$rc"
}

require_root() {
  [ "$(id -u)" -eq 0 ] || { echo "$1 needs root: it installs packages and runs pcscd in private namespaces"; exit 2; }
}
