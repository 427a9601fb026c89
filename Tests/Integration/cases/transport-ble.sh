#!/bin/bash
# The Bluetooth LE link itself (lib/transport-ble.sh): the card is in pcscd exactly while the link is up and
# comes back after every kind of loss — the card stopping, the link dropping, bluetoothd restarting or
# crashing, pcscd or the station restarting; a link lost in the middle of a chained RSA-2048 GENERAL
# AUTHENTICATE, or with the signature in the air, gives the client an error or a removed card, never a wrong
# answer, and the station sends nothing again after the reconnect; ATT MTU 23 and 517 both carry it; so
# does a link with 50 ms each way. Run by Tests/Integration/run only when PIVLINK_TRANSPORT=ble.
# The link is sealed (docs/link-protocol.md "Secure channel"), so the checks on the air (lib/air.sh) see no APDU
# bytes: only who sent each RECORD, its TXID and its LEN (the message's body + 19). Each says how it reads them.
. "$(dirname "$0")/../lib/harness.sh"
harness_begin "$@"
. "$HARNESS_LIB/air.sh"

# expect_link_mtu MTU: the station's current link has that ATT MTU, by its log.
expect_link_mtu() { expect_equal "the station's link has ATT MTU $1" "$1" "$(station_link_mtu)"; }

# drop_link: the emulator drops the link (a supervision timeout); the card leaves pcscd and comes back.
drop_link() {
  local mark; mark=$(pcscd_mark)
  expect_ok_output_contains "the emulator drops the link" "u 1" emulator Disconnect
  expect_card_back "$mark"
}

# expect_card_back PCSCD_MARK: pcscd sees the card removed (the station closed its vpcd connection) within
# 10 s, and a card in the reader again within 30 s. Until pcscd polls the reader, it still shows the old card.
expect_card_back() {
  expect_ok "the station takes the card out of pcscd within 10 s" \
    wait_until 10 "pcscd sees the card removed" card_removed_since "$1"
  expect_ok "the station reconnects: the card is back within 30 s" wait_until 30 "the card is back" card_present
}

# expect_same_daemons CARD_PID STATION_PID: neither daemon was restarted.
expect_same_daemons() {
  expect_equal "the card is the same serve process" "$1" "$(background_pid card)"
  expect_equal "the station is the same process" "$2" "$(background_pid station)"
}

case_card_starts() {
  expect_ok "a new card is created" card_init
  expect_ok "the card appears in $(reader_name) through the station" card_start
  expect_link_mtu "$PIVLINK_BLE_MTU"
  expect_ok_output_contains "OpenSC identifies it" "Personal Identity Verification Card" opensc-tool -r "$(reader_index)" -n
  expect_ok "RSA-2048 key and certificate in 9A" new_slot_key 9a RSA2048 "/CN=over the link 9a/"
  expect_ok "P-256 key and certificate in 9C" new_slot_key 9c ECCP256 "/CN=over the link 9c/"
}

# The signing crossed the air, sealed: the APDU bodies the station sent while each key signed (lib/air.sh) include
# a GENERAL AUTHENTICATE of that key's size — for 9A (RSA-2048) one carrying the 256-byte block (≥ 260 bytes: its
# first chained link is 5 + 255, an extended one longer; no other command of a signing is that long), for 9C
# (P-256) one carrying the 32-byte digest (43–45 bytes: header 5, template 7C 24 82 00 81 20 ‖ digest 38, Le).
case_signatures_cross_the_air() {
  local mark; mark=$(air_mark)
  expect_ok "9A signs (RSA-2048), openssl verifies" sign_and_verify 9a 01 sha256
  local bodies; bodies=$(air_apdu_bodies "$mark")
  awk '$1 >= 260 { found = 1 } END { exit !found }' <<<"$bodies" \
    || fail "the RSA-2048 GENERAL AUTHENTICATE crossed the air" "APDU bodies on the air: $(paste -sd " " <<<"$bodies")"
  pass "the RSA-2048 GENERAL AUTHENTICATE crossed the air, sealed (APDU bodies: $(paste -sd " " <<<"$bodies"))"
  mark=$(air_mark)
  expect_ok "9C signs (P-256), openssl verifies" sign_and_verify 9c 02 sha256
  bodies=$(air_apdu_bodies "$mark")
  awk '$1 >= 43 && $1 <= 45 { found = 1 } END { exit !found }' <<<"$bodies" \
    || fail "the P-256 GENERAL AUTHENTICATE crossed the air" "APDU bodies on the air: $(paste -sd " " <<<"$bodies")"
  pass "the P-256 GENERAL AUTHENTICATE crossed the air, sealed (APDU bodies: $(paste -sd " " <<<"$bodies"))"
}

case_card_stop_and_start() {
  local station; station=$(background_pid station)
  expect_ok "SIGTERM: serve exits 0, the station empties the reader and keeps running" card_stop
  expect_ok "the station logged the loss" log_contains "$RUN/station.log" "lost test phone"
  expect_fail "OpenSC finds no card" opensc-tool -r "$(reader_index)" -n
  expect_ok "serve again: the station brings the card back" card_start
  expect_equal "the same station" "$station" "$(background_pid station)"
  expect_ok "9A signs" sign_and_verify 9a 01 sha256
}

case_link_drop() {
  local card station; card=$(background_pid card) station=$(background_pid station)
  drop_link
  expect_same_daemons "$card" "$station"
  expect_ok_output_contains "OpenSC identifies it" "Personal Identity Verification Card" opensc-tool -r "$(reader_index)" -n
  expect_ok "9A signs" sign_and_verify 9a 01 sha256
}

# chained_sign_links: the two links of a chained GENERAL AUTHENTICATE asking 9A (RSA-2048) to sign
# $RUN/message, as CHAIN_FIRST (CLA 10, 255 bytes) and CHAIN_LAST (CLA 00, 11 bytes, Le 00).
chained_sign_links() {
  head -c 300 /dev/urandom > "$RUN/message"
  local data; data=$(rsa_sign_template 256 "$RUN/message")
  [ ${#data} -eq 532 ] || fail "the template is 266 bytes" "${#data} hex digits"
  CHAIN_FIRST="10 87 07 9A FF ${data:0:510}"
  CHAIN_LAST="00 87 07 9A 0B ${data:510} 00"
}

# expect_no_apdu_since MARK: the station sent no APDU since MARK — nothing replayed across the reconnect. On the
# air: no station record of LEN ≥ 23 (a body of ≥ 4 bytes) but 27 (a PING's); the new connection's handshake and
# its body-less requests (POWER_ON…, LEN 19) are all it may send.
expect_no_apdu_since() {
  local sent; sent=$(air_records "$1" apdus)
  [ -z "$sent" ] || fail "the station sent nothing again after the reconnect" "APDU records on the air (TXID LEN body):
$sent"
  pass "no APDU record crossed the air between the drop and the card's return (no replay)"
}

# expect_no_signature_answer: the last session_apdu failed (no status word: the card was removed or reset),
# or the card refused it; never a success carrying data, which could only be a wrong answer.
expect_no_signature_answer() {
  case "$SW" in
    "") pass "the client got an error, not an answer ($1)" ;;
    9000 | 61??) fail "the client got no answer to $1" "SW $SW, data ${DATA:-none}" ;;
    *) pass "the client got a refusal, not a signature ($1: SW $SW)" ;;
  esac
}

# expect_chuid_answer: a new session's GET DATA (CHUID) is answered with the CHUID, not a stale answer.
expect_chuid_answer() {
  apdu_session_start || fail "a new session starts"
  session_apdu "00 CB 3F FF 05 5C 03 5F C1 02 00" || fail "GET DATA (CHUID) is answered"
  apdu_session_end
  [ "$SW" = 9000 ] && [ "${DATA:0:2}" = 53 ] || fail "GET DATA (CHUID) gets the CHUID" "SW $SW, data ${DATA:0:40}…"
  pass "the next command gets its own answer (the CHUID)"
}

case_drop_mid_chain() {
  chained_sign_links
  apdu_session_start || fail "an APDU session starts"
  session_apdu "$(verify_apdu "$DEFAULT_PIN")" && [ "$SW" = 9000 ] || fail "VERIFY PIN" "SW $SW"
  local mark; mark=$(air_mark)
  session_apdu "$CHAIN_FIRST" && [ "$SW" = 9000 ] || fail "the first link of the chain is accepted" "SW $SW"
  pass "the first link of the chain is accepted: the card holds half a GENERAL AUTHENTICATE"
  # On the air: one APDU record with the first link's body (5 + 255 bytes) since the mark.
  expect_equal "it crossed the air once" 1 "$(air_apdu_bodies "$mark" | grep -cx "$(apdu_length "$CHAIN_FIRST")" || true)"
  mark=$(air_mark)
  drop_link
  expect_no_apdu_since "$mark"
  session_apdu "$CHAIN_LAST" || true
  expect_no_signature_answer "the last link, sent after the drop"
  apdu_session_end
  expect_chuid_answer
  expect_ok "after the reconnect 9A signs, openssl verifies" sign_and_verify 9a 01 sha256
}

# The card has the whole chain and signs; its answer is in the air (peripheral-to-central delayed 500 ms)
# when the link drops.
case_drop_with_the_answer_in_the_air() {
  chained_sign_links
  apdu_session_start || fail "an APDU session starts"
  session_apdu "$(verify_apdu "$DEFAULT_PIN")" && [ "$SW" = 9000 ] || fail "VERIFY PIN" "SW $SW"
  session_apdu "$CHAIN_FIRST" && [ "$SW" = 9000 ] || fail "the first link of the chain is accepted" "SW $SW"
  expect_ok "answers take 500 ms through the air" emulator SetDelay su peripheral-to-central 500
  local mark; mark=$(air_mark)
  session_apdu_send "$CHAIN_LAST"
  # On the air: a card record under the last link's TXID longer than a KEEPALIVE (LEN 20), i.e. its answer.
  expect_ok "the card sends its answer (its record on the air)" \
    wait_until 10 "the card's answer is on the air" air_answered_since "$mark"
  mark=$(air_mark)
  local removal; removal=$(pcscd_mark)
  expect_ok_output_contains "the emulator drops the link before the answer arrives" "u 1" emulator Disconnect
  expect_ok "answers travel at once again" emulator SetDelay su peripheral-to-central 0
  session_apdu_read || true
  expect_no_signature_answer "the last link, whose answer was lost"
  apdu_session_end
  expect_card_back "$removal"
  expect_no_apdu_since "$mark"
  expect_chuid_answer
  expect_ok "9A signs, openssl verifies" sign_and_verify 9a 01 sha256
}

# link_at_mtu MTU: the next link has that MTU; every request fragment fits it.
link_at_mtu() {
  local mtu=$1
  expect_ok "links open with ATT MTU $mtu from now on" emulator SetMTU q "$mtu"
  drop_link
  expect_link_mtu "$mtu"
  local mark; mark=$(air_mark)
  expect_ok "9A signs (RSA-2048), openssl verifies" sign_and_verify 9a 01 sha256
  expect_ok "9C signs (P-256), openssl verifies" sign_and_verify 9c 02 sha256
  expect_ok "yubico-piv-tool reads the 9A certificate" ykpiv -a read-certificate -s 9a -o "$RUN/read-9a.pem"
  expect_same_file "byte for byte" "$RUN/keys/9a.crt" "$RUN/read-9a.pem"
  local largest; largest=$(air_since "$mark" | sed -nE 's/.*"kind": "(write-command|notification)".*"value": "([0-9a-f]*)".*/\2/p' \
    | awk '{ if (length($0) / 2 > max) max = length($0) / 2 } END { print max + 0 }')
  # The card's info caps fragments at 510 bytes: bluetoothd 5.66 drops longer Write Commands.
  local size=$((mtu - 3 > 510 ? 510 : mtu - 3))
  expect_equal "the link's fragments are min(MTU − 3, 510) bytes" "$size" "$(station_link_fragment_size)"
  [ "$largest" -le "$size" ] || fail "every fragment fits MTU $mtu" "largest fragment $largest bytes > $size"
  [ "$mtu" -gt 23 ] || [ "$largest" -eq "$size" ] || fail "long messages fill the fragments" "largest $largest"
  pass "fragments of at most $size bytes (largest $largest)"
}

case_mtu_23_and_517() {
  link_at_mtu 23
  link_at_mtu 517
  expect_ok "back to this run's MTU" emulator SetMTU q "$PIVLINK_BLE_MTU"
  drop_link
}

case_delay() {
  expect_ok "50 ms from the station to the card" emulator SetDelay su central-to-peripheral 50
  expect_ok "50 ms from the card to the station" emulator SetDelay su peripheral-to-central 50
  local started=$SECONDS
  expect_ok "9A signs, openssl verifies" sign_and_verify 9a 01 sha256
  expect_ok "9C signs, openssl verifies" sign_and_verify 9c 02 sha256
  expect_ok_output_contains "yubico-piv-tool status" "Slot 9a:" ykpiv -a status
  echo "   (with 50 ms each way: $((SECONDS - started)) s)"
  expect_ok "no delay" emulator SetDelay su central-to-peripheral 0
  expect_ok "no delay back" emulator SetDelay su peripheral-to-central 0
}

GENERATE_RSA4096="00 47 00 82 05 AC 03 80 01 16 00"

# card_work_report MARK: for each GENERATE on the air since MARK — a station request with GENERATE_RSA4096's body
# length —, how long the card worked (to its last record under the request's TXID, the answer) and its longest
# silence under that TXID meanwhile; its 1-byte-body records (LEN 20) before the answer are the KEEPALIVEs.
card_work_report() { air_records "$1" work "$(apdu_length "$GENERATE_RSA4096")"; }

# The link protocol promises a KEEPALIVE at least every 500 ms while the card works, and the station gives up on a
# card silent for its response timeout (2 s). RSA-4096 generation takes from a fraction of a second to several
# seconds: generate until one took over a second, and check that the card was never silent for long meanwhile.
case_keepalives_while_the_card_works() {
  apdu_session_start || fail "an APDU session starts"
  session_admin_mutual 03 "$DEFAULT_MGMT_KEY" || fail "the administrator authenticates"
  local attempt mark report longest worked=0
  for attempt in 1 2 3 4 5 6; do
    mark=$(air_mark)
    session_apdu "$GENERATE_RSA4096" || fail "GENERATE RSA-4096 in 82 is answered (attempt $attempt)"
    [ "$SW" = 9000 ] || [[ "$SW" == 61?? ]] || fail "GENERATE RSA-4096 in 82 succeeds" "SW $SW"
    report=$(card_work_report "$mark")
    echo "   (RSA-4096 generation $attempt: $report)"
    longest=$(sed -nE 's/.*longest silence ([0-9.]+) s.*/\1/p' <<<"$report")
    [ -n "$longest" ] || fail "the generation's request and answer are on the air" "$report"
    awk -v s="$longest" 'BEGIN { exit !(s <= 0.6) }' \
      || fail "the card is never silent for more than 0.5 s (+0.1 s for the emulator) while it works" "$report"
    awk -v w="${report#worked }" 'BEGIN { exit !(w + 0 >= 1.0) }' && { worked=1; break; }
  done
  apdu_session_end
  [ "$worked" = 1 ] || fail "one of six RSA-4096 generations took over a second" "this machine is too fast to show it"
  pass "the card sent keepalives through a generation of over a second, never silent for more than 0.5 s"
}

# emulator_restart SIGNAL: bluetoothd goes away (TERM: in order; KILL: a crash) and a new one starts empty.
emulator_restart() {
  local card station; card=$(background_pid card) station=$(background_pid station)
  emulator_stop "$1" || true
  expect_ok "the card leaves pcscd within 10 s" wait_until 10 "the reader empties" card_absent
  expect_ok "the card daemon waits for bluetoothd" background_running card
  expect_ok "the station waits for bluetoothd" background_running station
  expect_ok "a new emulator starts" emulator_start
  expect_ok "the card is back within 60 s" wait_until 60 "the card is back" card_present
  expect_same_daemons "$card" "$station"
  expect_link_mtu "$PIVLINK_BLE_MTU"
  expect_ok "9A signs" sign_and_verify 9a 01 sha256
}

case_emulator_restart() { emulator_restart TERM; }
case_emulator_crash() { emulator_restart KILL; }

case_pcscd_restart() {
  local station; station=$(background_pid station)
  expect_ok "pcscd stops" pcscd_stop
  expect_ok "the station keeps running without pcscd" background_running station
  expect_ok "pcscd starts again" pcscd_start
  expect_ok "the card is back in the reader within 20 s" wait_until 20 "the card is back" card_present
  expect_equal "the same station" "$station" "$(background_pid station)"
  expect_ok "9A signs" sign_and_verify 9a 01 sha256
}

case_station_restart() {
  expect_ok "SIGTERM: the station exits 0" station_stop
  expect_ok "the reader is empty" wait_until 10 "the reader empties" card_absent
  expect_ok "the card keeps serving" background_running card
  expect_ok "the station starts again" station_start
  expect_ok "the card is back within 30 s" wait_until 30 "the card is back" card_present
  expect_ok "9A signs" sign_and_verify 9a 01 sha256
}

run_case "a new card starts over the link" case_card_starts
run_case "signatures cross the air" case_signatures_cross_the_air
run_case "the card stops and starts" case_card_stop_and_start
run_case "the link drops and comes back" case_link_drop
run_case "a drop in the middle of a chained RSA-2048 GENERAL AUTHENTICATE" case_drop_mid_chain
run_case "a drop with the signature in the air" case_drop_with_the_answer_in_the_air
run_case "ATT MTU 23 and 517" case_mtu_23_and_517
run_case "50 ms each way" case_delay
run_case "keepalives while the card works" case_keepalives_while_the_card_works
run_case "bluetoothd restarts" case_emulator_restart
run_case "bluetoothd crashes" case_emulator_crash
run_case "pcscd restarts" case_pcscd_restart
run_case "the station restarts" case_station_restart
suite_summary
