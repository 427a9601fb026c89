# Sandbox for the integration suites: private mount, network and PID namespaces, so that the suites
# run beside a system pcscd (and a system sshd) without touching them. Inside the namespaces:
#   - loopback is up and every port is ours; /run/pcscd and /run/sshd are private tmpfs mounts;
#   - a per-run directory ($RUN) holds the card store, the host credential secret, configs and logs;
#   - pcscd runs in the foreground with our own reader.conf.d (-c), never with --auto-exit.
# Everything started here dies with the namespace's PID 1 (unshare --kill-child), even on SIGKILL.

# sandbox_enter SCRIPT ARGS...: re-executes SCRIPT inside fresh namespaces unless already inside.
sandbox_enter() {
  local script=$1; shift
  [ -n "${PIVLINK_SANDBOX:-}" ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "integration tests need root (namespaces, mounts, pcscd, sshd): run them as root" >&2
    exit 2
  fi
  exec unshare --mount --net --pid --fork --kill-child --mount-proc --propagation private \
    env PIVLINK_SANDBOX=1 bash "$script" "$@"
}

# sandbox_setup: called once inside the namespaces; creates $RUN and the private mounts.
sandbox_setup() {
  ip link set lo up || die "cannot bring up loopback in the network namespace"
  mkdir -p /run/pcscd /run/sshd
  mount -t tmpfs -o mode=0755 pivlink-pcscd /run/pcscd || die "cannot mount a tmpfs on /run/pcscd"
  mount -t tmpfs -o mode=0755 pivlink-sshd /run/sshd || die "cannot mount a tmpfs on /run/sshd"
  RUN=$(mktemp -d /tmp/pivlink-it.XXXXXX) || die "cannot create the run directory"
  chmod 0755 "$RUN"
  mkdir -p "$RUN/home" "$RUN/out" "$RUN/reader.conf.d"
  export RUN
  # Tools keep state under $HOME (OpenSC's cache, ssh's known_hosts): give them a private one.
  export HOME=$RUN/home
  unset SSH_AUTH_SOCK OPENSC_CONF OPENSSL_CONF PCSCLITE_CSOCK_NAME
  # The card seals its store key with the host key of systemd-creds; a per-run secret keeps the
  # machine's /var/lib/systemd/credential.secret out of the tests.
  new_credential_secret "$RUN/credential.secret"
  export SYSTEMD_CREDENTIAL_SECRET=$RUN/credential.secret
  trap sandbox_teardown EXIT
}

# new_credential_secret FILE: 4096 random bytes, mode 0400.
new_credential_secret() {
  head -c 4096 /dev/urandom > "$1" && chmod 0400 "$1" || die "cannot write a credential secret to $1"
}

sandbox_teardown() {
  local rc=$?
  transport_teardown 2>/dev/null
  stop_all_background
  if [ "$rc" -ne 0 ] && [ -n "${PIVLINK_KEEP_RUN_DIR:-}" ]; then
    echo "run directory kept: $RUN"
  else
    rm -rf "$RUN"
  fi
  exit "$rc"
}

# --- background processes -------------------------------------------------------------------------
# Cases run in subshells, so a process they start is not a child of the shell that later stops it.
# Each background process therefore runs under a small keeper subshell that waits for it and writes
# its exit status to $RUN/NAME.status; $RUN/NAME.pid is the process itself (signals go to it).

# start_background NAME LOG CMD...: starts CMD with output to LOG.
start_background() {
  local name=$1 log=$2; shift 2
  rm -f "$RUN/$name.pid" "$RUN/$name.status"
  (
    "$@" >>"$log" 2>&1 </dev/null &
    echo $! > "$RUN/$name.pid.new" && mv "$RUN/$name.pid.new" "$RUN/$name.pid"
    wait $!
    echo $? > "$RUN/$name.status"
  ) &
  wait_until 5 "$name has started" test -s "$RUN/$name.pid"
}

background_pid() { cat "$RUN/$1.pid" 2>/dev/null; }

background_running() {
  local pid; pid=$(background_pid "$1") || return 1
  [ -n "$pid" ] && [ ! -e "$RUN/$1.status" ] && kill -0 "$pid" 2>/dev/null
}

# stop_background NAME [SIGNAL]: signals the process, waits (deadline) for it to exit and returns its
# exit status (137 if it had to be killed); 0 if it was not running.
stop_background() {
  local name=$1 signal=${2:-TERM} pid rc
  pid=$(background_pid "$name") || return 0
  [ -e "$RUN/$name.status" ] || kill -"$signal" "$pid" 2>/dev/null
  if ! wait_until 10 "$name (pid $pid) exits after SIG$signal" test -s "$RUN/$name.status"; then
    kill -KILL "$pid" 2>/dev/null
    wait_until 5 "$name (pid $pid) is killed" test -s "$RUN/$name.status"
    rm -f "$RUN/$name.pid"
    return 137
  fi
  rc=$(cat "$RUN/$name.status")
  rm -f "$RUN/$name.pid"
  return "$rc"
}

stop_all_background() {
  local f
  for f in "$RUN"/*.pid; do
    [ -e "$f" ] || continue
    stop_background "$(basename "$f" .pid)" >/dev/null 2>&1
  done
}

# --- waiting ---------------------------------------------------------------------------------------
# wait_until SECONDS DESCRIPTION CMD...: polls CMD every 0.1 s until it succeeds; fails after SECONDS.
wait_until() {
  local seconds=$1 what=$2; shift 2
  local deadline=$(( $(date +%s%N) + seconds * 1000000000 ))
  while ! "$@" >/dev/null 2>&1; do
    if [ "$(date +%s%N)" -ge "$deadline" ]; then
      echo "timed out after ${seconds}s waiting until $what" >&2
      return 1
    fi
    sleep 0.1
  done
}

# tcp_listening PORT: true when something accepts on 127.0.0.1:PORT (the probe connection is closed
# at once; do not use it against servers that accept only one connection).
tcp_listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# log_contains FILE TEXT
log_contains() { grep -qF -- "$2" "$1" 2>/dev/null; }

# --- pcscd -----------------------------------------------------------------------------------------
# pcscd_start: starts pcscd on $RUN/reader.conf.d (written by the transport) and waits for its readers.
pcscd_start() {
  # -a logs every APDU (shown when a case fails); -f keeps it in the foreground, logging to stdout.
  start_background pcscd "$RUN/pcscd.log" pcscd --foreground --apdu --info -c "$RUN/reader.conf.d"
  wait_until 20 "pcscd lists the reader \"$(reader_name)\"" reader_listed \
    || { tail -n 40 "$RUN/pcscd.log" >&2; die "pcscd did not come up"; }
}

# pcscd_stop: pcscd exits 0 on SIGTERM; anything else (it aborted earlier) is a failure.
pcscd_stop() { stop_background pcscd; }

pcscd_restart() { pcscd_stop; pcscd_start; }

# reader_listed: our reader is known to pcscd. card_present / card_absent: whether it holds a card.
reader_listed() { opensc-tool -l 2>/dev/null | grep -qF -- "$(reader_name)"; }
card_present() { opensc-tool -l 2>/dev/null | grep -F -- "$(reader_name)" | grep -qE '^[0-9]+ +Yes '; }
card_absent() { reader_listed && ! card_present; }

# pcscd_mark: the current end of pcscd's log. card_removed_since MARK: pcscd has seen the card leave our
# reader since MARK (by its log), even if a card is back in it by now.
pcscd_mark() { stat -c %s "$RUN/pcscd.log" 2>/dev/null || echo 0; }
card_removed_since() { tail -c +"$(($1 + 1))" "$RUN/pcscd.log" | grep -qF -- "Card Removed From $(reader_name)"; }

# reader_index: OpenSC's number for our reader (opensc-tool -r, piv-tool -r).
reader_index() {
  opensc-tool -l 2>/dev/null | awk -v name="$(reader_name)" 'index($0, name) { print $1; exit }'
}

# --- diagnostics -----------------------------------------------------------------------------------
die() { echo "harness: $*" >&2; exit 2; }

# log_mark: remembers the current size of each log, so a failing case can print only what it caused.
log_mark() {
  local log
  for log in "$RUN"/*.log; do
    [ -e "$log" ] || continue
    stat -c %s "$log" > "$log.mark"
  done
}

# log_filter LOG: pcscd's log reduced to APDUs, card events and problems; other logs as they are.
log_filter() {
  case "$(basename "$1")" in
    pcscd.log) grep -E 'APDU: |SW: |[Cc]ard (inserted|removed|present)|ifd-vpcd|rror|ritical|ready' ;;
    *) cat ;;
  esac
}

# print_logs_since_mark: the part of every log written since log_mark, at most 150 lines each.
print_logs_since_mark() {
  local log from
  for log in "$RUN"/*.log; do
    [ -e "$log" ] || continue
    from=$(cat "$log.mark" 2>/dev/null || echo 0)
    echo "    ---- $(basename "$log") (since the case started; last 150 lines) ----"
    tail -c +"$((from + 1))" "$log" | log_filter "$log" | tail -n 150 | sed 's/^/    | /'
  done
}
