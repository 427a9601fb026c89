# Pairing a running card and station as a person would: `pivlink-card pair` on the phone and `pivlink pair` on the
# workstation, side by side; both print a 6-digit code, which must be the same, and a second call of each with
# `--confirm CODE` confirms it (what a person's "yes" does on a terminal). Sourced by lib/transport-ble.sh (the
# BLE emulator) and Tests/BlueZVM/daemons.sh (real bluetoothd), which define:
#   card_pair_cli ARGS      pivlink-card pair ARGS, on the card daemon's bus
#   station_pair_cli ARGS   pivlink pair ARGS, on the station's bus
#   busctl_bus              busctl's option naming that bus (--system, --address=…)
# Logs: $RUN/{card,station}-{pair,confirm}.log.

# card_bus_ready: the card daemon serves org.pivlink.Card1 (it does once its GATT application is registered).
card_bus_ready() {
  busctl "$(busctl_bus)" --timeout=5 get-property org.pivlink.Card /org/pivlink/Card org.pivlink.Card1 Fingerprint \
    >/dev/null 2>&1
}

# pairing_code LOG: the code a `pair` command printed to LOG.
pairing_code() { sed -nE 's/.*pairing code: ([0-9]{6}).*/\1/p' "$1" | tail -n 1; }
both_codes_shown() { [ -n "$(pairing_code "$RUN/card-pair.log")" ] && [ -n "$(pairing_code "$RUN/station-pair.log")" ]; }

# pair_devices: pairs them; fails, saying why on stderr, unless both sides end paired.
pair_devices() {
  rm -f "$RUN"/{card,station}-{pair,confirm}.log
  wait_until 20 "the card serves org.pivlink.Card1" card_bus_ready || return 1
  start_background card-pair "$RUN/card-pair.log" card_pair_cli --name "test station" --for 120s || return 1
  start_background station-pair "$RUN/station-pair.log" station_pair_cli --name "test phone" --for 120s || return 1
  if ! wait_until 60 "both sides show a pairing code" both_codes_shown; then
    tail -n 5 "$RUN/card-pair.log" "$RUN/station-pair.log" >&2
    return 1
  fi
  local code; code=$(pairing_code "$RUN/card-pair.log")
  [ "$code" = "$(pairing_code "$RUN/station-pair.log")" ] \
    || { echo "the two sides show different codes: $code and $(pairing_code "$RUN/station-pair.log")" >&2; return 1; }
  # Each confirmation waits for the ceremony's end, which needs the other's: the two run side by side.
  start_background card-confirm "$RUN/card-confirm.log" card_pair_cli --confirm "$code" || return 1
  start_background station-confirm "$RUN/station-confirm.log" station_pair_cli --confirm "$code" || return 1
  local side
  for side in card-confirm station-confirm card-pair station-pair; do
    wait_until 30 "$side ends" test -s "$RUN/$side.status" || return 1
    [ "$(cat "$RUN/$side.status")" = 0 ] || { echo "$side failed:" >&2; tail -n 5 "$RUN/$side.log" >&2; return 1; }
  done
}
