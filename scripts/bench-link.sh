#!/bin/bash
# scripts/bench link, after the build (run it through scripts/bench link, which builds and sets
# PIVLINK_CARD_BIN, PIVLINK_STATION_BIN and PIVLINK_BENCH_BIN). The card is reached over Bluetooth LE as in the
# integration suites with PIVLINK_TRANSPORT=ble: the harness's sandbox and BLE transport start the private bus,
# the BlueZ emulator (capturing every PDU on the air), `pivlink-card serve --ble`, pivlink-station and pcscd.
# From one run it prints:
#   1. radio round trips per operation, with the station's response cache on and off, and the APDUs the client
#      sent: (i) a whole `pkcs11-tool --login --pin … --sign` process run after an identical one, with a P-256 key
#      in 9A (the operation of research/piv-apdu-trace.txt), then with an RSA-2048 key in 9A,
#      (ii) the same process as the first after the station connected (a cold cache), and a third one. APDUs are counted in
#      pcscd's log (--apdu), round trips as request records on the air (the emulator's capture);
#   2. fragments per link record against ⌈record LEN / fragment size⌉ at ATT MTU 23, 185, 247, 517;
#   3. `pivlink-bench card --route station`: per-APDU time through station, link and card against the same
#      APDUs in process, side by side;
#   4. the wall time of (i) and (ii) with a delay injected each way on the air, next to the model
#      round trips × 2 × delay + the time at zero delay.
# Options: --repeat N (runs of each timed operation, default 5), --delays MS,MS (default 8,30: the emulator takes
# whole milliseconds, so 8 stands for a 7.5 ms connection interval); the rest goes to pivlink-bench card.
#
# The link is sealed (docs/link-protocol.md "Secure channel"): every message crosses as a RECORD (A2) under its own
# TXID with LEN = body + 19, and nothing of its command byte or APDU shows. The air is read by the integration's
# reader (Tests/Integration/lib/air-records.py, through lib/air.sh), so what the tables count is what it can tell:
#   - a request is a station record; one of LEN 27 (an 8-byte body) is taken for the station's round-trip PING and
#     left out. The harness's station.conf probes once a minute (write_station_conf, proximity.rtt_interval: 60,
#     the longest it takes), so a PING rarely falls in an operation at all; a client APDU of 8 bytes would be left
#     out with them, and table 1 says so when pcscd logged one;
#   - an APDU round trip is a request of LEN ≥ 23 (an APDU has CLA INS P1 P2); POWER_ON/OFF, RESET and
#     GET_CREDENTIAL_VERSION have no body (LEN 19);
#   - which APDUs crossed (CLA INS P1 P2) is no longer on the air. The station sends the client's APDUs on
#     unchanged and in order, or answers them from its cache, so the APDU records are an in-order part of what
#     pcscd logged: air-records.py crossed matches them by length and prints, per record, the APDU it must be,
#     or the candidates "a|b" where lengths alone leave a choice;
#   - table 2 counts the APDU records of each exchange and the card's final answers to them (their last record
#     under the request's TXID): their LEN (body + 19) and the fragments each took.
# shellcheck source=../Tests/Integration/lib/harness.sh
. "$(dirname "$0")/../Tests/Integration/lib/harness.sh"

repeat=5
delays=(8 30)
bench_args=()
parse_arguments() {
  while [ $# -gt 0 ]; do
    case "$1" in
      --repeat)
        [ $# -ge 2 ] && [ "$2" -ge 1 ] 2>/dev/null || { echo "--repeat needs a positive number"; exit 2; }
        repeat=$2; shift ;;
      --delays)
        [ $# -ge 2 ] && [[ "$2" =~ ^[0-9]+(,[0-9]+)*$ ]] || { echo "--delays needs whole milliseconds, e.g. 8,30"; exit 2; }
        IFS=, read -r -a delays <<<"$2"; shift ;;
      *) bench_args+=("$1") ;;
    esac
    shift
  done
}
parse_arguments "$@"

# bench_fail WHAT: the benchmark cannot go on; the daemons' last lines say why.
bench_fail() {
  echo "scripts/bench link: $1" >&2
  local log
  for log in station card emulator pcscd setup p11; do
    [ -s "$RUN/$log.log" ] && { echo "---- $log.log (last 15 lines)" >&2; tail -n 15 "$RUN/$log.log" >&2; }
  done
  exit 1
}

harness_begin "$@"
# shellcheck source=../Tests/Integration/lib/air.sh
. "$HARNESS_LIB/air.sh"
RESULTS=$RUN/operations.txt

# --- the station ---------------------------------------------------------------------------------------------
# station_cache true|false: the cache setting of every station started from now on.
station_cache() {
  sed -i "s/^cache: .*/cache: $1/" "$STATION_CONF"
  grep -q "^cache: $1\$" "$STATION_CONF" || bench_fail "Config/station.conf has no 'cache:' line"
}

# station_fresh: a new station process (its cache empty), the card in the reader through it.
station_fresh() {
  station_stop || bench_fail "the station did not exit 0 on SIGTERM"
  wait_until 10 "the reader empties" card_absent || bench_fail "the card stayed in the reader without the station"
  station_start || bench_fail "the station did not start"
  wait_until 60 "the card is back through the new station" card_present || bench_fail "the station did not bring the card back"
}

# air_delay MS: every PDU on the air arrives MS later, both ways.
air_delay() {
  emulator SetDelay su central-to-peripheral "$1" >/dev/null && emulator SetDelay su peripheral-to-central "$1" >/dev/null \
    || bench_fail "the emulator refused a delay of $1 ms"
}

# link_at_mtu MTU: the link dropped and reopened with that ATT MTU.
link_at_mtu() {
  emulator SetMTU q "$1" >/dev/null || bench_fail "the emulator refused MTU $1"
  local mark; mark=$(pcscd_mark)
  emulator Disconnect >/dev/null || bench_fail "the emulator did not drop the link"
  wait_until 10 "pcscd sees the card removed" card_removed_since "$mark" || bench_fail "the card stayed after the drop"
  wait_until 30 "the card is back" card_present || bench_fail "the card did not come back after the drop"
  [ "$(station_link_mtu)" = "$1" ] || bench_fail "the station's link has MTU $(station_link_mtu), not $1"
}

# --- one operation -------------------------------------------------------------------------------------------
# timed_sign KEY: one `pkcs11-tool --login --sign` process with 9A (id 01), checked by openssl: KEY p256 is ECDSA,
# rsa SHA256-RSA-PKCS.
# Sets SIGN_US (its wall time), SIGN_APDUS (the APDUs pcscd passed on), SIGN_APDU_TRIPS (APDU records on the
# air), SIGN_TRIPS (every request record on the air but PINGs: APDUs, power on/off, reset, version), SIGN_CROSSED
# (CLA INS P1 P2 of each APDU record, matched to pcscd's APDUs by length) and SIGN_HIDDEN (client APDUs of 8
# bytes, which would cross as long as a PING and are not counted).
timed_sign() {
  head -c 500 /dev/urandom > "$RUN/message"
  openssl dgst -sha256 -binary "$RUN/message" > "$RUN/message.hash"
  local sign pcscd_from air_from started ended requests crossed
  case "$1" in
    p256) sign=(-m ECDSA --signature-format openssl -i "$RUN/message.hash") ;;
    rsa) sign=(-m SHA256-RSA-PKCS -i "$RUN/message") ;;
  esac
  pcscd_from=$(pcscd_mark) air_from=$(air_mark)
  started=$(date +%s%N)
  p11 --login --pin "$DEFAULT_PIN" --sign --id 01 "${sign[@]}" -o "$RUN/sig" >>"$RUN/p11.log" 2>&1 \
    || bench_fail "pkcs11-tool --sign ($1) failed"
  ended=$(date +%s%N)
  openssl dgst -sha256 -verify "$RUN/keys/9a.pub" -signature "$RUN/sig" "$RUN/message" >/dev/null \
    || bench_fail "the $1 signature does not verify"
  SIGN_US=$(( (ended - started) / 1000 ))
  tail -c +"$((pcscd_from + 1))" "$RUN/pcscd.log" | sed -n 's/.*APDU: //p' > "$RUN/client-apdus.txt"
  SIGN_APDUS=$(wc -l < "$RUN/client-apdus.txt")
  SIGN_HIDDEN=$(awk 'NF == 8' "$RUN/client-apdus.txt" | wc -l)
  requests=$(air_records "$air_from" requests) || bench_fail "lib/air-records.py could not read the capture"
  SIGN_TRIPS=$(awk 'NF' <<<"$requests" | wc -l)
  SIGN_APDU_TRIPS=$(awk '$2 >= 23' <<<"$requests" | wc -l)
  crossed=$(air_records "$air_from" crossed "$RUN/client-apdus.txt") \
    || bench_fail "the APDU records on the air are no in-order part of the APDUs in pcscd's log"
  SIGN_CROSSED=$(awk '{ print $3 }' <<<"$crossed" | tr '\n' ' ')
}

# sign_run CACHE DELAY KEY: a fresh station, then (ii) its first sign process, (i) the same again and (i3) a third
# time; one line each in $RESULTS: cache delay KEY-operation µs apdus apdu-trips trips hidden.
sign_run() {
  local crossed
  station_fresh
  timed_sign "$3"
  echo "$1 $2 $3-ii $SIGN_US $SIGN_APDUS $SIGN_APDU_TRIPS $SIGN_TRIPS $SIGN_HIDDEN" >> "$RESULTS"
  timed_sign "$3"
  echo "$1 $2 $3-i $SIGN_US $SIGN_APDUS $SIGN_APDU_TRIPS $SIGN_TRIPS $SIGN_HIDDEN" >> "$RESULTS"
  crossed=$SIGN_CROSSED
  timed_sign "$3"
  echo "$1 $2 $3-i3 $SIGN_US $SIGN_APDUS $SIGN_APDU_TRIPS $SIGN_TRIPS $SIGN_HIDDEN" >> "$RESULTS"
  if [ "$1 $2" = "true 0" ]; then printf '%s\n%s\n' "$crossed" "$SIGN_CROSSED" > "$RUN/crossed-$3.txt"; fi
}

# cache_phase true|false KEY: stations with that cache setting; --repeat rounds of sign_run at zero delay and at
# each delay, interleaved so that the machine's changing load hits every delay alike.
cache_phase() {
  echo "  $2, cache $1: $repeat rounds of pkcs11-tool --sign (ii), (i), (i) again at 0 ms$(printf ', %s ms' "${delays[@]}") each way…"
  station_cache "$1"
  local rounds delay
  for ((rounds = 0; rounds < repeat; rounds++)); do
    for delay in 0 "${delays[@]}"; do
      air_delay "$delay"
      sign_run "$1" "$delay" "$2"
    done
  done
  air_delay 0
}

# --- fragments -----------------------------------------------------------------------------------------------
# exchange_fragments NAME MTU MARK: after a command (sent by the caller since air_mark gave MARK, in an APDU
# session that sends nothing else, with the cache off), its APDU records and the card's final answers to them
# (lib/air-records.py apdu-exchanges), as one line per direction in $RUN/fragments.txt:
# NAME MTU c2p|p2c records bytes fragments ideal (bytes = Σ LEN, ideal = Σ ⌈LEN / fragment size⌉ per record).
exchange_fragments() {
  local name=$1 mtu=$2 from=$3 size exchanges
  size=$(( mtu - 3 > 510 ? 510 : mtu - 3 )) # pivlink-card's info caps fragments at 510 (bluetoothd 5.66)
  exchanges=$(air_records "$from" apdu-exchanges) || bench_fail "lib/air-records.py could not read the capture"
  awk -v name="$name" -v mtu="$mtu" -v size="$size" '
    { d = ($1 == "station") ? "c2p" : "p2c"
      records[d]++; bytes[d] += $3; fragments[d] += $4; ideal[d] += int(($3 + size - 1) / size) }
    END { for (d in records) print name, mtu, d, records[d], bytes[d], fragments[d], ideal[d] }' <<<"$exchanges" \
    >> "$RUN/fragments.txt"
}

# fragment_exchanges MTU: a short GET DATA (Discovery), a chained RSA-2048 GENERAL AUTHENTICATE (9A) and the
# 9A certificate read, each in its own APDU session after VERIFY, with GET RESPONSE until the answer is whole.
fragment_exchanges() {
  local mtu=$1 from
  apdu_session_start || bench_fail "an APDU session did not start"
  session_apdu "$(verify_apdu "$DEFAULT_PIN")" && [ "$SW" = 9000 ] || bench_fail "VERIFY PIN: SW $SW"
  from=$(air_mark)
  session_send "00 CB 3F FF" "5C017E" && [ "$SW" = 9000 ] || bench_fail "GET DATA Discovery: SW $SW"
  exchange_fragments getdata "$mtu" "$from"
  head -c 300 /dev/urandom > "$RUN/message"
  from=$(air_mark)
  session_send "00 87 07 9A" "$(rsa_sign_template 256 "$RUN/message")" && [ "$SW" = 9000 ] \
    || bench_fail "GENERAL AUTHENTICATE (RSA-2048, 9A): SW $SW"
  exchange_fragments sign "$mtu" "$from"
  from=$(air_mark)
  session_send "00 CB 3F FF" "5C035FC105" && [ "$SW" = 9000 ] || bench_fail "GET DATA (9A certificate): SW $SW"
  exchange_fragments certificate "$mtu" "$from"
  apdu_session_end
}

# --- the tables ----------------------------------------------------------------------------------------------
# median: the median of the numbers on standard input (the lower middle one for an even count).
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# result CACHE DELAY OPERATION FIELD: the median of FIELD (4 µs, 5 APDUs, 6 APDU trips, 7 trips, 8 client APDUs
# of 8 bytes) over the runs.
result() { awk -v c="$1" -v d="$2" -v o="$3" -v f="$4" '$1 == c && $2 == d && $3 == o { print $f }' "$RESULTS" | median; }

operation_name() {
  local key
  case "$1" in p256-*) key="P-256" ;; rsa-*) key="RSA-2048" ;; esac
  case "$1" in
    *-i) echo "(i) $key, after an identical process" ;;
    *-ii) echo "(ii) $key, first after connect" ;;
    *-i3) echo "    the same, a third time" ;;
  esac
}

print_round_trips() {
  echo
  echo "1. Radio round trips per operation: pkcs11-tool --login --pin $DEFAULT_PIN --sign (OpenSC $(opensc_version))"
  printf '%-37s %12s %24s %24s\n' operation "client APDUs" "cache on: APDU (all)" "cache off: APDU (all)"
  local op
  for op in p256-i p256-i3 p256-ii rsa-i rsa-i3 rsa-ii; do
    printf '%-37s %12s %24s %24s\n' "$(operation_name "$op")" "$(result true 0 "$op" 5)" \
      "$(result true 0 "$op" 6) ($(result true 0 "$op" 7))" "$(result false 0 "$op" 6) ($(result false 0 "$op" 7))"
  done
  echo "client APDUs: the APDUs pcscd passed to the reader (its --apdu log). Round trips are the station's sealed"
  echo "request records in the emulator's capture (lib/air-records.py), PINGs (LEN 27) left out. APDU: records of"
  echo "LEN ≥ 23; all: every request, with the bodiless power on/off, reset and credential-version reads (LEN 19)."
  echo "Medians of $repeat runs at zero delay; (ii) is the first process after a new station connected."
  local hidden
  hidden=$(awk '$8 > 0' "$RESULTS" | wc -l)
  [ "$hidden" -eq 0 ] || echo "In $hidden runs the client sent APDUs of 8 bytes: sealed, they look like PINGs and are not counted."
  local key
  for key in p256 rsa; do
    echo "What crossed with the cache on, $key, last run (CLA INS P1 P2 of pcscd's APDUs, matched to the records by"
    echo "  length; a|b: lengths leave either): (i) $(sed -n 1p "$RUN/crossed-$key.txt")"
    echo "  third time: $(sed -n 2p "$RUN/crossed-$key.txt")"
  done
}

opensc_version() { dpkg-query -W -f='${Version}' opensc 2>/dev/null | sed 's/-.*//'; }

print_fragments() {
  echo
  echo "2. Fragments per link record: on the air against ⌈record LEN / min(MTU − 3, 510)⌉ (cache off)"
  printf '%-40s %5s %6s' exchange recs bytes
  local mtu
  for mtu in 23 185 247 517; do printf ' %13s' "MTU $mtu"; done
  echo
  local exchange direction label
  for exchange in getdata sign certificate; do
    for direction in c2p p2c; do
      case "$exchange/$direction" in
        getdata/c2p) label="GET DATA Discovery (7E): command" ;;
        getdata/p2c) label="  answer" ;;
        sign/c2p) label="RSA-2048 GEN. AUTH. chain+GET RESP.: cmds" ;;
        sign/p2c) label="  answers" ;;
        certificate/c2p) label="9A certificate GET DATA+GET RESP.: cmds" ;;
        certificate/p2c) label="  answers" ;;
      esac
      awk -v e="$exchange" -v d="$direction" -v label="$label" '
        $1 == e && $3 == d { msgs = $4; bytes = $5; cell[$2] = $6 " / " $7 }
        END {
          printf "%-40s %5s %6s", substr(label, 1, 40), msgs, bytes
          n = split("23 185 247 517", mtus, " ")
          for (i = 1; i <= n; i++) printf " %13s", (mtus[i] in cell) ? cell[mtus[i]] : "–"
          printf "\n"
        }' "$RUN/fragments.txt"
    done
  done
  echo "recs, bytes: APDU records (commands) or the card's final answers to them, and their LEN (body + 19: the"
  echo "channel's header, command byte, TXID and tag) in that direction; cells: fragments on the air / ideal."
  echo "The ideal ignores the 4-byte header of an initial fragment and the 1-byte SEQ of each continuation."
}

print_delays() {
  echo
  echo "4. Wall time per operation with a delay each way on the air (a connection interval's worth), medians of $repeat:"
  printf '%-37s %6s %8s %12s %12s %12s %15s\n' operation cache "delay" "round trips" "measured ms" "modelled ms" "extra ms/trip"
  local op cache delay trips zero measured
  for op in p256-i p256-ii rsa-i rsa-ii; do
    for cache in true false; do
      zero=$(result "$cache" 0 "$op" 4)
      for delay in 0 "${delays[@]}"; do
        trips=$(result "$cache" "$delay" "$op" 7)
        measured=$(result "$cache" "$delay" "$op" 4)
        printf '%-37s %6s %5s ms %12s %12s %12s %15s\n' "$(operation_name "$op")" "$([ "$cache" = true ] && echo on || echo off)" \
          "$delay" "$trips" "$(awk -v us="$measured" 'BEGIN { printf "%.0f", us / 1000 }')" \
          "$(awk -v t="$trips" -v d="$delay" -v z="$zero" 'BEGIN { printf "%.0f", t * 2 * d + z / 1000 }')" \
          "$(awk -v t="$trips" -v d="$delay" -v z="$zero" -v m="$measured" \
            'BEGIN { if (d == 0 || t == 0) print "–"; else printf "%.1f", (m - z) / 1000 / t - 2 * d }')"
      done
    done
  done
  echo "round trips: every request record on the air in that run but PINGs (median); modelled = round trips × 2 × delay + the time"
  echo "at 0 ms with the same cache; extra ms/trip = (measured − time at 0 ms) / round trips − 2 × delay, what a"
  echo "round trip cost beyond the model. The emulator delays each PDU by itself, order kept, so the fragments of"
  echo "one message overlap and a round trip costs one delay each way. Delays interleaved round by round."
}

# --- the run -------------------------------------------------------------------------------------------------
echo "scripts/bench link: the card over BLE (BlueZ emulator, ATT MTU $PIVLINK_BLE_MTU), pivlink-station, pcscd"
echo "  a new card…"
card_init >"$RUN/setup.log" 2>&1 || bench_fail "pivlink-card init failed"
card_start >>"$RUN/setup.log" 2>&1 || bench_fail "the card did not come up through the station"
: > "$RESULTS"
: > "$RUN/fragments.txt"
for key in p256 rsa; do
  echo "  a $key key and certificate in 9A…"
  # OpenSC takes a slot's key type from its certificate: the old one must go before the slot gets a new kind of key.
  [ "$key" = p256 ] || ykpiv -a delete-certificate -s 9a >>"$RUN/setup.log" 2>&1 \
    || bench_fail "deleting the 9A certificate failed"
  new_slot_key 9a "$([ "$key" = p256 ] && echo ECCP256 || echo RSA2048)" "/CN=pivlink bench 9a $key/" \
    >>"$RUN/setup.log" 2>&1 || bench_fail "making the $key key in 9A failed"
  cache_phase true "$key"
  cache_phase false "$key"
done
echo "  cache false: fragments at MTU 23, 185, 247, 517…"
for mtu in 23 185 247 517; do
  link_at_mtu "$mtu"
  fragment_exchanges "$mtu"
done
emulator SetMTU q "$PIVLINK_BLE_MTU" >/dev/null
link_at_mtu "$PIVLINK_BLE_MTU"
print_round_trips
print_fragments
echo
echo "3. Per-APDU time through station, link and card at zero delay (cache off, MTU $PIVLINK_BLE_MTU), against in process."
echo "   pcscd logs every APDU here (--apdu, for table 1); that costs microseconds beside the link's milliseconds."
"$PIVLINK_BENCH_BIN/pivlink-bench" card --reader "$(reader_name)" --route station "${bench_args[@]}" \
  || bench_fail "pivlink-bench card failed"
print_delays
