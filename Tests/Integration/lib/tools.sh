# The client tools, pointed at the card under test.
OPENSC_MODULE=${OPENSC_MODULE:-/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so}

# bounded CMD...: CMD under the per-command timeout, for commands run inside shell functions (which
# run_command cannot time out itself).
bounded() { timeout -k 5 "$COMMAND_TIMEOUT" "$@"; }

# ykpiv ARGS: yubico-piv-tool on our reader (-r matches a substring of the reader name).
ykpiv() { bounded yubico-piv-tool -r "$(reader_name)" "$@"; }

# p11 ARGS: pkcs11-tool through OpenSC's PKCS#11 module (first slot with a token: ours, the only card).
p11() { bounded pkcs11-tool --module "$OPENSC_MODULE" "$@"; }

# SELECT of the PIV application (9-byte truncated AID, as OpenSC sends it).
SELECT_PIV="00 A4 04 00 09 A0 00 00 03 08 00 00 10 00 00"

# apdu HEX...: opensc-tool sends SELECT PIV, then the APDUs, in one session on our reader. OpenSC's
# "default" driver keeps OpenSC's own APDUs out (its PIV driver re-reads Discovery at every lock).
apdu() {
  local args=(-s "$SELECT_PIV") a
  for a in "$@"; do args+=(-s "$a"); done
  bounded opensc-tool -r "$(reader_index)" -c default "${args[@]}"
}

# pin_hex PIN: the PIN as 8 bytes of hex, padded with FF (SP 800-73 VERIFY data).
pin_hex() {
  local hex; hex=$(printf '%s' "$1" | od -An -tx1 | tr -d ' \n')
  while [ ${#hex} -lt 16 ]; do hex+=ff; done
  echo "$hex"
}

# slot_key_id SLOT: OpenSC's PKCS#11 CKA_ID for a PIV key reference.
slot_key_id() {
  case "$1" in 9a) echo 01 ;; 9c) echo 02 ;; 9d) echo 03 ;; 9e) echo 04 ;; *) die "no key id for slot $1" ;; esac
}

# new_slot_key SLOT ALGORITHM SUBJECT [MGMT KEY]: yubico-piv-tool generates a key on the card, the
# card signs a self-signed certificate for it (card_signed_request) and yubico-piv-tool imports that,
# since OpenSC shows only keys with a certificate. Leaves $RUN/keys/SLOT.pub (from generate) and
# $RUN/keys/SLOT.crt. (yubico-piv-tool 2.2's own selfsign and request-certificate always fail under
# OpenSSL 3, so on Debian 12: "Failed signing certificate", Yubico/yubico-piv-tool issue 388.)
new_slot_key() {
  local slot=$1 algorithm=$2 subject=$3 key=${4:-$DEFAULT_MGMT_KEY}
  mkdir -p "$RUN/keys"
  ykpiv -k"$key" -a generate -s "$slot" -A "$algorithm" -o "$RUN/keys/$slot.pub" \
    && card_signed_request "$slot" "$subject" "$RUN/keys/$slot.crt" -x509 -days 30 \
    && ykpiv -k"$key" -a import-certificate -s "$slot" -i "$RUN/keys/$slot.crt"
}

# card_signed_request SLOT SUBJECT OUT [OPENSSL REQ OPTIONS]: `openssl req` makes a CSR (or, with
# -x509, a self-signed certificate) for SUBJECT (/CN=…/…), signed by the card's key in SLOT through
# OpenSC's PKCS#11 module and the pkcs11 engine (the PIN on standard input answers 9C's prompt).
# OpenSC 0.23 shows a key without a certificate when PIV_<SLOT>_KEY names a file with its public key
# ($RUN/keys/SLOT.pub, from generate).
card_signed_request() {
  local slot=$1 subject=${2%/} out=$3; shift 3
  openssl pkey -pubin -in "$RUN/keys/$slot.pub" -outform DER -out "$RUN/keys/$slot.pub.der" || return 1
  (
    export "PIV_$(tr a-z A-Z <<<"$slot")_KEY=$RUN/keys/$slot.pub.der"
    echo "$DEFAULT_PIN" | openssl_engine req -new "$@" -engine pkcs11 -keyform engine \
      -key "pkcs11:id=%$(slot_key_id "$slot");type=private;pin-value=$DEFAULT_PIN" -subj "$subject" -out "$out"
  )
}

# sign_and_verify SLOT KEY_ID DIGEST: pkcs11-tool signs a fresh message, openssl verifies it with the
# public key saved when the key was generated.
sign_and_verify() {
  local slot=$1 id=$2 digest=$3
  head -c 500 /dev/urandom > "$RUN/message"
  if [ "$slot" = 9a ]; then
    p11 -l --pin "$DEFAULT_PIN" --sign --id "$id" -m "$(tr a-z A-Z <<<"$digest")-RSA-PKCS" \
      -i "$RUN/message" -o "$RUN/sig" || return 1
  else
    openssl dgst -"$digest" -binary "$RUN/message" > "$RUN/message.hash"
    p11 -l --pin "$DEFAULT_PIN" --sign --id "$id" -m ECDSA --signature-format openssl \
      -i "$RUN/message.hash" -o "$RUN/sig" || return 1
  fi
  openssl dgst -"$digest" -verify "$RUN/keys/$slot.pub" -signature "$RUN/sig" "$RUN/message"
}

# same_public_key PEM_PUBKEY CERT: the certificate carries this public key.
same_public_key() {
  [ "$(openssl pkey -pubin -in "$1" -outform DER | sha256sum)" = \
    "$(openssl x509 -in "$2" -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum)" ]
}

# openssl_engine ARGS: openssl with libp11's "pkcs11" engine over OpenSC's PKCS#11 module, so that
# -engine pkcs11 -keyform engine -key 'pkcs11:…' reaches the card. It runs in a new session, without
# a controlling terminal, so that the PIN prompt libp11 shows for keys that need the PIN before every
# use (9C: CKA_ALWAYS_AUTHENTICATE; the URI's pin-value does not cover it) reads standard input.
openssl_engine() {
  local conf=$RUN/openssl-pkcs11.cnf engines
  if [ ! -f "$conf" ]; then
    engines=$(openssl version -e | sed -E 's/^ENGINESDIR: "(.*)"$/\1/')
    cat > "$conf" <<CONF
openssl_conf = openssl_init
[openssl_init]
engines = engine_section
[engine_section]
pkcs11 = pkcs11_section
[pkcs11_section]
engine_id = pkcs11
dynamic_path = $engines/pkcs11.so
MODULE_PATH = $OPENSC_MODULE
init = 0
CONF
  fi
  OPENSSL_CONF=$conf setsid -w timeout -k 5 "$COMMAND_TIMEOUT" openssl "$@"
}

# ykpiv_block_pin / ykpiv_block_puk: wrong PINs (PUKs) until yubico-piv-tool reports the code
# blocked; fails if that takes more than 10 tries (SP 800-73 allows at most 10).
ykpiv_block_pin() { ykpiv_until_output "Pin code blocked" -P 99999999 -a verify-pin; }
ykpiv_block_puk() { ykpiv_until_output "puk code is blocked" -a unblock-pin -P 99999999 -N 111111; }
ykpiv_until_output() {
  local text=$1 try; shift
  for try in 1 2 3 4 5 6 7 8 9 10 11; do
    ykpiv "$@" 2>&1 | grep -qF "$text" && return 0
  done
  return 1
}

# apdu_sws HEX...: sends the APDUs in one session (after SELECT PIV); prints the status word of each
# (e.g. 63C4), space-separated. apdu_sw HEX...: only the last one.
apdu_sws() {
  apdu "$@" 2>&1 | sed -nE 's/^Received \(SW1=0x(..), SW2=0x(..)\).*/\1\2/p' | tail -n +2 | tr '\n' ' ' \
    | sed 's/ $//'
}
apdu_sw() { apdu_sws "$@" | awk '{ print $NF }'; }

# verify_apdu PIN: VERIFY (PIV PIN, reference 80) with PIN padded to 8 bytes.
verify_apdu() { echo "00 20 00 80 08 $(pin_hex "$1")"; }

# --- interactive APDU sessions ----------------------------------------------------------------------
# One opensc-explorer process is one PC/SC connection. Driving it line by line lets a case compute a
# command from the previous response (challenge-response) inside one session. OpenSC's "default"
# driver sends nothing of its own between our APDUs. apdu_session_start selects PIV.
apdu_session_start() {
  coproc APDU_SESSION { stdbuf -oL opensc-explorer -r "$(reader_index)" -c default --mf "" 2>&1; }
  session_apdu "$SELECT_PIV" && [ "$SW" = 9000 ] || { echo "SELECT PIV in a new session: SW $SW" >&2; return 1; }
}

# session_apdu HEX: sends HEX in the session; sets SW (e.g. 9000) and DATA (hex without spaces).
# Fails if no answer arrives within the command timeout.
session_apdu() { session_apdu_send "$1" && session_apdu_read; }

# session_apdu_send HEX / session_apdu_read: session_apdu in two halves, for a case that acts while the
# command is under way.
session_apdu_send() {
  # A marker unique even across subshells ends the answer; opensc-explorer also echoes the command
  # line "… echo MARKER" before the line that starts with MARKER, which is the one to stop at.
  SESSION_MARKER="__pivlink_end_${BASHPID}_${RANDOM}${RANDOM}__"
  printf 'apdu %s\necho %s\n' "$1" "$SESSION_MARKER" >&"${APDU_SESSION[1]}"
}

session_apdu_read() {
  local line in_data=0
  SW= DATA=
  while IFS= read -r -t "$COMMAND_TIMEOUT" line <&"${APDU_SESSION[0]}"; do
    case "$line" in
      "$SESSION_MARKER"*) [ -n "$SW" ]; return ;;
      "Received (SW1=0x"*) SW=$(sed -E 's/.*SW1=0x(..), SW2=0x(..).*/\1\2/' <<<"$line"); in_data=1 ;;
      "Success!" | "Failure:"*) in_data=0 ;;
      *) [ "$in_data" -ge 1 ] && DATA+=$(dump_line_hex "$line" "$in_data") && in_data=$((in_data + 1)) ;;
    esac
  done
  return 1
}

# dump_line_hex LINE NUMBER: the bytes of one line of OpenSC's hex dump (util_hex_dump_asc), as hex.
# A line is "XX " per byte (at most 16) and then the bytes as ASCII; lines after the first are padded
# to 16 bytes' width before the ASCII. So the first line holds length/4 bytes, later ones length-48.
dump_line_hex() {
  local line=$1 count
  if [ "$2" -eq 1 ]; then count=$((${#line} / 4)); else count=$((${#line} - 48)); fi
  local hex=${line:0:$((count * 3))}
  echo "${hex// /}"
}

apdu_session_end() {
  echo quit >&"${APDU_SESSION[1]}"
  wait "$APDU_SESSION_PID" 2>/dev/null || true
}

# block_cipher ALGORITHM KEYHEX DATAHEX [-d]: one ECB pass of 3DES (alg 03) or AES (08, 0A, 0C)
# over whole blocks; prints hex.
block_cipher() {
  local cipher
  case "$1" in
    03) cipher=des-ede3 ;; 08) cipher=aes-128-ecb ;; 0A) cipher=aes-192-ecb ;; 0C) cipher=aes-256-ecb ;;
    *) die "no cipher for algorithm $1" ;;
  esac
  xxd -r -p <<<"$3" | openssl enc -"$cipher" -nopad -K "$2" ${4:-} | xxd -p -u | tr -d '\n'
}

# random_hex BYTES
random_hex() { head -c "$1" /dev/urandom | xxd -p -u | tr -d '\n'; }

# session_admin_mutual ALGORITHM KEYHEX: PIV mutual authentication of the card administrator (9B) in
# the current session, SP 800-73-4 part 2 appendix A.1 / libykpiv: ask for the witness, answer with
# the decrypted witness and our challenge, check the card's encryption of the challenge.
# Returns 0 when the card accepted and proved the key.
session_admin_mutual() {
  local algorithm=$1 key=$2 block=16 witness challenge response
  [ "$algorithm" = 03 ] && block=8
  local bl; bl=$(printf '%02X' "$block")
  session_apdu "00 87 $algorithm 9B 04 7C 02 80 00" || return 1
  [ "$SW" = 9000 ] || { echo "witness request: SW $SW" >&2; return 1; }
  witness=${DATA:8}
  [ "${DATA:0:8}" = "7C$(printf '%02X' $((block + 2)))80$bl" ] && [ ${#witness} -eq $((block * 2)) ] \
    || { echo "witness response malformed: $DATA" >&2; return 1; }
  challenge=$(random_hex "$block")
  local plain; plain=$(block_cipher "$algorithm" "$key" "$witness" -d)
  local body="80$bl$plain""81$bl$challenge"
  session_apdu "00 87 $algorithm 9B $(printf '%02X' $((${#body} / 2 + 2))) 7C $(printf '%02X' $((${#body} / 2))) $body" \
    || return 1
  [ "$SW" = 9000 ] || { echo "witness answer refused: SW $SW" >&2; return 1; }
  response=$(block_cipher "$algorithm" "$key" "$challenge")
  [ "$DATA" = "7C$(printf '%02X' $((block + 2)))82$bl$response" ] \
    || { echo "card's answer to our challenge is wrong: $DATA" >&2; return 1; }
}

# session_admin_external ALGORITHM KEYHEX: the card challenges us (81), we answer (82).
session_admin_external() {
  local algorithm=$1 key=$2 block=16
  [ "$algorithm" = 03 ] && block=8
  local bl; bl=$(printf '%02X' "$block")
  session_apdu "00 87 $algorithm 9B 04 7C 02 81 00" || return 1
  [ "$SW" = 9000 ] || { echo "challenge request: SW $SW" >&2; return 1; }
  local challenge=${DATA:8}
  [ ${#challenge} -eq $((block * 2)) ] || { echo "challenge malformed: $DATA" >&2; return 1; }
  local body="82$bl$(block_cipher "$algorithm" "$key" "$challenge")"
  session_apdu "00 87 $algorithm 9B $(printf '%02X' $((${#body} / 2 + 2))) 7C $(printf '%02X' $((${#body} / 2))) $body" \
    || return 1
  [ "$SW" = 9000 ] || { echo "our answer refused: SW $SW" >&2; return 1; }
}

# tlv_values HEX TAG: the values (hex, one per line) of every TLV tagged TAG at the top level of HEX,
# a sequence of BER-TLVs (tags of one or two bytes, lengths in short form, 81 xx or 82 xx xx).
tlv_values() {
  local hex=$1 want=$2 i=0 tag length found=1
  while [ $((i + 4)) -le ${#hex} ]; do
    tag=${hex:$i:2}; i=$((i + 2))
    if [ $((16#$tag & 0x1F)) -eq 31 ]; then tag+=${hex:$i:2}; i=$((i + 2)); fi
    length=$((16#${hex:$i:2})); i=$((i + 2))
    case $length in
      129) length=$((16#${hex:$i:2})); i=$((i + 2)) ;;
      130) length=$((16#${hex:$i:4})); i=$((i + 4)) ;;
    esac
    if [ "$tag" = "$want" ]; then echo "${hex:$i:$((length * 2))}"; found=0; fi
    i=$((i + length * 2))
  done
  return $found
}

# ber_tlv TAG VALUEHEX: a BER-TLV in hex (short or 81/82 long-form length).
ber_tlv() {
  local value=${2// /} n
  n=$((${#value} / 2))
  if [ "$n" -lt 128 ]; then printf '%s%02X%s' "$1" "$n" "$value"
  elif [ "$n" -lt 256 ]; then printf '%s81%02X%s' "$1" "$n" "$value"
  else printf '%s82%04X%s' "$1" "$n" "$value"; fi
}

# rsa_sign_template BYTES MESSAGE: the GENERAL AUTHENTICATE data (7C { 82 empty, 81 block }) asking a raw
# RSA key of BYTES bytes for a PKCS#1 v1.5 SHA-256 signature of the file MESSAGE, as hex.
rsa_sign_template() {
  local bytes=$1 digest_info padding
  digest_info=3031300d060960864801650304020105000420$(openssl dgst -sha256 -binary "$2" | xxd -p | tr -d '\n')
  padding=$(printf 'FF%.0s' $(seq $((bytes - 3 - ${#digest_info} / 2))))
  ber_tlv 7C "8200$(ber_tlv 81 "0001${padding}00$digest_info")"
}

# session_send HEADER DATAHEX: a command (HEADER = CLA INS P1 P2) in the session with its data chained
# in pieces of at most 255 bytes (CLA | 10 on all but the last), Le 00, and 61xx answered with GET
# RESPONSE; sets SW and DATA (the whole response).
session_send() {
  local header=${1// /} data=${2// /} cla rest all
  cla=${header:0:2}; rest=${header:2:6}
  while [ ${#data} -gt 510 ]; do
    session_apdu "$(printf '%02X' $((16#$cla | 0x10)))$rest FF ${data:0:510}" || return 1
    data=${data:510}
    [ "$SW" = 9000 ] || return 0
  done
  session_apdu "$cla$rest $(printf '%02X' $((${#data} / 2))) $data 00" || return 1
  all=$DATA
  while [[ "$SW" == 61?? ]]; do
    session_apdu "00 C0 00 00 ${SW:2:2}" || return 1
    all+=$DATA
  done
  DATA=$all
}
