#!/bin/bash
# The daemons as systemd runs them (systemd/pivlink-card.service, systemd/pivlink-station.service), with the
# environment systemd gives a Type=notify service provided by the test: $NOTIFY_SOCKET (a datagram socket read by
# lib/datagram-listener.py), $WATCHDOG_USEC, $CREDENTIALS_DIRECTORY (the store key LoadCredentialEncrypted= would
# hand over) and $JOURNAL_STREAM with a stand-in for journald's native socket in this mount namespace.
# Both transports: the card says READY=1 and STATUS=, pings the watchdog and says STOPPING=1 on SIGTERM, takes its
# key from $CREDENTIALS_DIRECTORY, and logs to the journal natively when its stderr is the journal, else to
# stderr. Over Bluetooth LE also the station, started without --foreground: READY=1 before any card is around,
# STATUS= and journal entries with their MESSAGE_IDs as the link and the card come and go, the watchdog, STOPPING=1.
. "$(dirname "$0")/../lib/harness.sh"
harness_begin "$@"
unset NOTIFY_SOCKET WATCHDOG_USEC WATCHDOG_PID CREDENTIALS_DIRECTORY JOURNAL_STREAM

# The journal MESSAGE_IDs (Sources/EventLoop/JournalMessageID.swift, README "Logs").
LINK_UP_ID=891d96c7a9134a06b1230b9b97a65ad0
LINK_DOWN_ID=1b6224fe8e1948f5825207d65a643633
CARD_INSERTED_ID=004ad21bfd1d4101883f84b69dd35826
CARD_REMOVED_ID=062a47d2f401456085595aa73a3890b0
# The watchdog period the tests ask for, in microseconds: a daemon must ping at least this often.
WATCHDOG_PERIOD=2000000

# A private /run/systemd, so that the journal's native socket here is the test's stand-in (lib/datagram-listener.py
# writing $RUN/journal.log: printed when a case fails).
mkdir -p /run/systemd
mount -t tmpfs -o mode=0755 pivlink-systemd /run/systemd || die "cannot mount a tmpfs on /run/systemd"
mkdir -p /run/systemd/journal
JOURNAL_SOCKET=/run/systemd/journal/socket

# listener_start NAME SOCKET OUTPUT: a datagram listener on SOCKET writing OUTPUT; waits for the socket.
listener_start() {
  start_background "$1" "$RUN/$1.stderr" /usr/bin/python3 "$HARNESS_LIB/datagram-listener.py" "$2" "$3" || return 1
  wait_until 10 "$2 is bound" test -S "$2"
}

# received FILE ASSIGNMENT: the listener's FILE holds ASSIGNMENT (FIELD=value, or a prefix of it).
received() { grep -qF -- " $2" "$1" 2>/dev/null; }

# paired_card_key: the fingerprint of the card the station is paired with, as `pivlink status` lists it.
paired_card_key() { pivlink_cli status | sed -nE 's/^ *pairings: +([0-9a-f]{4}(-[0-9a-f]{4}){3}).*/\1/p'; }

# entry_with FILE ID TEXT: a journal entry with MESSAGE_ID=ID (its assignments share a datagram number) holds TEXT.
entry_with() {
  local number
  for number in $(grep -F " MESSAGE_ID=$2" "$1" | cut -d' ' -f2); do
    awk -v number="$number" '$2 == number' "$1" | grep -qF -- "$3" && return 0
  done
  return 1
}

# watchdog_pings_at_least FILE COUNT: the listener got COUNT WATCHDOG=1 or more. watchdog_gap FILE: the longest
# time between two, in microseconds.
watchdog_pings_at_least() { [ "$(grep -c ' WATCHDOG=1$' "$1" 2>/dev/null)" -ge "$2" ]; }
watchdog_gap() {
  grep ' WATCHDOG=1$' "$1" | cut -d' ' -f1 \
    | awk 'NR > 1 && ($1 - last) > gap { gap = $1 - last } { last = $1 } END { printf "%d\n", gap * 1000000 }'
}

# expect_watchdog NAME FILE: at least 3 pings within 10 s, never more than WATCHDOG_PERIOD apart.
expect_watchdog() {
  expect_ok "$1 pings the watchdog (WATCHDOG_USEC=$WATCHDOG_PERIOD)" \
    wait_until 10 "3 WATCHDOG=1 from $1" watchdog_pings_at_least "$2" 3
  local gap; gap=$(watchdog_gap "$2")
  [ "$gap" -le "$WATCHDOG_PERIOD" ] || fail "$1's pings at most $WATCHDOG_PERIOD µs apart" "longest gap: $gap µs"
  pass "$1's pings at most $WATCHDOG_PERIOD µs apart (longest gap $gap µs)"
}

# stream_of FILE: JOURNAL_STREAM's DEVICE:INODE for FILE, which a daemon started by start_background gets as stderr.
stream_of() { touch "$1" && stat -c '%d:%i' "$1"; }

case_journal_stand_in() {
  expect_ok "the journal's stand-in listens on $JOURNAL_SOCKET" listener_start journald "$JOURNAL_SOCKET" "$RUN/journal.log"
  expect_ok "a new card is created" card_init
}

case_station_ready_without_card() {
  expect_ok "the station's notify socket" listener_start station-notify "$RUN/station.notify" "$RUN/station-notify.log"
  mkdir -p "$RUN/station-state"
  expect_ok "pivlink-station starts without --foreground, stderr the journal" start_background station "$RUN/station.log" \
    env "$(ble_env)" NOTIFY_SOCKET="$RUN/station.notify" WATCHDOG_USEC=$WATCHDOG_PERIOD STATE_DIRECTORY="$RUN/station-state" \
    JOURNAL_STREAM="$(stream_of "$RUN/station.log")" "$PIVLINK_STATION_BIN" --config "$STATION_CONF"
  expect_ok "READY=1 while no card is around" wait_until 10 "the station says READY=1" \
    received "$RUN/station-notify.log" READY=1
  background_running card && fail "no card was running" "pid $(background_pid card)"
  pass "no card was running"
  expect_ok "with STATUS=no card is paired (it pairs when the card starts)" \
    received "$RUN/station-notify.log" "STATUS=no card is paired with this station"
  expect_watchdog pivlink-station "$RUN/station-notify.log"
  expect_ok "its log went to the journal" received "$RUN/journal.log" "SYSLOG_IDENTIFIER=pivlink-station"
}

case_card_as_service() {
  expect_ok "the card's notify socket" listener_start card-notify "$RUN/card.notify" "$RUN/card-notify.log"
  mkdir -m 0700 "$RUN/credentials"
  expect_ok "the store key decrypted as LoadCredentialEncrypted= does" \
    systemd-creds decrypt --name=pivlink-store-key "$CARD_STORE/store-key.cred" "$RUN/credentials/pivlink-store-key"
  export NOTIFY_SOCKET=$RUN/card.notify WATCHDOG_USEC=$WATCHDOG_PERIOD CREDENTIALS_DIRECTORY=$RUN/credentials
  export SYSTEMD_CREDENTIAL_SECRET=$RUN/no-such-secret JOURNAL_STREAM; JOURNAL_STREAM=$(stream_of "$RUN/card.log")
  expect_ok "the card starts with the key from \$CREDENTIALS_DIRECTORY and is in $(reader_name)" card_start
  [ ! -e "$RUN/no-such-secret" ] || fail "systemd-creds was not run" "$RUN/no-such-secret was created"
  pass "systemd-creds was not run"
  expect_ok "READY=1" wait_until 10 "the card says READY=1" received "$RUN/card-notify.log" READY=1
  expect_ok "with STATUS=serving the card" received "$RUN/card-notify.log" "STATUS=serving the card"
  expect_watchdog pivlink-card "$RUN/card-notify.log"
  expect_ok "its log went to the journal" received "$RUN/journal.log" "SYSLOG_IDENTIFIER=pivlink-card"
  [ ! -s "$RUN/card.log" ] || fail "and nothing to stderr" "$(cat "$RUN/card.log")"
  pass "and nothing to stderr"
  if [ "$PIVLINK_TRANSPORT" = ble ]; then
    expect_ok "journal: the card's link up (MESSAGE_ID $LINK_UP_ID) with the station" \
      entry_with "$RUN/journal.log" "$LINK_UP_ID" "SYSLOG_IDENTIFIER=pivlink-card"
  else
    expect_ok "journal: the card inserted (MESSAGE_ID $CARD_INSERTED_ID) with vpcd's address" \
      entry_with "$RUN/journal.log" "$CARD_INSERTED_ID" "PIVLINK_VPCD=127.0.0.1"
  fi
  expect_ok "it signs" sign_and_verify_new_key
}

# sign_and_verify_new_key: a P-256 key and certificate in 9C, a signature openssl verifies.
sign_and_verify_new_key() {
  new_slot_key 9c ECCP256 "/CN=service 9c/" && sign_and_verify 9c 02 sha256
}

case_station_reports_the_card() {
  expect_ok "STATUS=card present" wait_until 10 "the station reports the card" \
    received "$RUN/station-notify.log" "STATUS=card presented to pcscd (link up to test phone ($(paired_card_key)))"
  expect_ok "journal: link up (MESSAGE_ID $LINK_UP_ID) with the card's key" \
    entry_with "$RUN/journal.log" "$LINK_UP_ID" "PIVLINK_CARD_KEY=$(paired_card_key)"
  expect_ok "with its ATT MTU" entry_with "$RUN/journal.log" "$LINK_UP_ID" "PIVLINK_ATT_MTU=$PIVLINK_BLE_MTU"
  expect_ok "journal: card inserted (MESSAGE_ID $CARD_INSERTED_ID) with the card's key" \
    wait_until 10 "the station's vpcd connection is up" \
    entry_with "$RUN/journal.log" "$CARD_INSERTED_ID" "PIVLINK_CARD_KEY=$(paired_card_key)"
}

case_card_stops() {
  expect_ok "SIGTERM: the card exits 0 and leaves $(reader_name)" card_stop
  expect_ok "it said STOPPING=1" received "$RUN/card-notify.log" STOPPING=1
  if [ "$PIVLINK_TRANSPORT" = vpcd ]; then
    expect_ok "journal: the card removed (MESSAGE_ID $CARD_REMOVED_ID)" \
      entry_with "$RUN/journal.log" "$CARD_REMOVED_ID" "SYSLOG_IDENTIFIER=pivlink-card"
  fi
}

case_station_reports_the_loss() {
  expect_ok "STATUS=card removed, link down" wait_until 10 "the station reports the loss" \
    received "$RUN/station-notify.log" "STATUS=card removed, link down"
  expect_ok "journal: link down (MESSAGE_ID $LINK_DOWN_ID) with the reason" \
    entry_with "$RUN/journal.log" "$LINK_DOWN_ID" "PIVLINK_REASON="
  expect_ok "journal: card removed (MESSAGE_ID $CARD_REMOVED_ID)" \
    entry_with "$RUN/journal.log" "$CARD_REMOVED_ID" "PIVLINK_CARD_KEY=$(paired_card_key)"
}

case_station_stops() {
  local rc=0
  stop_background station TERM || rc=$?
  expect_equal "SIGTERM: the station exits 0" 0 "$rc"
  expect_ok "it said STOPPING=1" received "$RUN/station-notify.log" STOPPING=1
  [ ! -s "$RUN/station.log" ] || fail "it wrote nothing to stderr (all went to the journal)" "$(cat "$RUN/station.log")"
  pass "it wrote nothing to stderr (all went to the journal)"
}

# With JOURNAL_STREAM naming another stream (stderr redirected away from the journal), lines go to stderr.
case_stderr_when_not_the_journal() {
  local before; before=$(grep -c . "$RUN/journal.log")
  export JOURNAL_STREAM=1:1
  if [ "$PIVLINK_TRANSPORT" = ble ]; then
    expect_ok "the station starts again, stderr not the journal" station_start
  fi
  expect_ok "the card starts, stderr not the journal" card_start
  expect_ok "its lines are on stderr" log_contains "$RUN/card.log" "pivlink-card: serving credential"
  expect_ok "and stop it" card_stop
  expect_equal "the journal got nothing more" "$before" "$(grep -c . "$RUN/journal.log")"
}

run_case "a stand-in for the journal, a new card" case_journal_stand_in
if [ "$PIVLINK_TRANSPORT" = ble ]; then
  run_case "the station is ready without the card" case_station_ready_without_card
fi
run_case "the card as a Type=notify service" case_card_as_service
[ "$PIVLINK_TRANSPORT" = ble ] && run_case "the station reports the card" case_station_reports_the_card
run_case "the card stops" case_card_stops
if [ "$PIVLINK_TRANSPORT" = ble ]; then
  run_case "the station reports the loss" case_station_reports_the_loss
  run_case "the station stops" case_station_stops
fi
run_case "stderr when stderr is not the journal" case_stderr_when_not_the_journal
suite_summary
