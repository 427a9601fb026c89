#!/bin/bash
# The walk-away lock end to end: the BlueZ emulator (its connected-link RSSI fed by lib/rssi-feed.py as the
# holder's phone), pivlink-card serve --ble, pivlink-station with proximity.signal: emulator, pcscd with vpcd,
# and python-dbusmock's logind on the same private system bus, with the test user's graphical session on
# seat0. A seated holder (noise, fades, posture changes) is never locked; a walk-away (the signal falling, then
# the link lost) locks the session once and takes the card out of pcscd; on return the card is presented again
# and pam_pkcs11 logs on with the PIN; away with the link up also removes the card, which forgets the PIN;
# auto-lock paused (pivlink pause) holds for its time and then ends, and pivlink status shows it. Nothing unlocks.
# Bluetooth LE only: Tests/Integration/run runs ble-* suites when PIVLINK_TRANSPORT=ble.
export PIVLINK_TRANSPORT=ble
. "$(dirname "$0")/../lib/harness.sh"
harness_begin "$@"

USER_NAME=pivtest
FEED_CONTROL=$RUN/rssi-plan FEED_STATUS=$RUN/rssi-status

# mock_call METHOD SIGNATURE ARGS… on logind's manager (org.freedesktop.DBus.Mock and Manager methods).
mock_call() {
  local path=/org/freedesktop/login1 interface=$1 method=$2; shift 2
  busctl --address="$BLE_BUS_ADDRESS" --timeout=10 call org.freedesktop.login1 "$path" "$interface" "$method" "$@"
}
mock() { mock_call org.freedesktop.DBus.Mock "$@"; }

# lock_calls: how many times the station called LockSession. unlock_calls: UnlockSession(s) and Session.Unlock.
lock_calls() { mock GetMethodCalls s LockSession | awk '{ print $2 }'; }
unlock_calls() {
  local manager session
  manager=$(( $(mock GetMethodCalls s UnlockSession | awk '{ print $2 }') + $(mock GetMethodCalls s UnlockSessions | awk '{ print $2 }') ))
  session=$(busctl --address="$BLE_BUS_ADDRESS" call org.freedesktop.login1 /org/freedesktop/login1/session/c1 \
    org.freedesktop.DBus.Mock GetMethodCalls s Unlock | awk '{ print $2 }')
  echo $((manager + session))
}
lock_calls_are() { [ "$(lock_calls)" = "$1" ]; }
session_locked_hint() {
  busctl --address="$BLE_BUS_ADDRESS" get-property org.freedesktop.login1 /org/freedesktop/login1/session/c1 \
    org.freedesktop.login1.Session LockedHint
}

# plan TEXT: what the phone does next (lib/rssi-feed.py); plan_done KIND: that plan has run its course.
plan() { rm -f "$FEED_STATUS"; echo "$1" > "$FEED_CONTROL.new" && mv "$FEED_CONTROL.new" "$FEED_CONTROL"; }
plan_done() { grep -qx "$1 done" "$FEED_STATUS" 2>/dev/null; }

status_field() { pivlink_cli status --json | /usr/bin/python3 -c "import json, sys; print(json.load(sys.stdin)['$1'])"; }

logind_start() {
  start_background logind "$RUN/logind.log" env "$(ble_env)" /usr/bin/python3 -m dbusmock --template logind \
    || return 1
  wait_until 20 "python-dbusmock's logind is on the bus" mock_call org.freedesktop.login1.Manager ListSessions \
    || return 1
  local uid; uid=$(id -u "$USER_NAME") || return 1
  mock AddSession ssusb c1 seat0 "$uid" "$USER_NAME" true >/dev/null || return 1
  busctl --address="$BLE_BUS_ADDRESS" call org.freedesktop.login1 /org/freedesktop/login1/session/c1 \
    org.freedesktop.DBus.Mock UpdateProperties 'sa{sv}' org.freedesktop.login1.Session 1 Type s wayland >/dev/null \
    || return 1
  # LockSession as logind and a desktop do it: the session is told to lock, and its locker sets LockedHint.
  mock AddMethod sssss org.freedesktop.login1.Manager LockSession s "" \
    "objects['/org/freedesktop/login1/session/' + args[0]].UpdateProperties('org.freedesktop.login1.Session', {'LockedHint': dbus.Boolean(True)})" \
    >/dev/null
}

# The holder unlocks the desktop with the password (the station never does): LockedHint goes back to false.
desktop_unlocked() {
  busctl --address="$BLE_BUS_ADDRESS" call org.freedesktop.login1 /org/freedesktop/login1/session/c1 \
    org.freedesktop.DBus.Mock UpdateProperties 'sa{sv}' org.freedesktop.login1.Session 1 LockedHint b false >/dev/null
}

case_setup() {
  expect_ok "a test user with a graphical session on seat0 (inside the sandbox only)" add_test_user "$USER_NAME"
  expect_ok "python-dbusmock's logind, the session c1 of $USER_NAME active on seat0" logind_start
  expect_ok "the station's config: RSSI from the emulator, $USER_NAME's session locked" sed -i \
    -e "s/^  signal: .*/  signal: emulator/" -e "s/^  # user: alice/  user: $USER_NAME/" "$STATION_CONF"
  expect_ok "the phone is at the desk: −55 dBm" plan "hold -55"
  expect_ok "the RSSI feed runs" start_background feed "$RUN/feed.log" /usr/bin/python3 "$HARNESS_LIB/rssi-feed.py" \
    --bus "$BLE_BUS_ADDRESS" --control "$FEED_CONTROL" --status "$FEED_STATUS" --rate 5 --seed 7
  expect_ok "a new card is created" card_init
  expect_ok "the card appears in $(reader_name) through the station" card_start
  expect_ok "the station judged the phone near before presenting the card" \
    wait_until 10 "the station logs presence: near" log_contains "$RUN/station.log" "presence: near"
  expect_ok "a test CA with an empty CRL" pki_ca_create
  expect_logon_certificate "$USER_NAME"
}

# calibrated_level FILE: the connection's level in the station's baseline.json, rounded.
calibrated_level() { /usr/bin/python3 -c "import json, sys; print(round(json.load(open(sys.argv[1]))['connection']))" "$1"; }
within() { [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }

case_calibrate() {
  expect_ok_output_contains "pivlink calibrate --seconds 5 while seated at −55 dBm" "seated baseline: " \
    pivlink_cli calibrate --seconds 5
  local measured; measured=$(last_output | sed -nE 's/^seated baseline: (-?[0-9]+) dBm.*/\1/p')
  expect_ok "it measured −55 ± 3 dBm (got '$measured')" within "${measured:-0}" -58 -52
  expect_ok "the station keeps it in its state directory" test -s "$RUN/station-state/baseline.json"
  expect_equal "the kept level is the measured one" "$measured" "$(calibrated_level "$RUN/station-state/baseline.json")"
  expect_ok "the station logged it" log_contains "$RUN/station.log" "calibrated the seated baseline"
}

case_seated_day() {
  expect_ok "45 s seated: noise, fades, posture changes" plan "seated -55 45"
  expect_ok "the seated plan runs its course" wait_until 70 "the seated plan ends" plan_done seated
  expect_equal "the station never locked" 0 "$(lock_calls)"
  expect_ok "the card stayed in pcscd" card_present
  expect_ok "pam_pkcs11 logs $USER_NAME on with the PIN" pam_login "$USER_NAME" "$DEFAULT_PIN"
}

case_walk_away() {
  local mark; mark=$(pcscd_mark)
  expect_ok "the holder walks away: −55 to −95 dBm in 6 s" plan "walk -55 -95 6"
  expect_ok "the station locks the session" wait_until 20 "LockSession is called" lock_calls_are 1
  expect_ok "the desktop confirmed it (LockedHint)" wait_until 10 "LockedHint is true" \
    sh -c "busctl --address='$BLE_BUS_ADDRESS' get-property org.freedesktop.login1 /org/freedesktop/login1/session/c1 org.freedesktop.login1.Session LockedHint | grep -qx 'b true'"
  expect_ok "the station takes the card out of pcscd" wait_until 10 "pcscd sees the card removed" card_removed_since "$mark"
  expect_ok "the lock is in the station's log with its reason" log_contains "$RUN/station.log" "locked session c1"
  expect_ok "then the link is lost: the phone is out of range" card_serve_stop
  expect_ok "the station judges the phone lost" \
    wait_until 10 "the station logs presence: lost" log_contains "$RUN/station.log" "presence: lost"
  # The loss timers are at most link_loss_timeout (45 s) away; a second lock would come from them. The station's
  # own timers after the loss are the fall delay (0.5 s) and the uncertain-loss timeout (5 s).
  expect_fail "no second lock in this away episode (10 s watched)" wait_until 10 "a second LockSession" \
    sh -c "[ \"\$(busctl --address='$BLE_BUS_ADDRESS' call org.freedesktop.login1 /org/freedesktop/login1 org.freedesktop.DBus.Mock GetMethodCalls s LockSession | awk '{ print \$2 }')\" -gt 1 ]"
  expect_equal "locked once" 1 "$(lock_calls)"
  expect_fail "no card in $(reader_name)" card_present
}

case_return() {
  expect_ok "the holder comes back and unlocks the desktop with the password" desktop_unlocked
  expect_ok "the phone is at the desk again" plan "hold -55"
  expect_ok "the phone is in range again: the card is presented" card_start
  expect_ok "presented after the phone was judged near" \
    sh -c "grep -n 'presence: near\|presenting the card' '$RUN/station.log' | tail -n 2 | head -n 1 | grep -q 'presence: near'"
  expect_ok_output_contains "pam_pkcs11 logs $USER_NAME on with the PIN" "successfully authenticated" \
    pam_login "$USER_NAME" "$DEFAULT_PIN"
  expect_fail "a wrong PIN is refused" pam_login "$USER_NAME" 999999
  expect_ok "the right PIN restores the tries" ykpiv -P "$DEFAULT_PIN" -a verify-pin
  expect_equal "the radio never unlocked anything" 0 "$(unlock_calls)"
}

case_away_with_link_up() {
  local links mark; links=$(grep -c "lost the card" "$RUN/station.log") mark=$(pcscd_mark)
  expect_equal "the PIN verifies" "9000 9000" "$(apdu_sws "$(verify_apdu "$DEFAULT_PIN")" "00 20 00 80")"
  expect_equal "another process finds it verified (the card's state is shared)" 9000 "$(apdu_sw "00 20 00 80")"
  expect_ok "the holder walks to the far end of the room; the link holds" plan "walk -55 -92 4"
  expect_ok "the station locks the session again" wait_until 20 "a second LockSession" lock_calls_are 2
  expect_ok "and takes the card out of pcscd" wait_until 10 "pcscd sees the card removed" card_removed_since "$mark"
  expect_ok "the holder comes back to the desk" plan "hold -55"
  expect_ok "the card is presented again" wait_until 10 "the card is back" card_present
  expect_equal "over the same link" "$links" "$(grep -c "lost the card" "$RUN/station.log")"
  expect_equal "the card forgot the verified PIN" 63C5 "$(apdu_sw "00 20 00 80")"
}

auto_lock_paused() { [ "$(status_field AutoLockPausedUntil)" != 0 ]; }
auto_lock_on() { [ "$(status_field AutoLockPausedUntil)" = 0 ]; }

case_pause() {
  expect_ok "the holder unlocks the desktop" desktop_unlocked
  expect_ok_output_contains "pivlink pause --for 20s" "paused" pivlink_cli pause --for 20s
  expect_ok "pivlink status shows auto-lock paused" auto_lock_paused
  expect_ok "the holder walks away during the pause" plan "walk -55 -92 4"
  expect_ok "the station does not lock while paused" \
    wait_until 20 "the station logs the withheld lock" log_contains "$RUN/station.log" "auto-lock is paused: not locking"
  expect_equal "no LockSession during the pause" 2 "$(lock_calls)"
  expect_ok "the pause ends by itself and the holder is still away: locked" \
    wait_until 30 "the third LockSession" lock_calls_are 3
  expect_ok "pivlink status shows auto-lock on again" auto_lock_on
  expect_ok "the holder comes back" plan "hold -55"
  expect_ok "the card is presented again" wait_until 10 "the card is back" card_present
  expect_ok "pivlink status: near, link up, card present, the last lock's reason" sh -c \
    "env '$(ble_env)' '$PIVLINK_BIN' status --json | /usr/bin/python3 -c 'import json, sys; s = json.load(sys.stdin); sys.exit(0 if (s[\"State\"], s[\"LinkUp\"], s[\"CardPresent\"]) == (\"near\", True, True) and \"paused\" in s[\"LastLockReason\"] else 1)'"
  expect_equal "the radio never unlocked anything" 0 "$(unlock_calls)"
}

run_case "setup: logind, the RSSI feed, the card with a certificate for logon" case_setup
run_case "pivlink calibrate measures and keeps the seated baseline" case_calibrate
run_case "a seated holder is not locked" case_seated_day
run_case "a walk-away locks once and removes the card" case_walk_away
run_case "the return presents the card; logon needs the PIN" case_return
run_case "away and back with the link up: the card leaves pcscd and forgets the PIN" case_away_with_link_up
run_case "auto-lock paused holds for its time, then ends" case_pause
suite_summary
