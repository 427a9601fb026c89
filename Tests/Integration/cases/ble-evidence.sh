#!/bin/bash
# Evidence that the Bluetooth LE link is an authenticated, encrypted channel (issue 5, "Evidence"), read from the
# BlueZ emulator's capture of every PDU on the air ($RUN/air.jsonl; lib/air-records.py reads it as a radio
# listener could: who sent each frame, its command byte, TXID and LEN, its bytes — no keys):
#   (a) a pam_pkcs11 logon with the PIN and a signature: the PIN is in no captured value nor in any frame put back
#       together from its fragments; every handshake (three connections at least) has its own ephemeral keys; no
#       record's bytes repeat;
#   (b) the same APDU twice in one session crosses as two records of equal length and different bytes;
#   (c) captured request fragments written again (Emulator1.ReplayWrites) are refused — ERROR CHANNEL_FAILED in
#       the clear — and run nothing (a VERIFY with a wrong PIN, replayed, costs no second try), and the station
#       reconnects and serves;
#   (d) a station whose key the card removed is refused — NOT_PAIRED in the clear, both daemons say so — and the
#       card stays out of pcscd until the two are paired again;
#   (e) with the card away, a stranger's connectable advertisement from the card's own address (a random 10-byte
#       token, then the pairing marker 01, under the pivlink service UUID) reaches the station's adapter and is
#       ignored: no "recognised", no "connecting to", no central-to-peripheral PDU on the air; the card then
#       comes back and serves.
# Bluetooth LE only: Tests/Integration/run runs ble-* suites when PIVLINK_TRANSPORT=ble.
export PIVLINK_TRANSPORT=ble
. "$(dirname "$0")/../lib/harness.sh"
harness_begin "$@"
. "$HARNESS_LIB/air.sh"

USER_NAME=pivtest
WRONG_PIN=999999
# VERIFY without data: the PIN's retry counter in SW 63Cx, no try spent.
PIN_TRIES_APDU="00 20 00 80"

# expect_card_back PCSCD_MARK: pcscd sees the card removed within 10 s and a card in the reader again within 30 s.
expect_card_back() {
  expect_ok "the station takes the card out of pcscd within 10 s" \
    wait_until 10 "pcscd sees the card removed" card_removed_since "$1"
  expect_ok "the station reconnects: the card is back within 30 s" wait_until 30 "the card is back" card_present
}

# drop_link: the emulator drops the link; the station opens a new one (a new handshake).
drop_link() {
  local mark; mark=$(pcscd_mark)
  expect_ok_output_contains "the emulator drops the link" "u 1" emulator Disconnect
  expect_card_back "$mark"
}

# pin_tries: the PIN's retry counter, read in a session of its own. The card's session outlives PC/SC's (the
# link stays up), so a PIN verified earlier is forgotten first (VERIFY P1 FF), or the query answers 9000.
pin_tries() {
  apdu_session_start || return 1
  session_apdu "00 20 FF 80" && [ "$SW" = 9000 ] || { apdu_session_end; return 1; }
  session_apdu "$PIN_TRIES_APDU" || { apdu_session_end; return 1; }
  apdu_session_end
  [[ "$SW" == 63C? ]] || { echo "VERIFY without data: SW $SW" >&2; return 1; }
  echo "${SW:3:1}"
}

# station_log_since BYTE: the station's log after BYTE (a size of it taken earlier).
station_log_since() { tail -c +"$(($1 + 1))" "$RUN/station.log"; }
station_connecting_since() { station_log_since "$1" | grep -q "connecting to"; }

# station_fingerprint: this station's key, as `pivlink status` shows it.
station_fingerprint() { pivlink_cli status | sed -nE 's/^ *fingerprint: *([^ ]+).*/\1/p' | head -n 1; }

# replay_arguments HEX…: busctl's arguments for an `aay` of these values: COUNT, then LENGTH BYTE… per value.
replay_arguments() {
  local value words=("$#")
  for value in "$@"; do
    words+=("$((${#value} / 2))")
    while [ -n "$value" ]; do words+=("0x${value:0:2}"); value=${value:2}; done
  done
  echo "${words[@]}"
}

case_card_user_and_ca() {
  expect_ok "a new card is created" card_init
  expect_ok "the card appears in $(reader_name) through the station (paired first)" card_start
  expect_ok "a test CA with an empty CRL" pki_ca_create
  expect_ok "a test user exists (inside the sandbox only)" add_test_user "$USER_NAME"
  expect_logon_certificate "$USER_NAME"
}

# (a) The whole capture so far (pairing, the set-up, the logon, the signature, three connections) is read.
case_logon_and_signature_leave_no_secret_on_the_air() {
  expect_ok_output_contains "pam_pkcs11 logs $USER_NAME on with the PIN" "successfully authenticated" \
    pam_login "$USER_NAME" "$DEFAULT_PIN"
  expect_ok "9A signs, openssl verifies" sign_and_verify 9a 01 sha256
  drop_link
  expect_ok "9A signs over the second connection" sign_and_verify 9a 01 sha256
  drop_link
  expect_ok "9A signs over the third connection" sign_and_verify 9a 01 sha256
  # The PIN crossed the air: VERIFY, sealed, as a station record of 13 + 19 bytes.
  expect_ok "the VERIFYs crossed the air, sealed (13-byte APDU records)" air_has_apdu_body 0 13
  expect_ok "the PIN ($DEFAULT_PIN, block $(pin_hex "$DEFAULT_PIN")) is in no captured value nor frame" \
    air_records 0 pin-absent "$DEFAULT_PIN" "$(pin_hex "$DEFAULT_PIN")"
  echo "   ($(last_output))"
  expect_ok "every handshake's ephemeral keys (A0 and A1, first 32 bytes) are distinct, over 3 connections or more" \
    air_records 0 ephemerals-distinct 3
  echo "   ($(last_output))"
  expect_ok "no record's bytes repeat" air_records 0 records-unique
  echo "   ($(last_output))"
}

# (b) VERIFY with the right PIN, twice: no cache on the station answers it, so both cross the air.
case_same_apdu_twice_differs_on_the_air() {
  apdu_session_start || fail "an APDU session starts"
  local mark; mark=$(air_mark)
  session_apdu "$(verify_apdu "$DEFAULT_PIN")" && [ "$SW" = 9000 ] || fail "VERIFY PIN" "SW $SW"
  session_apdu "$(verify_apdu "$DEFAULT_PIN")" && [ "$SW" = 9000 ] || fail "the same VERIFY again" "SW $SW"
  apdu_session_end
  expect_equal "two APDU records crossed the air, of the VERIFY's 13 bytes" "13 13" "$(air_apdu_bodies "$mark" | paste -sd " ")"
  expect_ok "they have equal LEN and different bytes" air_records "$mark" last-two-differ
  echo "   ($(last_output))"
}

# (c) A VERIFY with a wrong PIN costs one try; its fragments, captured and written again on the link, are refused
# by the card's channel (the record's counter is past) and cost none.
case_replayed_fragments_are_refused() {
  local tries; tries=$(pin_tries) || fail "the PIN's tries are readable"
  apdu_session_start || fail "an APDU session starts"
  local mark; mark=$(air_mark)
  session_apdu "$(verify_apdu "$WRONG_PIN")" || fail "VERIFY with a wrong PIN is answered"
  apdu_session_end
  expect_equal "the wrong PIN costs a try" "63C$((tries - 1))" "$SW"
  expect_equal "it crossed the air as one 13-byte APDU record" 13 "$(air_apdu_bodies "$mark" | head -n 1)"
  local fragments; mapfile -t fragments < <(air_records "$mark" fragments)
  [ ${#fragments[@]} -ge 1 ] || fail "its fragments are in the capture"
  local replay_mark removal; replay_mark=$(air_mark) removal=$(pcscd_mark)
  # shellcheck disable=SC2046 # the words are busctl's arguments by design
  expect_ok_output_contains "the emulator writes its ${#fragments[@]} fragment(s) again" "u ${#fragments[@]}" \
    emulator ReplayWrites aay $(replay_arguments "${fragments[@]}")
  expect_ok "the card answers ERROR CHANNEL_FAILED in the clear (bf TX 00 01 0a)" \
    wait_until 10 "CHANNEL_FAILED on the air" air_clear_error_since "$replay_mark" 0a
  expect_card_back "$removal"
  expect_ok_output_contains "the station opened a new channel (A1 on the air)" "card a1" \
    air_records "$replay_mark" handshakes
  expect_equal "the replayed VERIFY ran nothing: the tries are as the wrong PIN left them" \
    "$((tries - 1))" "$(pin_tries)"
  expect_ok "the right PIN restores the tries" ykpiv -P "$DEFAULT_PIN" -a verify-pin
  expect_ok "the station serves again: 9A signs" sign_and_verify 9a 01 sha256
}

# (d) The card forgets this station while the station is on its way to it: the station recognised the card's
# token and connects (the emulator holds the connection back 3 s), the card's pairing window keeps it connectable
# (a card forgetting its only station stops advertising, so a station only reaches it this way, or with a token
# heard just before), and the station's handshake meets a card that no longer knows it.
case_station_removed_on_the_card_is_refused() {
  local fingerprint; fingerprint=$(station_fingerprint)
  [ -n "$fingerprint" ] || fail "pivlink status shows the station's fingerprint" "$(pivlink_cli status 2>&1)"
  expect_ok_output_contains "pivlink-card status lists the station" "$fingerprint" \
    env "$(ble_env)" "$PIVLINK_CARD_BIN" status --store "$CARD_STORE"
  expect_ok "the card's pairing window opens (the card stays connectable on the air)" \
    start_background card-window "$RUN/card-window.log" env "$(ble_env)" "$PIVLINK_CARD_BIN" pair --for 120s \
      --name "nobody"
  expect_ok "connections take 3 s from now on" emulator SetDelay su connect 3000
  local mark log_mark removal; mark=$(air_mark) log_mark=$(stat -c %s "$RUN/station.log") removal=$(pcscd_mark)
  expect_ok_output_contains "the emulator drops the link" "u 1" emulator Disconnect
  expect_ok "the station recognises the card and connects" \
    wait_until 20 "the station connects again" station_connecting_since "$log_mark"
  expect_ok "pivlink-card unpair removes the station on the card" \
    env "$(ble_env)" "$PIVLINK_CARD_BIN" unpair --store "$CARD_STORE" "$fingerprint"
  expect_ok "the card logs it" log_contains "$RUN/card.log" "unpaired on the card"
  expect_ok "the station's handshake is refused: ERROR NOT_PAIRED in the clear (bf 00 00 01 08)" \
    wait_until 30 "NOT_PAIRED on the air" air_clear_error_since "$mark" 08
  expect_ok "the card logs the refusal" wait_until 10 "the card logs the refusal" \
    log_contains "$RUN/card.log" "refused"
  expect_ok "the station logs that the card does not know it" wait_until 10 "the station logs NOT_PAIRED" \
    log_contains "$RUN/station.log" "does not know this station"
  expect_equal "no handshake was answered (no A1 on the air)" 0 \
    "$(air_records "$mark" handshakes | grep -c "card a1" || true)"
  expect_ok "the card left pcscd" wait_until 10 "pcscd sees the card removed" card_removed_since "$removal"
  expect_ok "…and is not back" card_absent
  stop_background card-window TERM || true
  busctl --address="$BLE_BUS_ADDRESS" --timeout=10 call org.pivlink.Card /org/pivlink/Card org.pivlink.Card1 \
    CancelPairing >/dev/null 2>&1 || true
  expect_ok "connections are immediate again" emulator SetDelay su connect 0
  expect_ok "pairing again (both CLIs, --confirm)" pair_devices
  expect_ok "the card is back in pcscd within 60 s" wait_until 60 "the card is back" card_present
  expect_ok "9A signs" sign_and_verify 9a 01 sha256
}

# (e) The card is away and the station looks for it; another device advertises from the card's adapter (so from
# the card's address: only the token may tell the two apart) what a card of someone else, or a card in pairing
# mode, would: neither is the station's card, so the station must not connect.
PIVLINK_SERVICE_UUID=898a0001-6249-4f6c-b878-318bb3580b9c
# Each stranger's advertisement gets this long to draw a reaction from the station (polled, not slept).
STRANGER_QUIET_SECONDS=5

# card_device_on_station: the Device1 path under the station's adapter for the card adapter's address.
card_device_on_station() {
  local address
  address=$(busctl --address="$BLE_BUS_ADDRESS" --timeout=10 get-property org.bluez "/org/bluez/$CARD_ADAPTER" \
    org.bluez.Adapter1 Address | sed -nE 's/^s "([0-9A-F:]+)"$/\1/p')
  [ -n "$address" ] || return 1
  echo "/org/bluez/$STATION_ADAPTER/dev_${address//:/_}"
}

# station_heard_service_data DEVICE HEX: the station's adapter holds HEX as DEVICE's service data under the
# pivlink UUID, i.e. it received that advertisement (busctl shows it as `ay COUNT BYTE…`, decimal).
station_heard_service_data() {
  local hex=$1 expected
  expected="\"$PIVLINK_SERVICE_UUID\" ay $((${#hex} / 2))"
  while [ -n "$hex" ]; do expected+=" $((16#${hex:0:2}))"; hex=${hex:2}; done
  busctl --address="$BLE_BUS_ADDRESS" --timeout=10 get-property org.bluez "$2" org.bluez.Device1 ServiceData \
    | grep -qF -- "$expected"
}

# air_central_writes_since MARK: how many PDUs a central sent since MARK (a connection's first is its service
# discovery).
air_central_writes_since() { air_since "$1" | grep -c '"direction": "central-to-peripheral"' || true; }

# air_advertised_since MARK HEX: an advertising record since MARK ends in the AD structure "Service Data – 128-bit
# UUID" carrying HEX under the pivlink UUID: length, type 21, the UUID (least significant byte first), HEX.
air_advertised_since() {
  local uuid=${PIVLINK_SERVICE_UUID//-/} reversed=""
  while [ -n "$uuid" ]; do reversed=${uuid:0:2}$reversed; uuid=${uuid:2}; done
  local structure; structure=$(printf "%02x21%s%s" $((1 + 16 + ${#2} / 2)) "$reversed" "$2")
  air_since "$1" | grep '"kind": "advertising-data"' | grep -qE "\"value\": \"[0-9a-f]*$structure\""
}

# station_reached_for_since LOG_MARK AIR_MARK: the station took something for its card (logged "recognised" or
# "connecting to"), or a link is up, or a central spoke on the air since the marks.
station_reached_for_since() {
  station_log_since "$1" | grep -qE "recognised|connecting to" && return 0
  [ "$(air_central_writes_since "$2")" -gt 0 ] && return 0
  ! emulator GetState | grep -qE '"Links" u 0( |$)'
}

# stranger_is_ignored WHAT HEX: advertises HEX as service data from the card's adapter until the station's adapter
# has it, then for STRANGER_QUIET_SECONDS the station must neither log that it recognised or connects to anything
# nor open a link.
stranger_is_ignored() {
  local what=$1 hex=$2 device log_mark air_mark_before
  device=$(card_device_on_station) || fail "the card adapter's address is readable"
  log_mark=$(stat -c %s "$RUN/station.log") air_mark_before=$(air_mark)
  # The emulator has no third adapter, so the stranger advertises from the card's address, which the station's
  # adapter still holds with the card's last token as its cached ServiceData: the harder case (a report's RSSI
  # alone must not be judged on that stale token; only a report's own service data counts).
  expect_ok "a stranger advertises $what ($hex) from $CARD_ADAPTER, connectable" \
    start_background stranger "$RUN/stranger.log" env "$(ble_env)" /usr/bin/python3 "$HARNESS_LIB/advertise.py" \
      --bus "$BLE_BUS_ADDRESS" --adapter "$CARD_ADAPTER" --uuid "$PIVLINK_SERVICE_UUID" --service-data "$hex"
  expect_ok "$CARD_ADAPTER takes the advertisement" \
    wait_until 10 "the stranger's advertisement is registered" log_contains "$RUN/stranger.log" registered
  expect_ok "the station's adapter ($STATION_ADAPTER) received it: Device1.ServiceData of $device" \
    wait_until 20 "$STATION_ADAPTER holds the stranger's service data" station_heard_service_data "$hex" "$device"
  expect_ok "…and it was on the air (an advertising record ending in it)" \
    wait_until 5 "the advertisement is in the capture" air_advertised_since "$air_mark_before" "$hex"
  expect_fail "for ${STRANGER_QUIET_SECONDS} s the station neither recognises, connects nor opens a link" \
    wait_until "$STRANGER_QUIET_SECONDS" "the station reaches for the stranger" \
      station_reached_for_since "$log_mark" "$air_mark_before"
  expect_equal "the station logged no \"recognised\" and no \"connecting to\"" 0 \
    "$(station_log_since "$log_mark" | grep -cE "recognised|connecting to" || true)"
  expect_equal "no central-to-peripheral PDU on the air" 0 "$(air_central_writes_since "$air_mark_before")"
  expect_ok_output_contains "no link is up" '"Links" u 0' emulator GetState
  expect_ok "the station still runs" background_running station
  expect_ok "the stranger stops" stop_background stranger TERM
}

station_recognised_since() { station_log_since "$1" | grep -q "recognised"; }

case_stranger_advertisement_is_ignored() {
  expect_ok "the card stops; the station takes it out and looks for it" card_stop
  stranger_is_ignored "a random 10-byte token" "$(od -An -tx1 -N10 /dev/urandom | tr -d ' \n')"
  stranger_is_ignored "the pairing marker" 01
  local log_mark; log_mark=$(stat -c %s "$RUN/station.log")
  expect_ok "the card serves again and is in the reader through the station" card_start
  expect_ok "the station recognised it by its token" station_recognised_since "$log_mark"
  expect_ok "9A signs" sign_and_verify 9a 01 sha256
}

run_case "a card, a user and a CA" case_card_user_and_ca
run_case "(a) a logon and signatures leave no PIN, no repeated key or record on the air" \
  case_logon_and_signature_leave_no_secret_on_the_air
run_case "(b) the same APDU twice differs on the air" case_same_apdu_twice_differs_on_the_air
run_case "(c) replayed fragments are refused and run nothing" case_replayed_fragments_are_refused
run_case "(d) a station removed on the card is refused until paired again" case_station_removed_on_the_card_is_refused
run_case "(e) a stranger's advertisement is ignored" case_stranger_advertisement_is_ignored
suite_summary
