# A tiny assertion library. A suite is a list of named cases:
#
#   run_case "OpenSC names the card" case_opensc_names_card
#
# Each case function runs in a subshell; the first failed expectation ends it (later cases still run).
# State shared between cases lives in files under $RUN. Every command runs under a timeout, so a hung
# tool fails its case instead of the whole run. The output of the last command is in $RUN/out/last.

SUITE_NAME=${SUITE_NAME:-$(basename "$0" .sh)}
CASES_PASSED=0
CASES_FAILED=0
FAILED_CASES=()
COMMAND_TIMEOUT=${PIVLINK_COMMAND_TIMEOUT:-60}

# run_case NAME FUNCTION
run_case() {
  local name=$1 fn=$2 started rc
  started=$(date +%s%N)
  log_mark
  echo "── $SUITE_NAME: $name"
  ( set -e; "$fn" )
  rc=$?
  local ms=$(( ($(date +%s%N) - started) / 1000000 ))
  if [ "$rc" -eq 0 ]; then
    CASES_PASSED=$((CASES_PASSED + 1))
    echo "   PASS ($ms ms)"
  else
    CASES_FAILED=$((CASES_FAILED + 1))
    FAILED_CASES+=("$name")
    echo "   FAIL ($ms ms)"
    print_logs_since_mark
  fi
}

# suite_summary: prints the tally and exits 1 if any case failed.
suite_summary() {
  local total=$((CASES_PASSED + CASES_FAILED)) name
  echo "== $SUITE_NAME ($PIVLINK_TRANSPORT): $CASES_PASSED of $total cases passed"
  for name in "${FAILED_CASES[@]}"; do echo "   failed: $name"; done
  [ "$CASES_FAILED" -eq 0 ]
  exit $?
}

# run_command CMD...: runs CMD (a program or a shell function) with its output in $RUN/out/last;
# returns its exit status (124 when it timed out).
run_command() {
  if [ "$(type -t "$1")" = function ]; then
    "$@" >"$RUN/out/last" 2>&1
  else
    timeout -k 5 "$COMMAND_TIMEOUT" "$@" >"$RUN/out/last" 2>&1
  fi
}

last_output() { cat "$RUN/out/last"; }

pass() { echo "   ok    $1"; }

# fail DESCRIPTION [DETAIL]: ends the case.
fail() {
  echo "   FAIL  $1"
  [ -n "${2:-}" ] && echo "$2" | sed 's/^/         /'
  exit 1
}

# fail_command DESCRIPTION RC CMD...: ends the case, showing the command and the tail of its output.
fail_command() {
  local what=$1 rc=$2; shift 2
  local why="exit status $rc"
  [ "$rc" -eq 124 ] && why="timed out after ${COMMAND_TIMEOUT}s"
  fail "$what" "\$ $(printf '%q ' "$@")
($why) output:
$(tail -n 40 "$RUN/out/last")"
}

# expect_ok DESCRIPTION CMD...: CMD exits 0.
expect_ok() {
  local what=$1; shift
  local rc=0; run_command "$@" || rc=$?
  [ "$rc" -eq 0 ] || fail_command "$what" "$rc" "$@"
  pass "$what"
}

# expect_fail DESCRIPTION CMD...: CMD exits non-zero (a timeout is not a refusal: it fails the case).
expect_fail() {
  local what=$1; shift
  local rc=0; run_command "$@" || rc=$?
  if [ "$rc" -eq 0 ] || [ "$rc" -eq 124 ]; then fail_command "$what (expected a refusal)" "$rc" "$@"; fi
  pass "$what"
}

# expect_output_contains DESCRIPTION TEXT CMD...: CMD's output (stdout and stderr) contains TEXT,
# whatever its exit status (tools print refusals such as "63 C4" with a non-zero status).
expect_output_contains() {
  local what=$1 text=$2; shift 2
  local rc=0; run_command "$@" || rc=$?
  [ "$rc" -ne 124 ] || fail_command "$what" "$rc" "$@"
  grep -qF -- "$text" "$RUN/out/last" || fail_command "$what (no \"$text\" in the output)" "$rc" "$@"
  pass "$what"
}

# expect_ok_output_contains DESCRIPTION TEXT CMD...: CMD exits 0 and its output contains TEXT.
expect_ok_output_contains() {
  local what=$1 text=$2; shift 2
  local rc=0; run_command "$@" || rc=$?
  [ "$rc" -eq 0 ] || fail_command "$what" "$rc" "$@"
  grep -qF -- "$text" "$RUN/out/last" || fail_command "$what (no \"$text\" in the output)" "$rc" "$@"
  pass "$what"
}

# expect_output_lacks DESCRIPTION TEXT CMD...: CMD's output does not contain TEXT (exit status ignored).
expect_output_lacks() {
  local what=$1 text=$2; shift 2
  local rc=0; run_command "$@" || rc=$?
  [ "$rc" -ne 124 ] || fail_command "$what" "$rc" "$@"
  if grep -qF -- "$text" "$RUN/out/last"; then fail_command "$what (unexpected \"$text\")" "$rc" "$@"; fi
  pass "$what"
}

# expect_equal DESCRIPTION EXPECTED ACTUAL
expect_equal() {
  [ "$2" = "$3" ] || fail "$1" "expected: $2
got:      $3"
  pass "$1"
}

# expect_same_file DESCRIPTION FILE1 FILE2: byte-identical files.
expect_same_file() {
  cmp -s "$2" "$3" || fail "$1" "$2 and $3 differ"
  pass "$1"
}
