#!/bin/bash
# The PIN and PUK lifecycle at the APDU level (SP 800-73-4 part 2 §3.2): retry counters (63 CX),
# blocking (69 83), unblocking with the PUK, PUK blocking, RESET only when both are blocked, PIN
# format checks, and the idle timeout of the PIN-verified state (serve --pin-timeout).
# APDUs go through PC/SC with opensc-tool -s (one session per call, SELECT PIV first; lib/tools.sh).
. "$(dirname "$0")/../lib/harness.sh"
harness_begin "$@"

STATUS="00 20 00 80"
NEW_PIN=24681357

# unblock_apdu PUK NEW_PIN: RESET RETRY COUNTER for the PIN.
unblock_apdu() { echo "00 2C 00 80 10 $(pin_hex "$1")$(pin_hex "$2")"; }

is_blocked_sw() { [ "$1" = 6983 ] || [ "$1" = 63C0 ]; }

case_card_starts() {
  expect_ok "a new card is created" card_init
  expect_ok "the card appears in $(reader_name)" card_start
}

case_new_card_status() {
  expect_equal "VERIFY without data: not verified, 5 tries" 63C5 "$(apdu_sw "$STATUS")"
}

case_wrong_pins_count_down() {
  local left
  for left in 4 3 2 1; do
    expect_equal "a wrong PIN leaves $left" "63C$left" "$(apdu_sw "$(verify_apdu 999999)")"
  done
  expect_equal "the status shows 1 try left" 63C1 "$(apdu_sw "$STATUS")"
}

case_right_pin_restores() {
  expect_equal "the right PIN verifies; the status then says verified" "9000 9000" \
    "$(apdu_sws "$(verify_apdu "$DEFAULT_PIN")" "$STATUS")"
  expect_equal "a wrong PIN after that leaves 4 (counter was reset)" 63C4 "$(apdu_sw "$(verify_apdu 999999)")"
  expect_equal "a wrong PIN clears the verified state" 63C4 "$(apdu_sw "$STATUS")"
}

case_pin_blocks() {
  local sw
  for sw in 63C3 63C2 63C1; do
    expect_equal "wrong PIN: $sw" "$sw" "$(apdu_sw "$(verify_apdu 999999)")"
  done
  sw=$(apdu_sw "$(verify_apdu 999999)")
  is_blocked_sw "$sw" || fail "the fifth wrong PIN blocks it (63C0 or 6983)" "got $sw"
  pass "the fifth wrong PIN blocks it ($sw)"
  expect_equal "the right PIN is refused: 6983" 6983 "$(apdu_sw "$(verify_apdu "$DEFAULT_PIN")")"
  expect_output_contains "pkcs11-tool login reports the PIN locked" CKR_PIN_LOCKED \
    p11 -l --pin "$DEFAULT_PIN" -O
  expect_equal "CHANGE REFERENCE DATA with the right PIN is refused too" 6983 \
    "$(apdu_sw "00 24 00 80 10 $(pin_hex "$DEFAULT_PIN")$(pin_hex "$NEW_PIN")")"
}

case_puk_unblocks() {
  expect_equal "RESET RETRY COUNTER with the PUK sets a new PIN" 9000 \
    "$(apdu_sw "$(unblock_apdu "$DEFAULT_PUK" "$NEW_PIN")")"
  expect_equal "the new PIN verifies" 9000 "$(apdu_sw "$(verify_apdu "$NEW_PIN")")"
  expect_equal "the old PIN does not" 63C4 "$(apdu_sw "$(verify_apdu "$DEFAULT_PIN")")"
  expect_equal "CHANGE REFERENCE DATA back to the default PIN" 9000 \
    "$(apdu_sw "00 24 00 80 10 $(pin_hex "$NEW_PIN")$(pin_hex "$DEFAULT_PIN")")"
  expect_equal "the default PIN verifies, 5 tries again" "9000 63C4 9000" \
    "$(apdu_sws "$(verify_apdu "$DEFAULT_PIN")" "$(verify_apdu 999999)" "$(verify_apdu "$DEFAULT_PIN")")"
}

case_pin_format() {
  local sw
  sw=$(apdu_sw "00 24 00 80 10 $(pin_hex "$DEFAULT_PIN")$(pin_hex 12345)")
  [ "$sw" != 9000 ] || fail "a 5-digit new PIN is refused" "got 9000"
  pass "a 5-digit new PIN is refused ($sw)"
  expect_equal "the PIN is unchanged" 9000 "$(apdu_sw "$(verify_apdu "$DEFAULT_PIN")")"
  sw=$(apdu_sw "00 20 00 80 06 313233343536")
  [ "$sw" != 9000 ] || fail "VERIFY with unpadded data (6 bytes) is refused" "got 9000"
  pass "VERIFY with unpadded data (6 bytes) is refused ($sw)"
}

# The PUK's number of tries is the card's choice (YubiKeys and PivApplet: 3): the first wrong PUK
# tells it, then every further one must count down.
case_puk_blocks() {
  local sw left
  sw=$(apdu_sw "$(unblock_apdu 99999999 "$NEW_PIN")")
  [[ "$sw" == 63C[1-9A] ]] || fail "a wrong PUK is counted (63CX, at most 10 tries)" "got $sw"
  left=$((16#${sw:3:1}))
  pass "a wrong PUK is counted: $left tries left"
  while [ "$left" -gt 1 ]; do
    left=$((left - 1))
    expect_equal "wrong PUK: $left left" "$(printf '63C%X' "$left")" "$(apdu_sw "$(unblock_apdu 99999999 "$NEW_PIN")")"
  done
  sw=$(apdu_sw "$(unblock_apdu 99999999 "$NEW_PIN")")
  is_blocked_sw "$sw" || fail "the last wrong PUK blocks it (63C0 or 6983)" "got $sw"
  pass "the last wrong PUK blocks it ($sw)"
  expect_equal "the right PUK is refused: 6983" 6983 "$(apdu_sw "$(unblock_apdu "$DEFAULT_PUK" "$NEW_PIN")")"
  expect_equal "the PIN itself still works" 9000 "$(apdu_sw "$(verify_apdu "$DEFAULT_PIN")")"
}

case_reset_needs_both_blocked() {
  local sw
  expect_ok "a key and certificate in 9A" new_slot_key 9a ECCP256 "/CN=before reset/"
  sw=$(apdu_sw "00 FB 00 00")
  [ "$sw" != 9000 ] || fail "RESET is refused while the PIN is not blocked" "got 9000"
  pass "RESET is refused while the PIN is not blocked ($sw)"
  expect_equal "the 9A certificate is still there" 9000 "$(apdu_sw "00 CB 3F FF 05 5C 03 5F C1 05 00")"
  for sw in 1 2 3 4 5; do apdu_sw "$(verify_apdu 999999)" >/dev/null; done
  expect_equal "the PIN is now blocked too" 6983 "$(apdu_sw "$(verify_apdu "$DEFAULT_PIN")")"
  expect_equal "RESET succeeds" 9000 "$(apdu_sw "00 FB 00 00")"
  expect_equal "the PIN is the default again, with 5 tries" "63C5 9000" \
    "$(apdu_sws "$STATUS" "$(verify_apdu "$DEFAULT_PIN")")"
  expect_equal "the PUK is the default again" 9000 \
    "$(apdu_sw "$(unblock_apdu "$DEFAULT_PUK" "$DEFAULT_PIN")")"
  expect_equal "the 9A certificate is gone" 6A82 "$(apdu_sw "00 CB 3F FF 05 5C 03 5F C1 05 00")"
}

# A card reset ends the PIN-verified state (ISO 7816-4: security status is lost on reset).
# libykpiv resets the card when it disconnects.
case_reset_clears_verified_state() {
  expect_equal "VERIFY, then the status in the same session: verified" "9000 9000" \
    "$(apdu_sws "$(verify_apdu "$DEFAULT_PIN")" "$STATUS")"
  expect_ok "yubico-piv-tool verifies the PIN and resets the card when it disconnects" \
    ykpiv -P "$DEFAULT_PIN" -a verify-pin
  expect_equal "after the reset: not verified, 5 tries" 63C5 "$(apdu_sw "$STATUS")"
}

# The verified state must end after --pin-timeout seconds without use. Checked inside one PC/SC
# session (so the result does not depend on whether the card also clears the state between sessions),
# against a control run with the default timeout (900 s) that must still be verified after the same idle.
# verified_after_idle SECONDS: VERIFY, stay idle SECONDS, print the status word of a status query.
verified_after_idle() {
  apdu_session_start
  session_apdu "$(verify_apdu "$DEFAULT_PIN")" && [ "$SW" = 9000 ] || fail "VERIFY in the session" "SW $SW"
  # The idle period is what is under test, not a wait for a condition: nothing is sent meanwhile.
  sleep "$1"
  session_apdu "$STATUS" || fail "status query in the session"
  apdu_session_end
  echo "$SW"
}

case_pin_timeout() {
  expect_equal "default timeout: still verified after 3 s idle" 9000 "$(verified_after_idle 3)"
  expect_ok "restart the card with --pin-timeout 2" card_restart --pin-timeout 2
  expect_equal "--pin-timeout 2: no longer verified after 3 s idle" 63C5 "$(verified_after_idle 3)"
  expect_ok "restart the card with the default timeout" card_restart
}

run_case "a new card starts" case_card_starts
run_case "status of a new card" case_new_card_status
run_case "wrong PINs count down" case_wrong_pins_count_down
run_case "the right PIN restores the tries" case_right_pin_restores
run_case "the PIN blocks after 5 wrong tries" case_pin_blocks
run_case "the PUK unblocks the PIN" case_puk_unblocks
run_case "PIN format is enforced" case_pin_format
run_case "the PUK blocks when its tries run out" case_puk_blocks
run_case "RESET only when PIN and PUK are blocked" case_reset_needs_both_blocked
run_case "a card reset ends the PIN-verified state" case_reset_clears_verified_state
run_case "the PIN-verified state times out" case_pin_timeout
suite_summary
