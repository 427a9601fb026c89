# The daemons' exchange, sourced by Tests/BlueZVM/guest once bluetoothd is up (it provides $repo, $out,
# $RUN, $bin_dir, say, fail, remaining and the integration suites' helpers):
#   pcscd with the shipped reader configuration (Config/reader.conf.d/pivlink, vpcd listening on loopback);
#   pivlink-card init + serve --ble --adapter hci0 (the card: GATT application and advertisement);
#   pivlink-station --foreground on hci1, its config the shipped Config/station.conf with proximity.signal: kernel,
#   run as root without any capability (as systemd/pivlink-station.service runs it);
#   the two paired through `pivlink-card pair` and `pivlink pair` (Tests/Integration/lib/pairing.sh): the station
#   finds the card in pairing mode, and then by its private token, through real bluetoothd's discovery, and every
#   APDU below crosses the Noise channel.
# It passed when the card shows up in pcscd's reader through the station, answers SELECT PIV with 9000 and
# OpenSC names it a PIV card: every one of those APDUs crossed the virtual radio through bluetoothd. Then the
# connected link's RSSI: the station reads btvirt's Read RSSI constant (-1 dBm; its advertisements say 127, "no
# RSSI") through its own HCI socket without a capability, and it becomes the station's filtered RSSI; mgmt's Get
# Connection Information is refused without CAP_NET_ADMIN (checked with btmgmt), which is why the station does
# not use it. See check_kernel_rssi.

SELECT_PIV="00 A4 04 00 09 A0 00 00 03 08 00 00 10 00"

. "$repo/Tests/Integration/lib/pairing.sh"
card_pair_cli() { "$bin_dir/pivlink-card" pair "$@"; }
station_pair_cli() { "$bin_dir/pivlink" pair "$@"; }
busctl_bus() { echo --system; }

# The reader as the shipped configuration names it: vpcd's first slot, on DEVICENAME's port.
SHIPPED_READER_CONF=$repo/Config/reader.conf.d/pivlink
reader_conf_value() { awk -v key="$1" '$1 == key { $1 = ""; sub(/^ +/, ""); gsub(/"/, ""); print; exit }' "$SHIPPED_READER_CONF"; }
VPCD_PORT=$(( $(reader_conf_value DEVICENAME | sed 's/.*://') ))
# reader_name: used by reader_listed, card_present and reader_index (Tests/Integration/lib/sandbox.sh).
reader_name() { echo "$(reader_conf_value FRIENDLYNAME) 00 00"; }

# adapter_advertising NAME: bluetoothd has an active advertisement on the adapter.
adapter_advertising() {
  local instances
  instances=$(busctl --system get-property org.bluez "/org/bluez/$1" org.bluez.LEAdvertisingManager1 ActiveInstances \
    2>/dev/null) && [ "$instances" != "y 0" ]
}

# running_or_fail NAME LOG: fails the run, with the end of LOG, when NAME has exited.
running_or_fail() {
  background_running "$1" || fail "$1 exited (status $(cat "$RUN/$1.status" 2>/dev/null)): $(tail -n 3 "$2" | tr '\n' ' ')"
}

card_present_or_a_daemon_exited() { card_present || ! background_running card || ! background_running station; }

exchange_daemons() {
  local card_bin=$bin_dir/pivlink-card station_bin=$bin_dir/pivlink-station index output
  [ -x "$card_bin" ] && [ -x "$station_bin" ] && [ -x "$bin_dir/pivlink" ] \
    || fail "no pivlink-card, pivlink-station and pivlink in '$bin_dir'"
  mkdir -p "$RUN/reader.conf.d" && cp "$SHIPPED_READER_CONF" "$RUN/reader.conf.d/pivlink"
  start_background pcscd "$out/pcscd.log" pcscd --foreground --apdu --info -c "$RUN/reader.conf.d"
  wait_until 30 "pcscd lists the reader \"$(reader_name)\"" reader_listed || fail "pcscd did not list $(reader_name)"
  say "pcscd up with the shipped reader.conf (vpcd on 127.0.0.1:$VPCD_PORT)"

  # The store key is sealed with systemd-creds' host key: a throwaway one for this guest.
  new_credential_secret "$RUN/credential.secret"
  export SYSTEMD_CREDENTIAL_SECRET=$RUN/credential.secret
  "$card_bin" init --store "$RUN/store" > "$out/card-init.log" 2>&1 \
    || fail "pivlink-card init failed: $(tail -n 1 "$out/card-init.log")"
  start_background card "$out/card.log" "$card_bin" serve --ble --adapter hci0 --store "$RUN/store"
  # Unpaired, the card advertises nothing until its pairing window opens: it is up once it serves its bus name.
  wait_until 60 "pivlink-card serves org.pivlink.Card1" eval 'card_bus_ready || ! background_running card' \
    || fail "pivlink-card did not come up on the bus"
  running_or_fail card "$out/card.log"
  say "pivlink-card serves on hci0 ($(adapter_property hci0 Address))"

  sed -e "s/^adapter:.*/adapter: hci1/" \
    -e "s/^vpcd:.*/vpcd: \"127.0.0.1:$VPCD_PORT\"/" -e "s/^  signal:.*/  signal: kernel/" \
    "$repo/Config/station.conf" > "$RUN/station.conf"
  grep -q '^  signal: kernel$' "$RUN/station.conf" || fail "Config/station.conf has no proximity.signal line to set to kernel"
  cp "$RUN/station.conf" "$out/station.conf"
  # Root with an empty capability bounding set, so the exec leaves it no capability: the unit's
  # CapabilityBoundingSet= (setpriv execs, so the pid is the station's).
  start_background station "$out/station.log" \
    setpriv --bounding-set=-all --inh-caps=-all "$station_bin" --foreground --config "$RUN/station.conf"
  grep -q '^CapEff:[[:space:]]*0*$' "/proc/$(background_pid station)/status" \
    || fail "pivlink-station kept capabilities: $(grep '^Cap' "/proc/$(background_pid station)/status" | tr '\n' ' ')"
  wait_until 20 "the station answers on the bus" eval '"$bin_dir/pivlink" status >/dev/null' \
    || fail "pivlink status did not answer: $(tail -n 3 "$out/station.log" | tr '\n' ' ')"
  pair_devices 2>"$out/pairing.err" \
    || fail "pairing failed: $(tr '\n' ' ' <"$out/pairing.err") $(tail -n 3 "$out/station.log" "$out/card.log" | tr '\n' ' ')"
  cp "$RUN"/{card,station}-{pair,confirm}.log "$out/" 2>/dev/null
  say "paired through real bluetoothd: code $(pairing_code "$RUN/card-pair.log") on both sides"
  wait_until 30 "pivlink-card advertises its private token on hci0 (ActiveInstances > 0)" adapter_advertising hci0 \
    || fail "pivlink-card did not advertise once paired"
  wait_until "$(remaining)" "the card is in \"$(reader_name)\" through pivlink-station" card_present_or_a_daemon_exited
  running_or_fail station "$out/station.log"
  running_or_fail card "$out/card.log"
  card_present || fail "the card never appeared in \"$(reader_name)\""
  say "the card is in pcscd's reader through the station"

  index=$(reader_index)
  output=$(opensc-tool -r "$index" -c default -s "$SELECT_PIV" 2>&1)
  echo "$output" > "$out/select-piv.txt"
  grep -q 'Received (SW1=0x90, SW2=0x00)' <<<"$output" \
    || fail "SELECT PIV through the station did not answer 9000: $(tr '\n' ' ' <<<"$output")"
  say "SELECT PIV answered 9000"
  output=$(opensc-tool -r "$index" -n 2>&1)
  echo "$output" > "$out/opensc-name.txt"
  grep -q 'Personal Identity Verification Card' <<<"$output" \
    || fail "opensc-tool -n did not name a PIV card: $(tr '\n' ' ' <<<"$output")"
  say "opensc-tool -n: $output"
  echo "the PIV card answered SELECT PIV (9000) and opensc-tool -n ($output) through pivlink-station over bluetoothd" >> "$out/result"
  check_kernel_rssi
}

# station_rssi: the station's filtered RSSI (org.pivlink.Station1.RSSI, 127 while not heard), e.g. "n -1".
station_rssi() {
  busctl --system get-property org.pivlink.Station1 /org/pivlink/Station org.pivlink.Station1 RSSI 2>/dev/null
}

# check_kernel_rssi: the connected link's RSSI reached the station's walk-away lock from the kernel: HCI Read RSSI
# from pivlink-station's own raw HCI socket without a capability (btmon shows the socket's opener and whether it
# is trusted, the commands and btvirt's answers, -1 dBm), and the station's filtered RSSI is that -1 dBm (btvirt's
# advertisements carry 127, "no RSSI"; the presence lines of the log show the RSSI only when the state changes,
# and the first state comes from an advertisement). mgmt's Get Connection Information is refused without
# CAP_NET_ADMIN. Call it while the link is up.
check_kernel_rssi() {
  local card_address output opened readings first last
  card_address=$(adapter_property hci0 Address | tr -d '"')
  wait_until 20 "pivlink-station's filtered RSSI is btvirt's Read RSSI (-1 dBm)" \
    eval '[ "$(station_rssi)" = "n -1" ] || ! background_running station' || true
  running_or_fail station "$out/station.log"
  if grep -qE 'connected-link RSSI .* is unavailable|no RSSI reading of the link' "$out/station.log"; then
    fail "pivlink-station could not read the link's RSSI from the kernel: $(grep -m1 -E 'connected-link RSSI|no RSSI reading' "$out/station.log")"
  fi
  [ "$(station_rssi)" = "n -1" ] || fail "pivlink-station's filtered RSSI is '$(station_rssi)', not btvirt's Read RSSI (n -1)"
  opened=$(grep -m1 '^@ RAW Open: pivlink-station' "$out/btmon.log") \
    || fail "btmon saw no raw HCI socket of pivlink-station"
  [[ $opened != *privileged* ]] || fail "pivlink-station's HCI socket is trusted (CAP_NET_ADMIN): $opened"
  readings=$(grep -A3 '^      Read RSSI (0x05|0x0005) ncmd' "$out/btmon.log" | grep -c 'RSSI: -1 dBm (0xff)')
  [ "$readings" -ge 2 ] || fail "btmon saw $readings answers of RSSI -1 dBm to Read RSSI"
  first=$(grep -m1 '^< HCI Command: Read RSSI (0x05|0x0005)' "$out/btmon.log" | awk '{print $NF}')
  last=$(grep '^< HCI Command: Read RSSI (0x05|0x0005)' "$out/btmon.log" | tail -n 1 | awk '{print $NF}')
  say "the station read the link's RSSI from the kernel: $(tr -s ' ' <<<"${opened#@ }"), $readings answers of -1 dBm between ${first}s and ${last}s (btmon's clock); its filtered RSSI: $(station_rssi)"

  # The same question through mgmt (type 1: LE public), first without any capability, then as full root.
  # (btmgmt colours its errors.)
  output=$(setpriv --bounding-set=-all --inh-caps=-all btmgmt --index 1 conn-info -t 1 "$card_address" 2>&1 | sed 's/\x1b\[[0-9;]*m//g')
  echo "without capabilities: $output" > "$out/mgmt-conn-info.txt"
  grep -q 'status 0x14 (Permission Denied)' <<<"$output" \
    || fail "mgmt Get Connection Information without CAP_NET_ADMIN was not refused: $(tr '\n' ' ' <<<"$output")"
  output=$(btmgmt --index 1 conn-info -t 1 "$card_address" 2>&1 | sed 's/\x1b\[[0-9;]*m//g')
  echo "as root: $output" >> "$out/mgmt-conn-info.txt"
  say "mgmt Get Connection Information: Permission Denied without CAP_NET_ADMIN; as root: $(grep -E 'RSSI|failed' <<<"$output" | tr -s '\t\n' '  ')"
  echo "the station read the link's RSSI from the kernel (HCI Read RSSI, -1 dBm) without a capability; mgmt's Get Connection Information needs CAP_NET_ADMIN" >> "$out/result"
}
