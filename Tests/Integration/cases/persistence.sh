#!/bin/bash
# The card's store across restarts of `pivlink-card serve`: keys, certificates and retry counters
# survive; a store sealed under another host secret is refused without being touched; init does not
# overwrite an existing store.
. "$(dirname "$0")/../lib/harness.sh"
harness_begin "$@"

# store_fingerprint: a checksum of every file of the store, with names and modes.
store_fingerprint() {
  (cd "$CARD_STORE" && find . -type f -printf '%p %m\n' -exec sha256sum {} \; | sort) | sha256sum
}

case_card_starts() {
  expect_ok "a new card is created" card_init
  expect_ok "status reads the new store" card_cli status
  expect_ok "the card appears in $(reader_name)" card_start
}

case_keys_before_restart() {
  expect_ok "RSA-2048 key and certificate in 9A" new_slot_key 9a RSA2048 "/CN=persistent 9a/"
  expect_ok "P-256 key and certificate in 9C" new_slot_key 9c ECCP256 "/CN=persistent 9c/"
  expect_ok "9A signs, openssl verifies" sign_and_verify 9a 01 sha256
  expect_ok "9C signs, openssl verifies" sign_and_verify 9c 02 sha256
  expect_equal "one wrong PIN: 4 tries left" 63C4 "$(apdu_sw "$(verify_apdu 999999)")"
}

case_restart_keeps_everything() {
  expect_ok "SIGTERM stops the card cleanly and empties the reader" card_stop
  expect_ok "the card starts again from its store" card_start
  expect_equal "the retry counter survived: 4 tries left" 63C4 "$(apdu_sw "00 20 00 80")"
  expect_ok "9A signs with the same key, openssl verifies with the key saved before" sign_and_verify 9a 01 sha256
  expect_ok "9C too" sign_and_verify 9c 02 sha256
  expect_ok "the 9A certificate reads back" ykpiv -a read-certificate -s 9a -o "$RUN/9a-after.pem"
  expect_same_file "unchanged" "$RUN/keys/9a.crt" "$RUN/9a-after.pem"
  expect_equal "the right PIN restores 5 tries (a wrong one then leaves 4)" "9000 63C4 9000" \
    "$(apdu_sws "$(verify_apdu "$DEFAULT_PIN")" "$(verify_apdu 999999)" "$(verify_apdu "$DEFAULT_PIN")")"
}

case_restart_keeps_pin_change() {
  expect_ok "change the PIN" ykpiv -a change-pin -P "$DEFAULT_PIN" -N 86420864
  expect_ok "restart" card_restart
  expect_ok "the new PIN verifies after the restart" ykpiv -P 86420864 -a verify-pin
  expect_ok "change it back" ykpiv -a change-pin -P 86420864 -N "$DEFAULT_PIN"
}

case_other_host_secret_refused() {
  expect_ok "stop the card" card_stop
  new_credential_secret "$RUN/other.secret"
  local before; before=$(store_fingerprint)
  local rc=0
  SYSTEMD_CREDENTIAL_SECRET=$RUN/other.secret timeout 30 "$PIVLINK_CARD_BIN" status --store "$CARD_STORE" \
    >"$RUN/out/other.stdout" 2>"$RUN/out/other.stderr" || rc=$?
  [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "status under another host secret exits non-zero" "exit status $rc"
  pass "status under another host secret exits non-zero ($rc)"
  expect_equal "with a one-line error on stderr" 1 "$(grep -c . "$RUN/out/other.stderr")"
  echo "   (error: $(cat "$RUN/out/other.stderr"))"
  rc=0
  SYSTEMD_CREDENTIAL_SECRET=$RUN/other.secret timeout 30 "$PIVLINK_CARD_BIN" serve --store "$CARD_STORE" \
    $(card_serve_arguments) >"$RUN/out/other.stdout" 2>"$RUN/out/other.stderr" || rc=$?
  [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "serve under another host secret exits non-zero at once" "exit status $rc"
  pass "serve under another host secret exits non-zero at once ($rc)"
  expect_equal "with a one-line error on stderr" 1 "$(grep -c . "$RUN/out/other.stderr")"
  expect_equal "the store is unchanged" "$before" "$(store_fingerprint)"
  expect_ok "with the right secret the card starts again" card_start
  expect_ok "and signs with its key" sign_and_verify 9a 01 sha256
}

# What systemd does for LoadCredentialEncrypted= (systemd/pivlink-card.service): it decrypts the sealed
# store key into a private directory and names it in $CREDENTIALS_DIRECTORY. serve must then take the key
# from there, without running systemd-creds: the host secret it is given here does not exist, and
# systemd-creds would create one if it ran.
case_systemd_credential_handover() {
  expect_ok "stop the card" card_stop
  mkdir -m 0700 "$RUN/credentials"
  expect_ok "systemd-creds decrypts the store key, as systemd does for the unit" \
    systemd-creds decrypt --name=pivlink-store-key "$CARD_STORE/store-key.cred" "$RUN/credentials/pivlink-store-key"
  local host_secret=$SYSTEMD_CREDENTIAL_SECRET
  export CREDENTIALS_DIRECTORY=$RUN/credentials SYSTEMD_CREDENTIAL_SECRET=$RUN/no-such-secret
  expect_ok "serve starts with the key from \$CREDENTIALS_DIRECTORY" card_start
  expect_ok "and signs with its key" sign_and_verify 9a 01 sha256
  expect_ok "stop it" card_stop
  unset CREDENTIALS_DIRECTORY
  export SYSTEMD_CREDENTIAL_SECRET=$host_secret
  [ ! -e "$RUN/no-such-secret" ] || fail "systemd-creds was not run" "$RUN/no-such-secret was created"
  pass "systemd-creds was not run"
  expect_ok "without it the card starts from the sealed key again" card_start
}

case_init_keeps_existing_store() {
  local before; before=$(store_fingerprint)
  expect_fail "init on an existing store is refused" card_init
  expect_equal "the store is unchanged" "$before" "$(store_fingerprint)"
}

run_case "a new card starts" case_card_starts
run_case "keys, certificates and a failed PIN before a restart" case_keys_before_restart
run_case "a restart keeps keys, certificates and counters" case_restart_keeps_everything
run_case "a restart keeps a changed PIN" case_restart_keeps_pin_change
run_case "a store under another host secret is refused" case_other_host_secret_refused
run_case "the store key handed over by systemd" case_systemd_credential_handover
run_case "init does not overwrite a store" case_init_keeps_existing_store
suite_summary
