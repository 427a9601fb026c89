# Smart-card logon through pam_pkcs11, driven by pamtester. The configuration is the sandbox's own:
# a temporary directory is bind-mounted over /etc/pam_pkcs11 and a copy of /etc/pam.d (with our
# service added) over /etc/pam.d, inside the private mount namespace only.
PAM_SERVICE=pivlink-test

# pam_pkcs11_setup CA_CERT CRL: trust CA_CERT, check certificates against CRL (re-run after the CRL
# changes), map the certificate's CN and UID to the login name.
pam_pkcs11_setup() {
  local ca=$1 crl=$2
  if [ ! -d "$RUN/pam_pkcs11" ]; then
    mkdir -p "$RUN/pam_pkcs11/cacerts" "$RUN/pam_pkcs11/crls" /etc/pam_pkcs11
    cat > "$RUN/pam_pkcs11/pam_pkcs11.conf" <<CONF
pam_pkcs11 {
  nullok = false; debug = true; use_first_pass = false; try_first_pass = false; use_authtok = false;
  card_only = true; wait_for_card = false;
  use_pkcs11_module = opensc;
  pkcs11_module opensc {
    module = $OPENSC_MODULE;
    description = "OpenSC";
    slot_description = "$(reader_name)";
    ca_dir = /etc/pam_pkcs11/cacerts;
    crl_dir = /etc/pam_pkcs11/crls;
    support_threads = false;
    cert_policy = ca, signature, crl_offline;
    token_type = "Smart card";
  }
  use_mappers = cn, uid;
  mapper_search_path = /lib/x86_64-linux-gnu/pam_pkcs11;
  mapper cn { debug = false; module = internal; ignorecase = true; mapfile = "none"; }
  mapper uid { debug = false; module = internal; ignorecase = false; mapfile = "none"; }
}
CONF
    mount --bind "$RUN/pam_pkcs11" /etc/pam_pkcs11 || die "cannot bind-mount over /etc/pam_pkcs11"
    cp -a /etc/pam.d "$RUN/pam.d"
    printf 'auth required pam_pkcs11.so\naccount required pam_permit.so\n' > "$RUN/pam.d/$PAM_SERVICE"
    mount --bind "$RUN/pam.d" /etc/pam.d || die "cannot bind-mount over /etc/pam.d"
  fi
  rm -f /etc/pam_pkcs11/cacerts/* /etc/pam_pkcs11/crls/*
  cp "$ca" /etc/pam_pkcs11/cacerts/ca.pem && cp "$crl" /etc/pam_pkcs11/crls/ca.crl.pem \
    && (cd /etc/pam_pkcs11/cacerts && pkcs11_make_hash_link) >/dev/null \
    && (cd /etc/pam_pkcs11/crls && pkcs11_make_hash_link) >/dev/null
}

# pam_login USER PIN: pamtester authenticates USER on our service, answering the PIN prompt with PIN.
pam_login() { echo "$2" | bounded pamtester -v "$PAM_SERVICE" "$1" authenticate; }

# expect_logon_certificate USER: the card makes an RSA-2048 key in 9A, the test CA (pki_ca_create, before) issues
# its certificate for USER from the card's CSR, the card holds it, and pam_pkcs11 trusts the CA: USER can log on
# with the card. Each step is one check of the case that calls it.
expect_logon_certificate() {
  local user=$1
  mkdir -p "$RUN/keys"
  expect_ok "the card generates RSA-2048 in 9A" ykpiv -a generate -s 9a -A RSA2048 -o "$RUN/keys/9a.pub"
  expect_ok "the card signs a CSR for it" card_signed_request 9a "/CN=$user/UID=$user" "$RUN/9a.csr"
  expect_ok "the CA issues the certificate" pki_issue "$RUN/9a.csr" "$RUN/keys/9a.crt" client_cert
  expect_ok "it is imported into the card" ykpiv -a import-certificate -s 9a -i "$RUN/keys/9a.crt"
  expect_ok "pam_pkcs11 trusts the CA, with its CRL" pam_pkcs11_setup "$CA_DIR/ca.crt" "$CA_DIR/ca.crl"
}
