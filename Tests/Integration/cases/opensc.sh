#!/bin/bash
# OpenSC 0.23 against the card: detection, PKCS#15 view, pkcs11-tool's self-test, signatures with
# every mechanism OpenSC offers for PIV (checked with openssl against the keys the card generated),
# ECDH, and piv-tool's admin authentication and key generation.
. "$(dirname "$0")/../lib/harness.sh"
harness_begin "$@"

case_card_starts() {
  expect_ok "a new card is created" card_init
  expect_ok "the card appears in $(reader_name)" card_start
}

case_opensc_names_card() {
  expect_ok_output_contains "opensc-tool -n names a PIV card" "Personal Identity Verification Card" opensc-tool -r "$(reader_index)" -n
}

# OpenSC treats ATRs shaped 3B 8x 80 01 as contactless (secure messaging logic) and hides EC
# mechanisms from cards whose ATR has no historical bytes.
case_atr_and_mechanisms() {
  expect_ok "opensc-tool reads the ATR" opensc-tool -r "$(reader_index)" -a
  local atr; atr=$(tr -d ' :\n' <"$RUN/out/last" | tr a-f A-F | grep -oE '^3B[0-9A-F]+')
  [ -n "$atr" ] || fail "the ATR starts with 3B" "$(last_output)"
  [ $((16#${atr:3:1})) -gt 0 ] || fail "the ATR has historical bytes" "ATR $atr"
  [[ "$atr" != 3B8?8001* ]] || fail "the ATR is not shaped 3B 8x 80 01" "ATR $atr"
  pass "the ATR ($atr) has historical bytes and is not contactless-shaped"
  expect_ok "pkcs11-tool lists the mechanisms" p11 -M
  local mechanism
  for mechanism in RSA-PKCS RSA-PKCS-PSS ECDSA ECDH1-DERIVE; do
    grep -qE "^ +$mechanism[ ,]" "$RUN/out/last" || fail "$mechanism is offered" "$(last_output)"
  done
  pass "RSA-PKCS, RSA-PKCS-PSS, ECDSA and ECDH1-DERIVE are offered"
}

# piv-tool 0.23 on Debian 12: only mutual authentication (M) works; external (A) always fails with
# "admin_mode failed -1400" (a length check, fixed in OpenSC 0.24, commit a0aef25c7), and -G fails
# under OpenSSL 3 after the card has answered (RSA: OpenSC issue 3156; EC: the curve name is cut to
# sizeof(pointer) bytes, "invalid curve"). The piv-apdu suite covers both with raw APDUs.
case_piv_tool_admin() {
  echo "$DEFAULT_MGMT_KEY" > "$RUN/mgmt.key"
  echo 0f0e0d0c0b0a09080706050403020100f0e0d0c0b0a09080 > "$RUN/wrong-mgmt.key"
  expect_ok "mutual admin authentication (M:9B:03)" \
    env PIV_EXT_AUTH_KEY="$RUN/mgmt.key" piv-tool -r "$(reader_index)" -A M:9B:03
  expect_fail "mutual authentication with a wrong key is refused" \
    env PIV_EXT_AUTH_KEY="$RUN/wrong-mgmt.key" piv-tool -r "$(reader_index)" -A M:9B:03
}

case_keys_with_certificates() {
  expect_ok "RSA-2048 key and certificate in 9A" new_slot_key 9a RSA2048 "/CN=pivlink 9a/"
  expect_ok "P-256 key and certificate in 9C" new_slot_key 9c ECCP256 "/CN=pivlink 9c/"
  expect_ok "P-256 key and certificate in 9D" new_slot_key 9d ECCP256 "/CN=pivlink 9d/"
  expect_ok "P-384 key and certificate in 9E" new_slot_key 9e ECCP384 "/CN=pivlink 9e/"
  local slot
  for slot in 9a 9c 9d 9e; do
    expect_ok "the $slot certificate carries the generated key" same_public_key "$RUN/keys/$slot.pub" "$RUN/keys/$slot.crt"
  done
}

case_pkcs15_lists_objects() {
  run_command pkcs15-tool -r "$(reader_index)" -D
  local label
  for label in "PIV AUTH key" "SIGN key" "KEY MAN key" "CARD AUTH key" \
    "Certificate for PIV Authentication" "Certificate for Digital Signature" \
    "Certificate for Key Management" "Certificate for Card Authentication" "PIN [PIN]" "PIN [PIV PUK]"; do
    grep -qF "$label" "$RUN/out/last" || fail "pkcs15-tool -D lists \"$label\"" "$(cat "$RUN/out/last")"
  done
  pass "pkcs15-tool -D lists the four keys, their certificates, the PIN and the PUK"
  expect_ok "pkcs15-tool reads the 9A certificate" \
    pkcs15-tool -r "$(reader_index)" --read-certificate 01 -o "$RUN/pkcs15-9a.pem"
  expect_equal "it is the imported certificate" \
    "$(openssl x509 -in "$RUN/keys/9a.crt" -outform DER | sha256sum)" \
    "$(openssl x509 -in "$RUN/pkcs15-9a.pem" -outform DER | sha256sum)"
}

case_pkcs11_self_test() {
  expect_ok_output_contains "pkcs11-tool -l -t reports no errors" "No errors" p11 -l --pin "$DEFAULT_PIN" -t
}

case_pkcs11_public_key_object() {
  expect_ok "pkcs11-tool reads the 9A public key object" \
    p11 --read-object --type pubkey --id 01 -o "$RUN/p11-9a-pub.der"
  expect_equal "it is the key the card generated" \
    "$(openssl pkey -pubin -in "$RUN/keys/9a.pub" -outform DER | sha256sum)" \
    "$(openssl pkey -pubin -inform DER -in "$RUN/p11-9a-pub.der" -outform DER | sha256sum)"
}

make_message() {
  head -c 1000 /dev/urandom > "$RUN/message"
  cp "$RUN/message" "$RUN/tampered" && printf 'x' >> "$RUN/tampered"
}

case_rsa_pkcs() {
  make_message
  openssl dgst -sha256 -binary "$RUN/message" > "$RUN/message.sha256"
  expect_ok "9A signs with SHA256-RSA-PKCS" \
    p11 -l --pin "$DEFAULT_PIN" --sign --id 01 -m SHA256-RSA-PKCS -i "$RUN/message" -o "$RUN/sig"
  expect_ok_output_contains "openssl verifies it" "Verified OK" \
    openssl dgst -sha256 -verify "$RUN/keys/9a.pub" -signature "$RUN/sig" "$RUN/message"
  expect_fail "openssl rejects it for other data" \
    openssl dgst -sha256 -verify "$RUN/keys/9a.pub" -signature "$RUN/sig" "$RUN/tampered"
  expect_ok "9A signs with raw RSA-PKCS" \
    p11 -l --pin "$DEFAULT_PIN" --sign --id 01 -m RSA-PKCS -i "$RUN/message.sha256" -o "$RUN/sig-raw"
  expect_ok_output_contains "openssl verifies it (PKCS#1 v1.5 padding)" "Signature Verified Successfully" \
    openssl pkeyutl -verify -pubin -inkey "$RUN/keys/9a.pub" -in "$RUN/message.sha256" -sigfile "$RUN/sig-raw"
}

case_rsa_pss() {
  make_message
  openssl dgst -sha256 -binary "$RUN/message" > "$RUN/message.sha256"
  openssl dgst -sha256 -binary "$RUN/tampered" > "$RUN/tampered.sha256"
  expect_ok "9A signs with RSA-PKCS-PSS, SHA-256, MGF1-SHA256" \
    p11 -l --pin "$DEFAULT_PIN" --sign --id 01 --mechanism RSA-PKCS-PSS --hash-algorithm SHA256 \
      --mgf MGF1-SHA256 -i "$RUN/message.sha256" -o "$RUN/sig"
  local verify=(openssl pkeyutl -verify -pubin -inkey "$RUN/keys/9a.pub" -sigfile "$RUN/sig"
    -pkeyopt rsa_padding_mode:pss -pkeyopt digest:sha256 -pkeyopt rsa_mgf1_md:sha256 -pkeyopt rsa_pss_saltlen:32)
  expect_ok_output_contains "openssl verifies it" "Signature Verified Successfully" "${verify[@]}" -in "$RUN/message.sha256"
  expect_fail "openssl rejects it for another hash" "${verify[@]}" -in "$RUN/tampered.sha256"
}

# ecdsa_case SLOT KEY_ID DIGEST: pkcs11-tool signs a DIGEST hash with the slot's key, openssl verifies.
ecdsa_case() {
  local slot=$1 id=$2 digest=$3
  make_message
  openssl dgst -"$digest" -binary "$RUN/message" > "$RUN/message.hash"
  expect_ok "$slot signs a $digest hash with ECDSA" \
    p11 -l --pin "$DEFAULT_PIN" --sign --id "$id" -m ECDSA --signature-format openssl \
      -i "$RUN/message.hash" -o "$RUN/sig"
  expect_ok_output_contains "openssl verifies it" "Verified OK" \
    openssl dgst -"$digest" -verify "$RUN/keys/$slot.pub" -signature "$RUN/sig" "$RUN/message"
  expect_fail "openssl rejects it for other data" \
    openssl dgst -"$digest" -verify "$RUN/keys/$slot.pub" -signature "$RUN/sig" "$RUN/tampered"
}

case_ecdsa_p256() { ecdsa_case 9c 02 sha256; }
case_ecdsa_p384() { ecdsa_case 9e 04 sha384; }

case_ecdh() {
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$RUN/peer.key" 2>/dev/null
  openssl pkey -in "$RUN/peer.key" -pubout -outform DER -out "$RUN/peer.der"
  expect_ok "9D derives a shared secret with ECDH1-DERIVE" \
    p11 -l --pin "$DEFAULT_PIN" --derive -m ECDH1-DERIVE --id 03 --input-file "$RUN/peer.der" \
      -o "$RUN/shared-card"
  expect_ok "the peer derives its side with openssl" \
    openssl pkeyutl -derive -inkey "$RUN/peer.key" -peerkey "$RUN/keys/9d.pub" -out "$RUN/shared-peer"
  expect_same_file "both sides hold the same secret" "$RUN/shared-card" "$RUN/shared-peer"
}

case_wrong_pin_refused() {
  expect_output_contains "pkcs11-tool login with a wrong PIN fails" "CKR_PIN_INCORRECT" \
    p11 -l --pin 999999 -O
  expect_ok "the right PIN still works" p11 -l --pin "$DEFAULT_PIN" -O
}

run_case "a new card starts" case_card_starts
run_case "opensc-tool names the card" case_opensc_names_card
run_case "ATR and mechanisms" case_atr_and_mechanisms
run_case "piv-tool admin authentication" case_piv_tool_admin
run_case "keys with certificates in 9A, 9C, 9D, 9E" case_keys_with_certificates
run_case "pkcs15-tool lists the objects" case_pkcs15_lists_objects
run_case "pkcs11-tool self-test" case_pkcs11_self_test
run_case "pkcs11-tool public key object" case_pkcs11_public_key_object
run_case "RSA PKCS#1 v1.5 signatures" case_rsa_pkcs
run_case "RSA-PSS signature" case_rsa_pss
run_case "ECDSA P-256 signature (9C, PIN always)" case_ecdsa_p256
run_case "ECDSA P-384 signature" case_ecdsa_p384
run_case "ECDH key agreement on 9D" case_ecdh
run_case "a wrong PIN is refused" case_wrong_pin_refused
suite_summary
