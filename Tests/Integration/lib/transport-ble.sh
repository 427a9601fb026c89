# Transport "ble": the card reached over Bluetooth LE, as a workstation reaches a phone. Inside the sandbox:
#   - a private system bus (Tests/BlueZEmulator/run-bus) and the BlueZ emulator on it, bluetoothd's
#     stand-in with two adapters joined by a virtual radio (Tests/BlueZEmulator/README.md);
#   - `pivlink-card serve --ble --adapter hci0`, the card as a GATT peripheral on the first adapter;
#   - `pivlink-station --foreground`, the central on hci1, which finds the card by its private advertisement,
#     opens the secure channel and presents it to pcscd's vpcd (the shipped listen-mode reader,
#     lib/vpcd-reader.sh) while the link is up.
# The first card_start pairs the two (pair_devices: `pivlink-card pair` and `pivlink pair` side by side, both
# confirmed with the code they show, as a person would), so every suite runs over the secure channel.
# The station starts with the first card_start and keeps running: card_stop stops only the card, and the
# station must then take the card out of pcscd, and bring it back (reconnecting with backoff) when the card
# serves again.
# Environment: PIVLINK_STATION_BIN (default: pivlink-station beside PIVLINK_CARD_BIN), PIVLINK_BLE_MTU (the
# ATT MTU of every link, 23..517; default 517, the emulator's).
# Logs: $RUN/emulator.log, $RUN/card.log, $RUN/station.log; every PDU on the air goes to $RUN/air.jsonl (the
# emulator's capture: JSON lines, see its README).
PIVLINK_VPCD_MODE=listen # the station connects to vpcd
. "$HARNESS_LIB/vpcd-reader.sh"
. "$HARNESS_LIB/pairing.sh"

PIVLINK_STATION_BIN=${PIVLINK_STATION_BIN:-$(dirname "${PIVLINK_CARD_BIN:-.}")/pivlink-station}
PIVLINK_BIN=${PIVLINK_BIN:-$(dirname "${PIVLINK_CARD_BIN:-.}")/pivlink}
PIVLINK_BLE_MTU=${PIVLINK_BLE_MTU:-517}
EMULATOR_DIR=$REPO_ROOT/Tests/BlueZEmulator
# The emulator's fixed adapters: hci0 is the card's, hci1 the station's.
CARD_ADAPTER=hci0
STATION_ADAPTER=hci1

transport_setup() {
  [ -x "$PIVLINK_STATION_BIN" ] || die "PIVLINK_STATION_BIN=$PIVLINK_STATION_BIN is not an executable (build pivlink-station)"
  /usr/bin/python3 -c "import dbus, gi" 2>/dev/null \
    || die "the BlueZ emulator needs Debian's python3-dbus and python3-gi (scripts/debian-packages)"
  [ "$PIVLINK_BLE_MTU" -ge 23 ] 2>/dev/null && [ "$PIVLINK_BLE_MTU" -le 517 ] \
    || die "PIVLINK_BLE_MTU=$PIVLINK_BLE_MTU is not an ATT MTU in 23..517"
  AIR_CAPTURE=$RUN/air.jsonl STATION_CONF=$RUN/station.conf
  install_reader_conf
  mkdir -p "$RUN/bus"
  local bus; bus=$("$EMULATOR_DIR/run-bus" "$RUN/bus") || die "cannot start a private bus (Debian package dbus)"
  eval "$bus"
  # Only the daemons and our own calls use this bus; the client tools keep the environment they had.
  BLE_BUS_ADDRESS=$DBUS_SYSTEM_BUS_ADDRESS BLE_BUS_PID=$PIVLINK_TEST_BUS_PID
  unset DBUS_SYSTEM_BUS_ADDRESS PIVLINK_TEST_BUS_PID
  emulator_start || die "the BlueZ emulator did not come up"
  write_station_conf
}

# write_station_conf: Config/station.conf with the station's adapter and the reader's port, no RSSI source (the
# card follows the link alone; ble-presence sets the emulator's), and a round-trip probe once a minute (the air
# readers of the suites tell the station's requests apart by length; ble-presence probes faster).
write_station_conf() {
  sed -e "s/^adapter: .*/adapter: $STATION_ADAPTER/" -e "s/^vpcd: .*/vpcd: \"127.0.0.1:$VPCD_PORT\"/" \
    -e "s/^  signal: .*/  signal: none/" -e "s/^  rtt_interval: .*/  rtt_interval: 60/" \
    "$REPO_ROOT/Config/station.conf" > "$STATION_CONF"
  grep -q "^adapter: $STATION_ADAPTER" "$STATION_CONF" && grep -q "^vpcd: \"127.0.0.1:$VPCD_PORT\"" "$STATION_CONF" \
    && grep -q "^  rtt_interval: 60" "$STATION_CONF" || die "Config/station.conf lacks adapter/vpcd/rtt_interval lines"
}

# ble_env: the environment entry giving a program the private bus as its system bus, used as
# `env "$(ble_env)" PROGRAM` (env execs PROGRAM, so start_background's pid is the program's own).
ble_env() { echo "DBUS_SYSTEM_BUS_ADDRESS=$BLE_BUS_ADDRESS"; }

# emulator METHOD [SIGNATURE ARGS...]: a call of org.pivlink.Emulator1 (SetMTU q 23, SetDelay su …, Disconnect).
emulator() {
  local method=$1; shift
  busctl --address="$BLE_BUS_ADDRESS" --timeout=10 call org.bluez /org/pivlink/emulator org.pivlink.Emulator1 \
    "$method" "$@"
}

# emulator_start: the emulator (a new one is a restarted bluetoothd: it knows no devices), capturing the air,
# with the MTU of this run.
emulator_start() {
  start_background emulator "$RUN/emulator.log" env "$(ble_env)" "$EMULATOR_DIR/bluez-emulator" \
    --capture "$AIR_CAPTURE" || return 1
  wait_until 20 "the emulator owns org.bluez" emulator GetState || { tail -n 20 "$RUN/emulator.log" >&2; return 1; }
  emulator SetMTU q "$PIVLINK_BLE_MTU" >/dev/null
}

# emulator_stop [SIGNAL]: TERM is bluetoothd's orderly shutdown, KILL a crash.
emulator_stop() { stop_background emulator "${1:-TERM}"; }

# The station keeps its seated baseline in $STATE_DIRECTORY, as systemd's StateDirectory= gives it.
station_start() {
  mkdir -p "$RUN/station-state"
  start_background station "$RUN/station.log" env "$(ble_env)" STATE_DIRECTORY="$RUN/station-state" \
    "$PIVLINK_STATION_BIN" --foreground --config "$STATION_CONF"
}

# station_stop: SIGTERM; the station exits 0 and takes the card out of pcscd.
station_stop() { stop_background station TERM; }

card_serve_arguments() { echo "--ble --adapter $CARD_ADAPTER"; }

# pivlink_cli ARGS: the workstation's CLI, on the private bus.
pivlink_cli() { env "$(ble_env)" "$PIVLINK_BIN" "$@"; }

# What lib/pairing.sh runs: both CLIs on the private bus.
card_pair_cli() { env "$(ble_env)" "$PIVLINK_CARD_BIN" pair "$@"; }
station_pair_cli() { pivlink_cli pair "$@"; }
busctl_bus() { echo "--address=$BLE_BUS_ADDRESS"; }

# card_paired: the card holds at least one station (a card made anew with `init --force` holds none, though the
# station may still know its old key).
card_paired() { ! env "$(ble_env)" "$PIVLINK_CARD_BIN" status --store "$CARD_STORE" | grep -q "^paired stations: *none"; }

# card_start [SERVE ARGS]: the card, and the station if it is not running, until the card is in the reader;
# the first time, the two are paired first. The deadline covers the station's reconnect backoff after the card
# was away for a while.
card_start() {
  # shellcheck disable=SC2046 # the serve arguments are words by design
  start_background card "$RUN/card.log" env "$(ble_env)" "$PIVLINK_CARD_BIN" serve --store "$CARD_STORE" \
    $(card_serve_arguments) "$@" || return 1
  background_running station || station_start || return 1
  wait_until 20 "the station answers on the bus" pivlink_cli status >/dev/null || return 1
  if ! card_paired; then
    pair_devices || { echo "pairing failed" >&2; tail -n 20 "$RUN/card.log" "$RUN/station.log" >&2; return 1; }
  fi
  wait_until 60 "the card is in \"$(reader_name)\" through the station (or a daemon has exited)" \
    card_present_or_exited
  local daemon
  for daemon in card station; do
    if ! background_running "$daemon"; then
      echo "$daemon exited:" >&2; tail -n 20 "$RUN/$daemon.log" >&2
      return 1
    fi
  done
  card_present
}

card_present_or_exited() { card_present || ! background_running card || ! background_running station; }

# card_stop: SIGTERM to the card; it exits 0, the station takes the card out of pcscd and keeps running.
card_stop() {
  card_serve_stop || return 1
  wait_until 10 "the station empties \"$(reader_name)\"" card_absent || return 1
  background_running station || { echo "the station exited when the card stopped" >&2; return 1; }
}

transport_teardown() {
  station_stop
  stop_background card TERM
  emulator_stop
  [ -n "${BLE_BUS_PID:-}" ] && kill "$BLE_BUS_PID" 2>/dev/null
  return 0
}

# --- the air ---------------------------------------------------------------------------------------------
# air_mark: the capture's current end; air_since MARK: the records after it.
air_mark() { stat -c %s "$AIR_CAPTURE" 2>/dev/null || echo 0; }
air_since() { tail -c +"$(($1 + 1))" "$AIR_CAPTURE" 2>/dev/null; }

# station_link_mtu / station_link_fragment_size: the ATT MTU and the fragment size the station reported for
# its current link, from its log.
station_link_mtu() {
  sed -nE 's/.*secure channel open to .* \(ATT MTU ([0-9]+),.*/\1/p' "$RUN/station.log" | tail -n 1
}
station_link_fragment_size() {
  sed -nE 's/.*secure channel open to .* \(ATT MTU [0-9]+, fragments of ([0-9]+) bytes\).*/\1/p' "$RUN/station.log" | tail -n 1
}
