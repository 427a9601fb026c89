#!/bin/bash
# yubico-piv-tool 2.2 (Debian 12) against the card: key generation in every slot, certificate import,
# signatures, PIN and PUK management, management key change, attestation, retries, reset.
# Debian's 2.2 speaks only 3DES management keys and RSA up to 2048, and its selfsign and
# request-certificate actions fail under OpenSSL 3 whatever the card (Yubico/yubico-piv-tool issue
# 388): the certificates here are self-signed by the card through OpenSC (lib/tools.sh new_slot_key).
. "$(dirname "$0")/../lib/harness.sh"
harness_begin "$@"

NEW_MGMT_KEY=f1e2d3c4b5a69788796a5b4c3d2e1f0f1e2d3c4b5a697887

case_card_starts() {
  expect_ok "a new card is created" card_init
  expect_ok "the card appears in $(reader_name)" card_start
}

case_status_of_new_card() {
  expect_ok_output_contains "status shows 5 PIN tries" "PIN tries left:	5" ykpiv -a status
}

case_generate_every_slot() {
  expect_ok "RSA-2048 in 9A" new_slot_key 9a RSA2048 "/CN=pivlink 9a/O=pivlink test/"
  expect_ok "P-256 in 9C" new_slot_key 9c ECCP256 "/CN=pivlink 9c/"
  expect_ok "P-384 in 9D" new_slot_key 9d ECCP384 "/CN=pivlink 9d/"
  expect_ok "RSA-2048 in 9E" new_slot_key 9e RSA2048 "/CN=pivlink 9e/"
  local slot
  for slot in 9a 9c 9d 9e; do
    expect_ok "the self-signed $slot certificate carries the generated key" \
      same_public_key "$RUN/keys/$slot.pub" "$RUN/keys/$slot.crt"
    expect_ok "the $slot certificate verifies under its own key" \
      openssl verify -check_ss_sig -partial_chain -trusted "$RUN/keys/$slot.crt" "$RUN/keys/$slot.crt"
    expect_ok "read-certificate returns it" ykpiv -a read-certificate -s "$slot" -o "$RUN/read-$slot.pem"
    expect_same_file "byte for byte" "$RUN/keys/$slot.crt" "$RUN/read-$slot.pem"
  done
}

case_status_lists_slots() {
  expect_ok "status" ykpiv -a status
  local expected
  for expected in "Slot 9a:" "Slot 9c:" "Slot 9d:" "Slot 9e:" "Algorithm:	RSA2048" "Algorithm:	ECCP256" \
    "Algorithm:	ECCP384" "CN=pivlink 9a"; do
    grep -qF "$expected" "$RUN/out/last" || fail "status shows \"$expected\"" "$(cat "$RUN/out/last")"
  done
  pass "status lists the four slots with algorithms and subjects"
  # pivlink-card's own status reads the store beside the running card (read-only: serve holds the lock).
  expect_ok "pivlink-card status works while the card is served" card_cli status
  for expected in "PIN:             5 of 5 tries left" "  9a        RSA 2048    generated" \
    "  9c        ECC P-256" "  9d        ECC P-384" "CN=pivlink 9a"; do
    grep -qF "$expected" "$RUN/out/last" || fail "pivlink-card status shows \"$expected\"" "$(cat "$RUN/out/last")"
  done
  pass "pivlink-card status lists the keys, their certificates and the tries left"
  expect_output_lacks "and no secret: not the management key" "010203040506070801020304050607080102030405060708" card_cli status
}

case_test_signatures() {
  expect_ok_output_contains "9A signs test data (RSA)" "Successful RSA verification" \
    ykpiv -P "$DEFAULT_PIN" -a verify-pin -a test-signature -s 9a -i "$RUN/keys/9a.crt"
  expect_ok_output_contains "9C signs test data (ECDSA P-256)" "Successful ECDSA verification" \
    ykpiv -P "$DEFAULT_PIN" -a verify-pin -a test-signature -s 9c -i "$RUN/keys/9c.crt"
  expect_ok_output_contains "9D signs test data (ECDSA P-384)" "Successful ECDSA verification" \
    ykpiv -P "$DEFAULT_PIN" -a verify-pin -a test-signature -s 9d -i "$RUN/keys/9d.crt"
  expect_ok_output_contains "9D does ECDH" "Successfully performed ECDH exchange with card" \
    ykpiv -P "$DEFAULT_PIN" -a verify-pin -a test-decipher -s 9d -i "$RUN/keys/9d.crt"
  expect_ok_output_contains "9E decrypts (RSA)" "Successfully performed RSA decryption" \
    ykpiv -P "$DEFAULT_PIN" -a verify-pin -a test-decipher -s 9e -i "$RUN/keys/9e.crt"
}

case_verify_pin() {
  expect_ok_output_contains "the right PIN verifies" "Successfully verified PIN" \
    ykpiv -P "$DEFAULT_PIN" -a verify-pin
  expect_output_contains "a wrong PIN is refused, 4 tries left" "4 tries left" ykpiv -P 999999 -a verify-pin
  expect_ok_output_contains "status counts the failure" "PIN tries left:	4" ykpiv -a status
  expect_ok "the right PIN verifies again" ykpiv -P "$DEFAULT_PIN" -a verify-pin
  expect_output_contains "and restored the tries: a wrong PIN leaves 4 again" "4 tries left" \
    ykpiv -P 999999 -a verify-pin
  expect_ok "the right PIN verifies" ykpiv -P "$DEFAULT_PIN" -a verify-pin
}

case_change_pin() {
  expect_ok_output_contains "change-pin" "Successfully changed the pin code" \
    ykpiv -a change-pin -P "$DEFAULT_PIN" -N 24681357
  expect_ok "the new PIN verifies" ykpiv -P 24681357 -a verify-pin
  expect_fail "the old PIN does not" ykpiv -P "$DEFAULT_PIN" -a verify-pin
  expect_fail "change-pin with a wrong current PIN is refused" ykpiv -a change-pin -P 11112222 -N 123123
  expect_ok "change the PIN back" ykpiv -a change-pin -P 24681357 -N "$DEFAULT_PIN"
  expect_ok "the default PIN verifies again" ykpiv -P "$DEFAULT_PIN" -a verify-pin
}

case_change_puk_and_unblock() {
  expect_ok_output_contains "change-puk" "Successfully changed the puk code" \
    ykpiv -a change-puk -P "$DEFAULT_PUK" -N 87654321
  expect_fail "unblock-pin with the old PUK is refused" ykpiv -a unblock-pin -P "$DEFAULT_PUK" -N 111111
  expect_ok_output_contains "unblock-pin with the new PUK sets a new PIN" "Successfully unblocked the pin code" \
    ykpiv -a unblock-pin -P 87654321 -N 135790
  expect_ok "the new PIN verifies" ykpiv -P 135790 -a verify-pin
  expect_ok "PIN back to the default" ykpiv -a change-pin -P 135790 -N "$DEFAULT_PIN"
  expect_ok "PUK back to the default" ykpiv -a change-puk -P 87654321 -N "$DEFAULT_PUK"
}

case_set_management_key() {
  expect_ok_output_contains "set-mgm-key (3DES)" "Successfully set new management key" \
    ykpiv -a set-mgm-key -n "$NEW_MGMT_KEY"
  expect_fail "the default key no longer authenticates" ykpiv -a import-certificate -s 9a -i "$RUN/keys/9a.crt"
  expect_ok_output_contains "the new key does" "Successfully imported a new certificate" \
    ykpiv -k"$NEW_MGMT_KEY" -a import-certificate -s 9a -i "$RUN/keys/9a.crt"
  echo "$NEW_MGMT_KEY" > "$RUN/new-mgmt.key"
  expect_ok "piv-tool authenticates with the new key too" \
    env PIV_EXT_AUTH_KEY="$RUN/new-mgmt.key" piv-tool -r "$(reader_index)" -A M:9B:03
  expect_ok "management key back to the default" ykpiv -k"$NEW_MGMT_KEY" -a set-mgm-key -n "$DEFAULT_MGMT_KEY"
  expect_ok "the default key authenticates again" ykpiv -a import-certificate -s 9a -i "$RUN/keys/9a.crt"
}

case_attestation() {
  expect_ok "attest 9A" ykpiv -a attest -s 9a -o "$RUN/attest-9a.pem"
  expect_ok "read the attestation certificate (F9)" ykpiv -a read-certificate -s f9 -o "$RUN/f9.pem"
  expect_ok "openssl parses the attestation" openssl x509 -in "$RUN/attest-9a.pem" -noout
  expect_ok "openssl parses the F9 certificate" openssl x509 -in "$RUN/f9.pem" -noout
  expect_equal "the attestation is issued by F9's subject" \
    "$(openssl x509 -in "$RUN/f9.pem" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')" \
    "$(openssl x509 -in "$RUN/attest-9a.pem" -noout -issuer -nameopt RFC2253 | sed 's/^issuer=//')"
  expect_ok "its signature verifies under F9's key" \
    openssl verify -partial_chain -trusted "$RUN/f9.pem" "$RUN/attest-9a.pem"
  expect_ok "it attests the key generated in 9A" same_public_key "$RUN/keys/9a.pub" "$RUN/attest-9a.pem"
}

case_pin_retries() {
  expect_ok_output_contains "pin-retries sets 3 PIN and 4 PUK tries" "Successfully changed pin retries" \
    ykpiv -P "$DEFAULT_PIN" -a verify-pin -a pin-retries --pin-retries 3 --puk-retries 4
  expect_ok_output_contains "status shows 3 PIN tries" "PIN tries left:	3" ykpiv -a status
  expect_output_contains "a wrong PIN leaves 2" "2 tries left" ykpiv -P 999999 -a verify-pin
  expect_ok "the default PIN verifies" ykpiv -P "$DEFAULT_PIN" -a verify-pin
}

case_reset() {
  expect_output_contains "reset is refused while PIN and PUK work" "Reset failed" ykpiv -a reset
  expect_ok "the 9A certificate is still there" ykpiv -a read-certificate -s 9a
  expect_ok "wrong PINs until the PIN is blocked" ykpiv_block_pin
  expect_output_contains "the right PIN is refused: blocked" "Pin code blocked" ykpiv -P "$DEFAULT_PIN" -a verify-pin
  expect_ok "wrong PUKs until the PUK is blocked" ykpiv_block_puk
  expect_output_contains "the right PUK is refused: blocked" "puk code is blocked" ykpiv -a unblock-pin -P "$DEFAULT_PUK" -N 111111
  expect_ok_output_contains "reset" "Successfully reset the application" ykpiv -a reset
  expect_ok_output_contains "the default PIN works again" "Successfully verified PIN" \
    ykpiv -P "$DEFAULT_PIN" -a verify-pin
  expect_ok_output_contains "with 5 tries" "PIN tries left:	5" ykpiv -a status
  expect_fail "the 9A certificate is gone" ykpiv -a read-certificate -s 9a
  expect_ok "the default PUK works again" ykpiv -a change-puk -P "$DEFAULT_PUK" -N "$DEFAULT_PUK"
  expect_ok "the default management key works again" new_slot_key 9a ECCP256 "/CN=after reset/"
}

run_case "a new card starts" case_card_starts
run_case "status of a new card" case_status_of_new_card
run_case "generate, certify, import in 9A, 9C, 9D, 9E" case_generate_every_slot
run_case "status lists the slots" case_status_lists_slots
run_case "test-signature and test-decipher" case_test_signatures
run_case "verify-pin" case_verify_pin
run_case "change-pin" case_change_pin
run_case "change-puk and unblock-pin" case_change_puk_and_unblock
run_case "set-mgm-key" case_set_management_key
run_case "attestation" case_attestation
run_case "pin-retries" case_pin_retries
run_case "reset after blocking PIN and PUK" case_reset
suite_summary
