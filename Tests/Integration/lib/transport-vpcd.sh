# Transport "vpcd": `pivlink-card serve` talks straight to pcscd's vpcd driver over loopback TCP, with
# the shipped reader configuration (lib/vpcd-reader.sh). PIVLINK_VPCD_MODE picks who connects:
#   listen (default)  vpcd listens, the card connects to it (`serve --vpcd 127.0.0.1:PORT`, reconnecting
#                     with backoff);
#   reversed          vpcd connects to the card, which listens (`serve --vpcd-listen 127.0.0.1:PORT`).
#                     Needs vpcd 0.9 or later: Debian 12's vpcd aborts pcscd in this mode (see the comment
#                     in Config/reader.conf.d/pivlink).
. "$HARNESS_LIB/vpcd-reader.sh"

transport_setup() { install_reader_conf; }

card_serve_arguments() {
  case "$PIVLINK_VPCD_MODE" in
    listen) echo "--vpcd 127.0.0.1:$VPCD_PORT" ;;
    reversed) echo "--vpcd-listen 127.0.0.1:$VPCD_PORT" ;;
  esac
}

card_start() {
  # shellcheck disable=SC2046 # the serve arguments are two words by design
  start_background card "$RUN/card.log" "$PIVLINK_CARD_BIN" serve --store "$CARD_STORE" \
    $(card_serve_arguments) "$@"
  wait_until 20 "the card is in \"$(reader_name)\" (or has exited)" card_present_or_exited
  if ! background_running card; then
    echo "pivlink-card serve exited:" >&2; tail -n 20 "$RUN/card.log" >&2
    return 1
  fi
  card_present
}

card_present_or_exited() { card_present || ! background_running card; }

card_stop() {
  card_serve_stop || return 1
  wait_until 10 "\"$(reader_name)\" is empty" card_absent
}

transport_teardown() { stop_background card TERM; }
