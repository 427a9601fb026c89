#!/bin/bash
# What the card is for, end to end through OpenSC's PKCS#11 module: keys generated on the card get
# certificates from a test CA (CSRs signed by the card through the pkcs11 engine), then TLS client authentication, CMS signing,
# SSH public-key login and smart-card logon through pam_pkcs11 (with a CRL).
. "$(dirname "$0")/../lib/harness.sh"
harness_begin "$@"

USER_NAME=pivtest
TLS_PORT=4433
KEY_9A="pkcs11:id=%01;type=private;pin-value=$DEFAULT_PIN"
KEY_9C="pkcs11:id=%02;type=private;pin-value=$DEFAULT_PIN"
KEY_9E="pkcs11:id=%04;type=private;pin-value=$DEFAULT_PIN"

case_card_and_ca() {
  expect_ok "a new card is created" card_init
  expect_ok "the card appears in $(reader_name)" card_start
  expect_ok "a test CA with an empty CRL" pki_ca_create
  expect_ok "a TLS server certificate from the CA" pki_server_cert server
  expect_ok "a test user exists (inside the sandbox only)" add_test_user "$USER_NAME"
}

case_9a_certificate_from_card_csr() {
  mkdir -p "$RUN/keys"
  expect_ok "the card generates RSA-2048 in 9A" ykpiv -a generate -s 9a -A RSA2048 -o "$RUN/keys/9a.pub"
  expect_ok "the card signs a CSR for it (openssl req through the pkcs11 engine)" \
    card_signed_request 9a "/CN=$USER_NAME/UID=$USER_NAME" "$RUN/9a.csr"
  expect_ok_output_contains "the CSR's signature verifies" "verify OK" openssl req -in "$RUN/9a.csr" -verify -noout
  expect_ok "the CA issues the certificate" pki_issue "$RUN/9a.csr" "$RUN/keys/9a.crt" client_cert
  expect_ok "it carries the card's key" same_public_key "$RUN/keys/9a.pub" "$RUN/keys/9a.crt"
  expect_ok "it is imported into the card" ykpiv -a import-certificate -s 9a -i "$RUN/keys/9a.crt"
  expect_ok "OpenSC reads the certificate" \
    pkcs15-tool -r "$(reader_index)" --read-certificate 01 -o "$RUN/9a-opensc.pem"
  expect_equal "it is the CA-issued one" "$(openssl x509 -in "$RUN/keys/9a.crt" -outform DER | sha256sum)" \
    "$(openssl x509 -in "$RUN/9a-opensc.pem" -outform DER | sha256sum)"
}

# The 9C key gets a self-signed certificate first, so that OpenSC shows it without help; then a CSR
# through the engine with a plain PKCS#11 URI, as any application would make one.
case_9c_certificate_from_engine_csr() {
  expect_ok "P-256 key with a self-signed certificate in 9C" new_slot_key 9c ECCP256 "/CN=$USER_NAME signer/"
  expect_ok "openssl req signs a CSR with the card's key through the pkcs11 engine (PIN on stdin)" \
    engine_with_pin req -new -engine pkcs11 -keyform engine -key "$KEY_9C" \
      -subj "/CN=$USER_NAME signer/UID=$USER_NAME" -out "$RUN/9c.csr"
  expect_ok_output_contains "the CSR's signature verifies" "verify OK" openssl req -in "$RUN/9c.csr" -verify -noout
  expect_ok "the CA issues the certificate" pki_issue "$RUN/9c.csr" "$RUN/keys/9c-ca.crt" client_cert
  expect_ok "it carries the card's key" same_public_key "$RUN/keys/9c.pub" "$RUN/keys/9c-ca.crt"
  expect_ok "it replaces the self-signed one on the card" ykpiv -a import-certificate -s 9c -i "$RUN/keys/9c-ca.crt"
}

# engine_with_pin ARGS: openssl_engine answering 9C's PIN prompt from standard input.
engine_with_pin() { echo "$DEFAULT_PIN" | openssl_engine "$@"; }

case_9e_certificate() {
  expect_ok "the card generates P-256 in 9E" ykpiv -a generate -s 9e -A ECCP256 -o "$RUN/keys/9e.pub"
  expect_ok "the card signs a CSR for it" card_signed_request 9e "/CN=$USER_NAME card/UID=$USER_NAME" "$RUN/9e.csr"
  expect_ok "the CA issues the certificate" pki_issue "$RUN/9e.csr" "$RUN/keys/9e.crt" client_cert
  expect_ok "it is imported into the card" ykpiv -a import-certificate -s 9e -i "$RUN/keys/9e.crt"
}

# tls_client_auth KEY_URI CERT: an s_server demanding a client certificate from our CA answers one
# HTTP request with what it saw; the client's key is the card's, through the pkcs11 engine.
tls_client_auth() {
  local key=$1 cert=$2
  rm -f "$RUN/s_server.log"
  start_background s_server "$RUN/s_server.log" openssl s_server -accept "$TLS_PORT" -naccept 1 -www \
    -cert "$CA_DIR/server.crt" -key "$CA_DIR/server.key" -CAfile "$CA_DIR/ca.crt" -Verify 1 -verify_return_error
  wait_until 10 "s_server is ready" log_contains "$RUN/s_server.log" ACCEPT || return 1
  printf 'GET / HTTP/1.0\r\n\r\n' | openssl_engine s_client -connect "127.0.0.1:$TLS_PORT" -quiet \
    -engine pkcs11 -keyform engine -key "$key" -cert "$cert" -CAfile "$CA_DIR/ca.crt" -verify_return_error
  local rc=$?
  stop_background s_server
  return $rc
}

case_tls_client_auth() {
  expect_ok_output_contains "TLS with the 9A key (RSA): the server saw the client certificate" \
    "Subject: CN=$USER_NAME/UID=$USER_NAME" tls_client_auth "$KEY_9A" "$RUN/keys/9a.crt"
  grep -qF "Client certificate" "$RUN/out/last" || fail "the server reports a client certificate" "$(last_output)"
  expect_ok_output_contains "TLS with the 9E key (ECDSA P-256)" \
    "Subject: CN=$USER_NAME card/UID=$USER_NAME" tls_client_auth "$KEY_9E" "$RUN/keys/9e.crt"
  expect_fail "without a client certificate the server refuses" tls_client_auth_without_certificate
}

tls_client_auth_without_certificate() {
  start_background s_server "$RUN/s_server.log" openssl s_server -accept "$TLS_PORT" -naccept 1 -www \
    -cert "$CA_DIR/server.crt" -key "$CA_DIR/server.key" -CAfile "$CA_DIR/ca.crt" -Verify 1 -verify_return_error
  wait_until 10 "s_server is ready" log_contains "$RUN/s_server.log" ACCEPT || return 1
  local rc=0
  printf 'GET / HTTP/1.0\r\n\r\n' | bounded openssl s_client -connect "127.0.0.1:$TLS_PORT" -quiet \
    -CAfile "$CA_DIR/ca.crt" -verify_return_error | grep -q "Client certificate" || rc=1
  stop_background s_server
  return $rc
}

# cms_sign_and_verify KEY_URI CERT NAME
cms_sign_and_verify() {
  local key=$1 cert=$2 name=$3
  printf 'pivlink CMS test %s\n' "$(random_hex 8)" > "$RUN/$name.txt"
  expect_ok "openssl cms signs with the card's key ($name)" \
    engine_with_pin cms -sign -engine pkcs11 -keyform engine -inkey "$key" -signer "$cert" \
      -in "$RUN/$name.txt" -binary -nodetach -md sha256 -outform DER -out "$RUN/$name.p7s"
  expect_ok_output_contains "openssl cms verifies it against the CA" "Verification successful" \
    openssl cms -verify -inform DER -in "$RUN/$name.p7s" -CAfile "$CA_DIR/ca.crt" -out "$RUN/$name.out"
  expect_same_file "the signed content comes back" "$RUN/$name.txt" "$RUN/$name.out"
  LC_ALL=C sed 's/pivlink CMS test/pivlink CMS tesT/' "$RUN/$name.p7s" > "$RUN/$name.tampered.p7s"
  expect_fail "the signature no longer verifies when the content is changed" \
    openssl cms -verify -inform DER -in "$RUN/$name.tampered.p7s" -CAfile "$CA_DIR/ca.crt" -out /dev/null
}

case_cms_signing() {
  cms_sign_and_verify "$KEY_9A" "$RUN/keys/9a.crt" rsa
  cms_sign_and_verify "$KEY_9C" "$RUN/keys/9c-ca.crt" ecdsa
}

case_ssh_login() {
  expect_ok "ssh-keygen -D lists the card's keys" ssh-keygen -D "$OPENSC_MODULE"
  grep '^ssh-rsa ' "$RUN/out/last" > "$RUN/card_ssh_keys" || fail "an ssh-rsa key is listed" "$(last_output)"
  grep -q '^ecdsa-sha2-nistp256 ' "$RUN/out/last" || fail "an ecdsa-sha2-nistp256 key is listed" "$(last_output)"
  pass "the RSA (9A) and P-256 (9C) keys are listed"
  expect_equal "the ssh-rsa key is the 9A key" \
    "$(ssh-keygen -lf <(ssh-keygen -i -m PKCS8 -f "$RUN/keys/9a.pub") | awk '{ print $2 }')" \
    "$(ssh-keygen -lf "$RUN/card_ssh_keys" | awk '{ print $2 }')"
  expect_ok "an sshd of our own, for $USER_NAME with the 9A key" sshd_start "$USER_NAME" "$RUN/card_ssh_keys"
  expect_ok_output_contains "ssh -I logs in with the card (PIN through SSH_ASKPASS)" "$USER_NAME" \
    ssh_with_card "$DEFAULT_PIN" "$USER_NAME" id -un
  local fingerprint; fingerprint=$(ssh-keygen -lf "$RUN/card_ssh_keys" | awk '{ print $2 }')
  expect_ok "sshd accepted the card's key" \
    grep -qF "Accepted publickey for $USER_NAME from 127.0.0.1" "$RUN/sshd.log"
  expect_ok "…by its fingerprint" grep -qF "RSA $fingerprint" "$RUN/sshd.log"
  expect_fail "a wrong PIN does not log in" ssh_with_card 999999 "$USER_NAME" true
  expect_ok "the right PIN restores the tries" ykpiv -P "$DEFAULT_PIN" -a verify-pin
  stop_background sshd
}

case_pam_logon() {
  expect_ok "pam_pkcs11 trusts the CA, with its CRL" pam_pkcs11_setup "$CA_DIR/ca.crt" "$CA_DIR/ca.crl"
  expect_ok_output_contains "the right PIN logs $USER_NAME on" "successfully authenticated" \
    pam_login "$USER_NAME" "$DEFAULT_PIN"
  expect_fail "a wrong PIN is refused" pam_login "$USER_NAME" 999999
  grep -qF "successfully authenticated" "$RUN/out/last" && fail "no success message for a wrong PIN" "$(last_output)"
  expect_ok "the right PIN restores the tries" ykpiv -P "$DEFAULT_PIN" -a verify-pin
  expect_fail "another user is refused (the certificate maps to $USER_NAME)" pam_login root "$DEFAULT_PIN"
}

case_pam_revoked() {
  expect_ok "the CA revokes the certificates of 9A, 9C and 9E" pki_revoke "$RUN/keys/9a.crt"
  expect_ok "…9C" pki_revoke "$RUN/keys/9c-ca.crt"
  expect_ok "…9E" pki_revoke "$RUN/keys/9e.crt"
  expect_output_contains "openssl sees the 9A certificate revoked" "certificate revoked" \
    openssl verify -crl_check -CAfile "$CA_DIR/ca.crt" -CRLfile "$CA_DIR/ca.crl" "$RUN/keys/9a.crt"
  expect_ok "pam_pkcs11 gets the new CRL" pam_pkcs11_setup "$CA_DIR/ca.crt" "$CA_DIR/ca.crl"
  expect_fail "the right PIN no longer logs on" pam_login "$USER_NAME" "$DEFAULT_PIN"
}

run_case "card, CA and test user" case_card_and_ca
run_case "9A certificate from a CSR signed by the card" case_9a_certificate_from_card_csr
run_case "9C certificate from a CSR by an application" case_9c_certificate_from_engine_csr
run_case "9E certificate from a CSR signed by the card" case_9e_certificate
run_case "TLS client authentication" case_tls_client_auth
run_case "CMS signing" case_cms_signing
run_case "SSH public-key login" case_ssh_login
run_case "smart-card logon with pam_pkcs11" case_pam_logon
run_case "a revoked certificate cannot log on" case_pam_revoked
suite_summary
