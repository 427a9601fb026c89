# A throw-away test CA made with openssl (`openssl ca`, so that it can revoke and publish CRLs).
# Layout under $RUN/ca: ca.key, ca.crt, ca.crl (PEM), index.txt, serial, crlnumber, issued/.

# CA_DIR ($RUN/ca) is set by harness_begin.

pki_ca_config() {
  cat <<EOF
[ca]
default_ca = test_ca
[test_ca]
dir = $CA_DIR
database = \$dir/index.txt
serial = \$dir/serial
crlnumber = \$dir/crlnumber
new_certs_dir = \$dir/issued
certificate = \$dir/ca.crt
private_key = \$dir/ca.key
default_md = sha256
default_days = 30
default_crl_days = 30
policy = policy_any
unique_subject = no
copy_extensions = none
preserve = yes
[policy_any]
commonName = supplied
UID = optional
organizationName = optional
organizationalUnitName = optional
[client_cert]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth, emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[server_cert]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ca_cert]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
EOF
}

# pki_ca_create: a P-256 CA "pivlink Test CA" with an empty CRL.
pki_ca_create() {

  mkdir -p "$CA_DIR/issued"
  : > "$CA_DIR/index.txt"
  echo 1000 > "$CA_DIR/serial"
  echo 1000 > "$CA_DIR/crlnumber"
  pki_ca_config > "$CA_DIR/ca.cnf"
  openssl req -new -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -subj "/O=pivlink test/CN=pivlink Test CA" -keyout "$CA_DIR/ca.key" -out "$CA_DIR/ca.crt" \
    -config "$CA_DIR/ca.cnf" -extensions ca_cert 2>/dev/null \
    && pki_crl
}

# pki_issue CSR CERT PROFILE [SUBJECT]: the CA signs CSR (PEM) with PROFILE client_cert or server_cert;
# SUBJECT (/CN=…/…) replaces the request's subject when given.
pki_issue() {
  local csr=$1 cert=$2 profile=$3 subject=${4:-}
  local subject_args=()
  [ -n "$subject" ] && subject_args=(-subj "$subject")
  openssl ca -batch -config "$CA_DIR/ca.cnf" -extensions "$profile" -notext \
    "${subject_args[@]}" -in "$csr" -out "$cert" 2>"$RUN/out/openssl-ca.err"
}

# pki_server_cert NAME: a software key and CA-issued server certificate $CA_DIR/NAME.{key,crt}.
pki_server_cert() {
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
    -keyout "$CA_DIR/$1.key" -out "$CA_DIR/$1.csr" 2>/dev/null \
    && pki_issue "$CA_DIR/$1.csr" "$CA_DIR/$1.crt" server_cert
}

# pki_revoke CERT: revokes CERT and publishes a new CRL.
pki_revoke() {
  openssl ca -config "$CA_DIR/ca.cnf" -revoke "$1" -crl_reason keyCompromise 2>"$RUN/out/openssl-ca.err" \
    && pki_crl
}

pki_crl() {
  openssl ca -config "$CA_DIR/ca.cnf" -gencrl -out "$CA_DIR/ca.crl" 2>"$RUN/out/openssl-ca.err"
}
