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
