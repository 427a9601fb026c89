#!/bin/bash
# Raw APDUs through PC/SC (opensc-explorer sessions and opensc-tool): the SELECT forms clients use,
# the YubiKey extensions they need, card administrator authentication with 3DES and AES-128, the
# algorithms Debian's tools cannot drive (RSA 3072/4096, Ed25519, X25519), and a unique CHUID per
# credential.
. "$(dirname "$0")/../lib/harness.sh"
harness_begin "$@"

AES_MGMT_KEY=000102030405060708090A0B0C0D0E0F
SELECT_PIV_FULL="00 A4 04 00 0B A0 00 00 03 08 00 00 10 00 01 00 00"
SELECT_PIV_TRUNCATED="00 A4 04 00 09 A0 00 00 03 08 00 00 10 00 00"
SELECT_PIV_RID="00 A4 04 00 05 A0 00 00 03 08 00"
GET_DISCOVERY="00 CB 3F FF 03 5C 01 7E 00"
GET_CHUID="00 CB 3F FF 05 5C 03 5F C1 02 00"
GENERATE_9A_P256="00 47 00 9A 05 AC 03 80 01 11 00"

# session_expect DESCRIPTION EXPECTED_SW HEX: one APDU in the open session, checking its status word.
session_expect() {
  session_apdu "$3" || fail "$1" "no answer to $3"
  [ "$SW" = "$2" ] || fail "$1" "$3 -> SW $SW (expected $2), data ${DATA:-none}"
  pass "$1"
}

# chuid_guid: the GUID (tag 34) of the CHUID, read through a new session.
chuid_guid() {
  apdu_session_start
  session_apdu "$GET_CHUID" || return 1
  apdu_session_end
  [ "$SW" = 9000 ] || return 1
  # 53 { 30 FASC-N, 34 GUID, … }
  local guid; guid=$(tlv_values "$(tlv_values "$DATA" 53)" 34) && [ ${#guid} -eq 32 ] && echo "$guid"
}

# generate_in_session SLOT ALGORITHM: GENERATE ASYMMETRIC KEY PAIR; prints the public key template's
# content (7F49's value). Run in $(…), so failures go to standard error.
generate_in_session() {
  session_send "00 47 00 $1" "$(ber_tlv AC "$(ber_tlv 80 "$2")")" || fail "GENERATE $2 in $1: no answer" >&2
  [ "$SW" = 9000 ] || fail "GENERATE $2 in $1" "SW $SW" >&2
  tlv_values "$DATA" 7F49 || fail "GENERATE $2 in $1 answers 7F49" "$DATA" >&2
}

# rsa_public_pem TEMPLATE OUT: the PEM public key of a 7F49 { 81 modulus, 82 exponent } template.
rsa_public_pem() {
  local modulus exponent
  modulus=$(tlv_values "$1" 81) && exponent=$(tlv_values "$1" 82) || return 1
  ber_tlv 30 "$(ber_tlv 02 "00$modulus")$(ber_tlv 02 "$exponent")" | xxd -r -p \
    | openssl rsa -RSAPublicKey_in -inform DER -pubout -out "$2" 2>/dev/null
}

# raw25519_public_pem PREFIX TEMPLATE OUT: the PEM public key of a 7F49 { 86 key } template; PREFIX is
# the SubjectPublicKeyInfo DER up to the key.
raw25519_public_pem() {
  local key; key=$(tlv_values "$2" 86) && [ ${#key} -eq 64 ] || return 1
  xxd -r -p <<<"$1$key" | openssl pkey -pubin -inform DER -out "$3" 2>/dev/null
}

# rsa_sign_in_session ALGORITHM SLOT BYTES MESSAGE SIGNATURE: PKCS#1 v1.5 SHA-256 signature of
# MESSAGE through the raw RSA operation of GENERAL AUTHENTICATE.
rsa_sign_in_session() {
  local algorithm=$1 slot=$2 bytes=$3
  session_send "00 87 $algorithm $slot" "$(rsa_sign_template "$bytes" "$4")" \
    || fail "GENERAL AUTHENTICATE $algorithm $slot: no answer"
  [ "$SW" = 9000 ] || fail "GENERAL AUTHENTICATE $algorithm $slot" "SW $SW"
  tlv_values "$(tlv_values "$DATA" 7C)" 82 | xxd -r -p > "$5"
}

case_card_starts() {
  expect_ok "a new card is created" card_init
  expect_ok "the card appears in $(reader_name)" card_start
}

case_select_forms() {
  apdu_session_start
  session_expect "SELECT with the full PIV AID" 9000 "$SELECT_PIV_FULL"
  local template aid algorithms
  template=$(tlv_values "$DATA" 61) || fail "the answer is an application property template (61)" "$DATA"
  aid=$(tlv_values "$template" 4F) || fail "the template names the application (4F)" "$DATA"
  [[ "$aid" == 000010000100* || "$aid" == A000000308000010000100* ]] || fail "4F is the PIV AID or its PIX" "$aid"
  algorithms=$(tlv_values "$(tlv_values "$template" AC)" 80 | tr '\n' ' ')
  [[ " $algorithms" != *" 27 "* && " $algorithms" != *" 2E "* ]] \
    || fail "no secure-messaging suite (27/2E) among the algorithms" "$algorithms"
  pass "application property template: AID $aid, algorithms ${algorithms:-none listed}"
  session_expect "SELECT with the 9-byte truncated AID (OpenSC)" 9000 "$SELECT_PIV_TRUNCATED"
  session_expect "SELECT with the 5-byte RID (libykpiv)" 9000 "$SELECT_PIV_RID"
  session_expect "Discovery object" 9000 "$GET_DISCOVERY"
  local discovery=$DATA
  session_apdu "00 A4 04 00 07 62 76 01 FF 00 00 00 00"
  [ "$SW" != 9000 ] || fail "SELECT of another application (coolkey's) fails" "SW 9000"
  pass "SELECT of another application fails ($SW)"
  session_expect "…and PIV stays selected" 9000 "$GET_DISCOVERY"
  expect_equal "the Discovery object is byte-identical across reads" "$discovery" "$DATA"
  session_expect "an unknown instruction: 6D00" 6D00 "00 E0 00 00 00"
  apdu_session_end
}

case_yubikey_extensions() {
  apdu_session_start
  session_expect "GET VERSION (FD)" 9000 "00 FD 00 00 00"
  [ ${#DATA} -eq 6 ] && [ $((16#${DATA:0:2})) -ge 5 ] || fail "3 bytes, major version 5 or later" "$DATA"
  pass "version ${DATA:0:2}.${DATA:2:2}.${DATA:4:2}"
  session_expect "GET SERIAL (F8)" 9000 "00 F8 00 00 00"
  [ ${#DATA} -eq 8 ] || fail "4 bytes of serial" "$DATA"
  pass "serial $DATA"
  session_expect "GET METADATA of the management key (F7 9B)" 9000 "00 F7 00 9B 00"
  [[ "$DATA" == 010103* ]] || fail "algorithm 03 (3DES) for the default key" "$DATA"
  pass "the default management key is 3DES"
  apdu_session_end
}

# Wrong keys come first: whether a card clears the administrator state between PC/SC sessions
# (without a reset) is its own business, so a refusal is checked before any success.
case_admin_3des() {
  apdu_session_start
  session_expect "GENERATE without admin authentication: 6982" 6982 "$GENERATE_9A_P256"
  expect_fail "mutual authentication with a wrong 3DES key is refused" \
    session_admin_mutual 03 0F0E0D0C0B0A09080F0E0D0C0B0A09080F0E0D0C0B0A0908
  session_expect "GENERATE stays refused" 6982 "$GENERATE_9A_P256"
  expect_fail "external authentication with a wrong 3DES key is refused" \
    session_admin_external 03 0F0E0D0C0B0A09080F0E0D0C0B0A09080F0E0D0C0B0A0908
  session_expect "GENERATE stays refused" 6982 "$GENERATE_9A_P256"
  apdu_session_end
  apdu_session_start
  expect_ok "mutual authentication with the default 3DES key" session_admin_mutual 03 "$DEFAULT_MGMT_KEY"
  session_expect "GENERATE now works" 9000 "$GENERATE_9A_P256"
  [[ "$DATA" == 7F49*86* ]] || fail "the answer is 7F49 { 86 point }" "$DATA"
  apdu_session_end
  apdu_session_start
  expect_ok "external authentication with the default 3DES key" session_admin_external 03 "$DEFAULT_MGMT_KEY"
  session_expect "GENERATE works" 9000 "$GENERATE_9A_P256"
  apdu_session_end
}

# What Debian's yubico-piv-tool 2.2 and OpenSC 0.23 cannot drive: RSA 3072 and 4096, Ed25519, X25519.
case_more_algorithms() {
  local template
  head -c 700 /dev/urandom > "$RUN/message"
  apdu_session_start
  expect_ok "administrator authentication" session_admin_mutual 03 "$DEFAULT_MGMT_KEY"
  template=$(generate_in_session 9A 05)
  rsa_public_pem "$template" "$RUN/rsa3072.pem" || fail "RSA-3072 public key in 9A" "$template"
  expect_ok_output_contains "RSA-3072 generated in 9A" "(3072 bit)" openssl pkey -pubin -in "$RUN/rsa3072.pem" -noout -text
  template=$(generate_in_session 9E 16)
  rsa_public_pem "$template" "$RUN/rsa4096.pem" || fail "RSA-4096 public key in 9E" "$template"
  expect_ok_output_contains "RSA-4096 generated in 9E" "(4096 bit)" openssl pkey -pubin -in "$RUN/rsa4096.pem" -noout -text
  template=$(generate_in_session 9C E0)
  raw25519_public_pem 302A300506032B6570032100 "$template" "$RUN/ed25519.pem" || fail "Ed25519 public key in 9C" "$template"
  pass "Ed25519 generated in 9C"
  template=$(generate_in_session 9D E1)
  raw25519_public_pem 302A300506032B656E032100 "$template" "$RUN/x25519.pem" || fail "X25519 public key in 9D" "$template"
  pass "X25519 generated in 9D"

  session_expect "VERIFY" 9000 "$(verify_apdu "$DEFAULT_PIN")"
  rsa_sign_in_session 05 9A 384 "$RUN/message" "$RUN/rsa3072.sig"
  expect_ok_output_contains "9A signs with RSA-3072 (chained command, long answer); openssl verifies" "Verified OK" \
    openssl dgst -sha256 -verify "$RUN/rsa3072.pem" -signature "$RUN/rsa3072.sig" "$RUN/message"
  rsa_sign_in_session 16 9E 512 "$RUN/message" "$RUN/rsa4096.sig"
  expect_ok_output_contains "9E signs with RSA-4096; openssl verifies" "Verified OK" \
    openssl dgst -sha256 -verify "$RUN/rsa4096.pem" -signature "$RUN/rsa4096.sig" "$RUN/message"

  openssl genpkey -algorithm X25519 -out "$RUN/peer25519.key" 2>/dev/null
  local peer; peer=$(openssl pkey -in "$RUN/peer25519.key" -pubout -outform DER | tail -c 32 | xxd -p | tr -d '\n')
  session_send "00 87 E1 9D" "$(ber_tlv 7C "8200$(ber_tlv 85 "$peer")")"
  [ "$SW" = 9000 ] || fail "9D agrees a key with X25519" "SW $SW"
  tlv_values "$(tlv_values "$DATA" 7C)" 82 | xxd -r -p > "$RUN/x25519-card"
  openssl pkeyutl -derive -inkey "$RUN/peer25519.key" -peerkey "$RUN/x25519.pem" -out "$RUN/x25519-peer"
  expect_same_file "9D agrees the same X25519 secret as the peer" "$RUN/x25519-card" "$RUN/x25519-peer"

  session_expect "VERIFY right before the 9C operation (PIN always)" 9000 "$(verify_apdu "$DEFAULT_PIN")"
  session_send "00 87 E0 9C" "$(ber_tlv 7C "8200$(ber_tlv 81 "$(head -c 200 "$RUN/message" | xxd -p | tr -d '\n')")")"
  [ "$SW" = 9000 ] || fail "9C signs with Ed25519" "SW $SW"
  tlv_values "$(tlv_values "$DATA" 7C)" 82 | xxd -r -p > "$RUN/ed25519.sig"
  head -c 200 "$RUN/message" > "$RUN/message200"
  expect_ok_output_contains "9C signs with Ed25519; openssl verifies" "Signature Verified Successfully" \
    openssl pkeyutl -verify -pubin -inkey "$RUN/ed25519.pem" -rawin -in "$RUN/message200" -sigfile "$RUN/ed25519.sig"
  session_send "00 87 E0 9C" "$(ber_tlv 7C "8200$(ber_tlv 81 00)")"
  expect_equal "a second 9C operation without a new VERIFY is refused" 6982 "$SW"
  apdu_session_end
}

case_admin_aes128() {
  local guid_before; guid_before=$(chuid_guid) || fail "the CHUID has a GUID" "DATA ${DATA:-none}"
  expect_ok "stop the card" card_stop
  expect_ok "a new card with an AES-128 management key" card_init --force --management-key "$AES_MGMT_KEY" --management-key-algorithm aes128
  expect_ok "the card appears" card_start
  apdu_session_start
  session_expect "GET METADATA of the management key" 9000 "00 F7 00 9B 00"
  [[ "$DATA" == 010108* ]] || fail "algorithm 08 (AES-128)" "$DATA"
  pass "the management key is AES-128"
  session_apdu "00 87 03 9B 04 7C 02 80 00"
  [ "$SW" != 9000 ] || fail "a 3DES witness request is refused for an AES key" "SW 9000, $DATA"
  pass "a 3DES witness request is refused for an AES key ($SW)"
  expect_fail "a wrong AES key is refused" session_admin_mutual 08 0F0E0D0C0B0A09080706050403020100
  session_expect "GENERATE stays refused" 6982 "$GENERATE_9A_P256"
  apdu_session_end
  apdu_session_start
  expect_ok "mutual authentication with AES-128 (SP 800-73-4 part 2, appendix A)" \
    session_admin_mutual 08 "$AES_MGMT_KEY"
  session_expect "GENERATE works" 9000 "$GENERATE_9A_P256"
  apdu_session_end
  apdu_session_start
  expect_ok "external authentication with AES-128" session_admin_external 08 "$AES_MGMT_KEY"
  session_expect "GENERATE works" 9000 "$GENERATE_9A_P256"
  apdu_session_end
  local guid_after; guid_after=$(chuid_guid) || fail "the new card's CHUID has a GUID" "DATA ${DATA:-none}"
  [ "$guid_before" != "$guid_after" ] || fail "each credential has its own CHUID GUID" "both $guid_after"
  pass "each credential has its own CHUID GUID ($guid_before, $guid_after)"
}

case_security_conditions() {
  expect_ok "a P-256 key with a certificate in 9A" new_slot_key 9a ECCP256 "/CN=conditions/"
  local hash; hash=$(random_hex 32)
  local sign="00 87 11 9A 26 7C 24 82 00 81 20 $hash 00"
  apdu_session_start
  session_expect "GENERAL AUTHENTICATE on 9A without the PIN: 6982" 6982 "$sign"
  session_expect "VERIFY" 9000 "$(verify_apdu "$DEFAULT_PIN")"
  session_expect "GENERAL AUTHENTICATE on 9A after VERIFY signs" 9000 "$sign"
  [[ "$DATA" == 7C??82??30* ]] || fail "the answer is 7C { 82 DER signature }" "$DATA"
  pass "the answer is 7C { 82 DER signature }"
  apdu_session_end
}

run_case "a new card starts" case_card_starts
run_case "SELECT forms and Discovery" case_select_forms
run_case "YubiKey extensions: version, serial, metadata" case_yubikey_extensions
run_case "administrator authentication with 3DES" case_admin_3des
run_case "security conditions of 9A" case_security_conditions
run_case "RSA 3072 and 4096, Ed25519, X25519" case_more_algorithms
run_case "administrator authentication with AES-128, unique CHUID" case_admin_aes128
suite_summary
