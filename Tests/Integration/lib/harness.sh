# Sourced by every suite (Tests/Integration/cases/*.sh):
#   . "$(dirname "$0")/../lib/harness.sh"
#   harness_begin "$@"     # enters the sandbox, starts pcscd with the transport's reader
#                          # (harness_begin_without_pcscd "$@", then pcscd_start: the same, in two steps)
#   run_case "…" case_fn   # …
#   suite_summary
# Environment: PIVLINK_CARD_BIN (required), PIVLINK_TRANSPORT (default vpcd), PIVLINK_VPCD_MODE,
# PIVLINK_COMMAND_TIMEOUT (seconds per command, default 60), PIVLINK_KEEP_RUN_DIR (keep $RUN on failure).
set -u
HARNESS_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$HARNESS_LIB/../../.." && pwd)
. "$HARNESS_LIB/sandbox.sh"
. "$HARNESS_LIB/transport.sh"
. "$HARNESS_LIB/assert.sh"
. "$HARNESS_LIB/tools.sh"
. "$HARNESS_LIB/pki.sh"
. "$HARNESS_LIB/users.sh"
. "$HARNESS_LIB/sshd.sh"
. "$HARNESS_LIB/pam.sh"

harness_begin() {
  harness_begin_without_pcscd "$@"
  pcscd_start
}

# harness_begin_without_pcscd "$@": harness_begin but for pcscd, for a suite that prepares what pcscd needs
# at start (the polkit suite's bus); the suite then calls pcscd_start.
harness_begin_without_pcscd() {
  sandbox_enter "$0" "$@"
  sandbox_setup
  . "$HARNESS_LIB/card.sh"
  CA_DIR=$RUN/ca
  SSHD_DIR=$RUN/sshd
  check_card_bin
  transport_setup
}
