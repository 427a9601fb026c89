#!/bin/bash
# Who may use the card in pivlink's reader: Config/polkit-1/rules.d/50-pivlink-reader.rules, judged by a real
# polkitd (Debian package polkitd) on a private system bus, with the users and the group pivlink that exist
# only in the sandbox (lib/users.sh).
#   - polkitd is asked what a polkit-enabled pcscd asks it (pcsc-lite's src/auth.c): as root, for the client
#     process, org.debian.pcsc-lite.access_pcsc on connecting and org.debian.pcsc-lite.access_card with the
#     detail "reader" on SCardConnect. pkcheck makes that same call.
#   - Through pcscd itself, with a second card in a reader of another name: when pcscd asks polkit, a member
#     of pivlink and root read the card in pivlink's reader, another user is refused there and still reads
#     the other card. Debian 12's pcscd (1.9.9-2) is built without polkit and asks nothing: then every user
#     reads both cards, the limit pivlink's README states, and the suite checks that this is so.
# The rules directories and the action declarations are bind mounts in the sandbox's private mount namespace,
# gone with it.
. "$(dirname "$0")/../lib/harness.sh"
harness_begin_without_pcscd "$@"

RULES=$REPO_ROOT/Config/polkit-1/rules.d/50-pivlink-reader.rules
GROUP=pivlink MEMBER=pivlink-member OTHER=pivlink-other
OTHER_READER_PORT=36200
OTHER_READER_NAME="other Virtual PCD 00 00"
POLKIT_BUS_ADDRESS=unix:path=$RUN/polkit-bus/system_bus_socket

# add_test_group NAME MEMBER: a group NAME listing MEMBER, in the sandbox's copy of /etc/group.
add_test_group() {
  local name=$1 member=$2 gid=4300 content
  if getent group "$name" >/dev/null; then
    # Rewritten in place (truncated, not replaced): the bind mount pins the file's inode.
    content=$(awk -F: -v OFS=: -v name="$name" -v member="$member" \
      '$1 == name { $4 = ($4 == "" ? member : $4 "," member) } { print }' /etc/group) || return 1
    printf '%s\n' "$content" > /etc/group
  else
    while getent group "$gid" >/dev/null; do gid=$((gid + 1)); done
    echo "$name:x:$gid:$member" >> /etc/group
  fi
}

# polkit_setup: the rule as installed in /etc/polkit-1/rules.d, pcsc-lite's two actions declared where
# the pcscd package does not declare them, and a private bus for polkitd.
polkit_setup() {
  mkdir -p "$RUN/polkit-rules" "$RUN/polkit-actions" "$RUN/polkit-bus"
  cp "$RULES" "$RUN/polkit-rules/" || die "cannot copy $RULES"
  mount --bind "$RUN/polkit-rules" /etc/polkit-1/rules.d || die "cannot bind-mount the rules over /etc/polkit-1/rules.d"
  if [ ! -e /usr/share/polkit-1/actions/org.debian.pcsc-lite.policy ]; then
    cp -p /usr/share/polkit-1/actions/*.policy "$RUN/polkit-actions/" 2>/dev/null
    # The actions and defaults of pcsc-lite 1.9.9's doc/org.debian.pcsc-lite.policy (only the active local
    # session may use pcscd and its cards), which a pcscd built with polkit installs.
    cat > "$RUN/polkit-actions/org.debian.pcsc-lite.policy" <<'POLICY'
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE policyconfig PUBLIC "-//freedesktop//DTD PolicyKit Policy Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/PolicyKit/1.0/policyconfig.dtd">
<policyconfig>
  <action id="org.debian.pcsc-lite.access_pcsc">
    <description>Access to the PC/SC daemon</description>
    <message>Authentication is required to access the PC/SC daemon</message>
    <defaults><allow_any>no</allow_any><allow_inactive>no</allow_inactive><allow_active>yes</allow_active></defaults>
  </action>
  <action id="org.debian.pcsc-lite.access_card">
    <description>Access to the smart card</description>
    <message>Authentication is required to access the smart card</message>
    <defaults><allow_any>no</allow_any><allow_inactive>no</allow_inactive><allow_active>yes</allow_active></defaults>
  </action>
</policyconfig>
POLICY
    mount --bind "$RUN/polkit-actions" /usr/share/polkit-1/actions || die "cannot bind-mount the polkit actions"
  fi
  chmod -R a+rX "$RUN/polkit-rules" "$RUN/polkit-actions"
  start_background polkit-bus "$RUN/polkit-bus.log" dbus-daemon --nofork \
    --config-file="$REPO_ROOT/Tests/BlueZEmulator/system-bus.conf" --address="$POLKIT_BUS_ADDRESS"
  wait_until 10 "the private bus for polkitd listens" test -S "$RUN/polkit-bus/system_bus_socket" \
    || die "the private bus did not come up (Debian package dbus)"
}

# polkitd_start: polkitd on the private bus, loading the rules directory as it is now.
polkitd_start() {
  : > "$RUN/polkitd.log"
  start_background polkitd "$RUN/polkitd.log" env DBUS_SYSTEM_BUS_ADDRESS="$POLKIT_BUS_ADDRESS" /usr/lib/polkit-1/polkitd
  wait_until 10 "polkitd owns org.freedesktop.PolicyKit1" \
    log_contains "$RUN/polkitd.log" "Acquired the name org.freedesktop.PolicyKit1"
}

# In the second half a rule sorted after ours answers YES to whatever ours leaves alone: it stands in for
# pcsc-lite's allow_active default, which would let a user of the active desktop session through (the
# sandbox has no logind session). Only the answers that ours decides stay NO. polkitd reloads its rules
# when the directory changes (not restarted: pcscd keeps talking to the polkitd it found).
ACTIVE_SESSION_RULE='polkit.addRule(function (action, subject) {
    if (action.id.indexOf("org.debian.pcsc-lite.") == 0) { return polkit.Result.YES; }
});'

# rules_in_force: how many rules polkitd's last (re)load compiled and executed.
rules_in_force() {
  grep -o 'Finished loading, compiling and executing [0-9]* rules' "$RUN/polkitd.log" | tail -n 1 | grep -o '[0-9]*'
}

add_active_session_rule() {
  local expected=$(( $(rules_in_force) + 1 ))
  echo "$ACTIVE_SESSION_RULE" > "$RUN/polkit-active-session.rules"
  chmod a+r "$RUN/polkit-active-session.rules"
  mv "$RUN/polkit-active-session.rules" "$RUN/polkit-rules/99-test-active-session.rules"
  wait_until 10 "polkitd has reloaded its rules ($expected)" rules_in_force_are "$expected"
}

rules_in_force_are() { [ "$(rules_in_force)" = "$1" ]; }

# as_user NAME CMD...: CMD as NAME (root: as it is) with NAME's groups from the group database, in NAME's home.
as_user() {
  local name=$1; shift
  if [ "$name" = root ]; then "$@"; return; fi
  env HOME="$RUN/users/$name" setpriv --reuid "$name" --regid "$name" --init-groups "$@"
}

# on_polkit_bus CMD...: CMD with polkitd's private bus as its system bus.
on_polkit_bus() { env DBUS_SYSTEM_BUS_ADDRESS="$POLKIT_BUS_ADDRESS" "$@"; }

# decision USER ACTION [READER]: what polkitd answers pcscd for a process of USER: yes, no, or the error.
decision() {
  local user=$1 action=org.debian.pcsc-lite.$2 reader=${3:-} pid rc=0
  if [ "$user" = root ]; then sleep 30 & else setpriv --reuid "$user" --regid "$user" --init-groups sleep 30 & fi
  pid=$!
  # The subject must already be USER's process: setpriv has exec'd sleep once /proc names it so.
  if ! wait_until 5 "the subject process runs as $user" grep -qx sleep "/proc/$pid/comm"; then
    kill "$pid" 2>/dev/null
    echo "no subject process for $user"
    return
  fi
  on_polkit_bus pkcheck --action-id "$action" --process "$pid" ${reader:+--detail reader "$reader"} \
    > "$RUN/out/pkcheck" 2>&1 || rc=$?
  kill "$pid"
  wait "$pid" 2>/dev/null
  case "$rc" in
    0) echo yes ;;
    1) echo no ;;
    *) echo "pkcheck exit status $rc: $(tr '\n' ' ' < "$RUN/out/pkcheck")" ;;
  esac
}

# pcscd_rejected_since MARK READER: pcscd's log shows polkit refusing a client READER since MARK.
pcscd_rejected_since() {
  tail -c +"$(($1 + 1))" "$RUN/pcscd.log" | grep -qF "Rejected unauthorized client for '$2'"
}

# pcscd_asks_polkit: this pcscd is built with polkit (pcsc-lite 1.9.9 does not say so in --version).
pcscd_asks_polkit() { ldd "$(command -v pcscd)" | grep -q libpolkit-gobject; }

# names_card USER READER: USER's opensc-tool names the PIV card in READER. OpenSC connects to every reader
# that holds a card while it looks for readers, whichever it is asked about.
names_card() {
  local index
  index=$(opensc-tool -l 2>/dev/null | awk -v name="$2" 'index($0, name) { print $1; exit }')
  [ -n "$index" ] || { echo "no reader $2"; return 1; }
  as_user "$1" timeout -k 5 "$COMMAND_TIMEOUT" opensc-tool -r "$index" -n 2>&1 | tee /dev/stderr \
    | grep -qF "Personal Identity Verification Card"
}

# reads_status USER READER: USER's yubico-piv-tool reads the card's status in READER; it connects to that
# reader only.
reads_status() {
  as_user "$1" timeout -k 5 "$COMMAND_TIMEOUT" yubico-piv-tool -r "$2" -a status 2>&1 | tee /dev/stderr \
    | grep -qF "PIN tries left"
}

add_test_user "$MEMBER" && add_test_user "$OTHER" && add_test_group "$GROUP" "$MEMBER" \
  || die "cannot create the test users and the group $GROUP"
polkit_setup
polkitd_start || { cat "$RUN/polkitd.log" >&2; die "polkitd did not come up"; }
# A second vpcd reader of another name, for a card that is not pivlink's. It loads its own copy of the vpcd
# driver: the driver keeps its sockets in one static array indexed by slot number alone (ifd-vpcd.c,
# ctx[Lun & 0xffff]), so two vpcd readers of one library in one pcscd overwrite each other's slots.
cp "$(reader_conf_value LIBPATH)" "$RUN/libifdvpcd-other.so" || die "cannot copy the vpcd driver"
cat > "$RUN/reader.conf.d/other" <<READER
FRIENDLYNAME "other Virtual PCD"
DEVICENAME   /dev/null:$OTHER_READER_PORT
LIBPATH      $RUN/libifdvpcd-other.so
CHANNELID    $OTHER_READER_PORT
READER
# A pcscd built with polkit asks the polkitd on its system bus about every client, from the start.
DBUS_SYSTEM_BUS_ADDRESS=$POLKIT_BUS_ADDRESS pcscd_start

case_polkitd_loads_rule() {
  expect_ok "polkitd owns org.freedesktop.PolicyKit1 on the private bus" \
    on_polkit_bus busctl --timeout=10 status org.freedesktop.PolicyKit1
  expect_ok "pcsc-lite's actions are declared" on_polkit_bus pkaction --action-id org.debian.pcsc-lite.access_card
  expect_ok_output_contains "polkitd loaded the rules without an error" "Finished loading, compiling and executing" \
    cat "$RUN/polkitd.log"
  expect_output_lacks "no rule failed" "rror" polkitd_log_but_login_monitor
}

# polkitd's log without "Error getting login monitor": where systemd-logind has never run (/run/systemd/seats
# absent, as on a fresh build machine) polkitd says so, which is no rule's error.
polkitd_log_but_login_monitor() { sed 's/Error getting login monitor: -\?[0-9]*//' "$RUN/polkitd.log"; }

case_reader_for_group_only() {
  local reader; reader=$(reader_name)
  expect_equal "root may use the card in \"$reader\"" yes "$(decision root access_card "$reader")"
  expect_equal "$MEMBER (group $GROUP) may use it" yes "$(decision "$MEMBER" access_card "$reader")"
  expect_equal "$OTHER may not" no "$(decision "$OTHER" access_card "$reader")"
  expect_equal "$OTHER may not use the reader's second slot either" no \
    "$(decision "$OTHER" access_card "${reader% 00 00} 00 01")"
  expect_equal "$OTHER may not use Debian's vpcd reader, which shares the driver's slots with ours" no \
    "$(decision "$OTHER" access_card "Virtual PCD 00 00")"
  expect_equal "$MEMBER may use it" yes "$(decision "$MEMBER" access_card "Virtual PCD 00 00")"
  expect_equal "$MEMBER may reach pcscd from any session" yes "$(decision "$MEMBER" access_pcsc)"
  expect_equal "$OTHER reaches pcscd only as pcsc-lite's default says (not outside the active session)" no \
    "$(decision "$OTHER" access_pcsc)"
  expect_equal "membership grants no other reader: pcsc-lite's default decides" no \
    "$(decision "$MEMBER" access_card "$OTHER_READER_NAME")"
}

case_other_readers_unaffected() {
  local reader; reader=$(reader_name)
  expect_ok "polkitd loads a rule that stands in for the active session" add_active_session_rule
  expect_equal "$OTHER may use a card in another reader" yes "$(decision "$OTHER" access_card "$OTHER_READER_NAME")"
  expect_equal "$OTHER may reach pcscd" yes "$(decision "$OTHER" access_pcsc)"
  expect_equal "$OTHER still may not use the card in \"$reader\"" no "$(decision "$OTHER" access_card "$reader")"
  expect_equal "a reader whose name only contains ours is another reader" yes \
    "$(decision "$OTHER" access_card "USB reader (pivlink Virtual PCD) 00 00")"
  expect_equal "so is one named like vpcd's but for the prefix" yes \
    "$(decision "$OTHER" access_card "My Virtual PCD 00 00")"
}

case_through_pcscd() {
  local reader; reader=$(reader_name)
  expect_ok "a new card" card_init
  expect_ok "the card appears in \"$reader\"" card_start
  expect_ok "a second card for the other reader" "$PIVLINK_CARD_BIN" init --store "$RUN/other-store"
  start_background other-card "$RUN/other-card.log" "$PIVLINK_CARD_BIN" serve --store "$RUN/other-store" \
    --vpcd "127.0.0.1:$OTHER_READER_PORT"
  expect_ok "it appears in \"$OTHER_READER_NAME\"" wait_until 20 "pcscd has the second card" \
    log_contains "$RUN/pcscd.log" "Card inserted into $OTHER_READER_NAME"
  expect_ok "root reads the card in \"$reader\" (OpenSC)" names_card root "$reader"
  expect_ok "$MEMBER reads it (OpenSC)" names_card "$MEMBER" "$reader"
  expect_ok "$MEMBER reads it (yubico-piv-tool)" reads_status "$MEMBER" "$reader"
  expect_ok "$OTHER reads the card in the other reader (yubico-piv-tool)" reads_status "$OTHER" "$OTHER_READER_NAME"
  if pcscd_asks_polkit; then
    local mark; mark=$(pcscd_mark)
    expect_fail "$OTHER cannot read the card in \"$reader\" (yubico-piv-tool)" reads_status "$OTHER" "$reader"
    expect_ok "pcscd says polkit refused it" pcscd_rejected_since "$mark" "$reader"
    mark=$(pcscd_mark)
    expect_fail "$OTHER's OpenSC fails even for the other reader: it connects to ours too, and pcscd drops the client" \
      names_card "$OTHER" "$OTHER_READER_NAME"
    expect_ok "pcscd says polkit refused the connection to ours" pcscd_rejected_since "$mark" "$reader"
  else
    echo "   note  $(command -v pcscd) is built without polkit: it asks polkitd nothing"
    expect_ok "so $OTHER reads the card in \"$reader\" too (the documented limit)" reads_status "$OTHER" "$reader"
  fi
}

run_case "polkitd loads the rule" case_polkitd_loads_rule
run_case "the card in pivlink's reader is for root and group $GROUP only" case_reader_for_group_only
run_case "other readers keep their own rules" case_other_readers_unaffected
run_case "through pcscd" case_through_pcscd
suite_summary
