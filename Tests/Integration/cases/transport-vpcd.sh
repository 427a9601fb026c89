#!/bin/bash
# The vpcd transport itself: the card appears and disappears with `pivlink-card serve`, survives
# pcscd restarts, and may start before pcscd (PIVLINK_VPCD_MODE picks who connects; see
# lib/transport-vpcd.sh). Run by Tests/Integration/run only when PIVLINK_TRANSPORT=vpcd.
. "$(dirname "$0")/../lib/harness.sh"
harness_begin "$@"

case_card_starts() {
  expect_ok "a new card is created" card_init
  expect_ok "the card appears in $(reader_name)" card_start
  expect_ok_output_contains "OpenSC identifies it" "Personal Identity Verification Card" opensc-tool -r "$(reader_index)" -n
  # What scripts/install leaves in /etc/reader.conf.d (it moves Debian's vpcd reader out, because the vpcd driver
  # keeps one slot table for all its readers): our two readers and no other.
  expect_ok "pcscd lists $(reader_name) and $VPCD_FRIENDLY_NAME 00 01, no other reader" \
    listed_reader_names_are "$(reader_name)" "$VPCD_FRIENDLY_NAME 00 01"
}

case_sigterm_removes_card() {
  expect_ok "SIGTERM: serve exits 0 and the reader empties" card_stop
  expect_fail "OpenSC finds no card" opensc-tool -r "$(reader_index)" -n
  expect_ok "serve again: the card is back" card_start
  expect_ok_output_contains "OpenSC identifies it" "Personal Identity Verification Card" opensc-tool -r "$(reader_index)" -n
}

case_pcscd_restart() {
  local pid; pid=$(background_pid card)
  expect_ok "pcscd stops" pcscd_stop
  expect_ok "the card keeps running without pcscd" background_running card
  expect_ok "pcscd starts again" pcscd_start
  expect_ok "the card is back in the reader within 15 s" wait_until 15 "the card is back" card_present
  expect_equal "it is the same serve process" "$pid" "$(background_pid card)"
  expect_ok_output_contains "OpenSC identifies it" "Personal Identity Verification Card" opensc-tool -r "$(reader_index)" -n
}

case_card_before_pcscd() {
  expect_ok "stop the card" card_stop
  expect_ok "stop pcscd" pcscd_stop
  start_background card "$RUN/card.log" "$PIVLINK_CARD_BIN" serve --store "$CARD_STORE" $(card_serve_arguments)
  expect_ok "serve runs while pcscd is down" background_running card
  expect_ok "pcscd starts" pcscd_start
  expect_ok "the card appears within 15 s" wait_until 15 "the card appears" card_present
  expect_ok_output_contains "OpenSC identifies it" "Personal Identity Verification Card" opensc-tool -r "$(reader_index)" -n
}

run_case "a new card starts" case_card_starts
run_case "SIGTERM removes the card" case_sigterm_removes_card
run_case "the card survives a pcscd restart" case_pcscd_restart
run_case "the card may start before pcscd" case_card_before_pcscd
suite_summary
