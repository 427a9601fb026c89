# How the suites reach the card under test. A suite uses only these functions, so the same cases run
# over every transport:
#   transport_setup          write the reader configuration into $RUN/reader.conf.d (before pcscd starts)
#   card_start [SERVE ARGS]  start the card (extra arguments go to `pivlink-card serve`) and wait until
#                            pcscd shows it in reader_name
#   card_stop                stop it with SIGTERM; fails unless it exits 0 and the reader empties
#   card_restart [ARGS]      card_stop, then card_start
#   reader_name              the PC/SC reader name holding the card
#   card_serve_arguments     the arguments of `pivlink-card serve` for this transport
#   transport_teardown       stop whatever the transport started
# PIVLINK_TRANSPORT picks the implementation; this is the one place that dispatches on it.
PIVLINK_TRANSPORT=${PIVLINK_TRANSPORT:-vpcd}
case "$PIVLINK_TRANSPORT" in
  vpcd) . "$HARNESS_LIB/transport-vpcd.sh" ;;
  ble) . "$HARNESS_LIB/transport-ble.sh" ;;
  *) die "unknown PIVLINK_TRANSPORT '$PIVLINK_TRANSPORT' (known: vpcd, ble)" ;;
esac

card_restart() { card_stop && card_start "$@"; }

# card_serve_stop: SIGTERM to `pivlink-card serve`; fails unless it exits 0. Each transport's card_stop
# starts with it.
card_serve_stop() {
  local rc=0
  stop_background card TERM || rc=$?
  [ "$rc" -eq 0 ] && return 0
  echo "pivlink-card serve exited with status $rc after SIGTERM (expected 0)" >&2
  return 1
}
