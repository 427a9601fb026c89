# The daemons' exchange, sourced by Tests/BlueZVM/guest once bluetoothd is up (it provides $repo, $out,
# $RUN, $bin_dir, say, fail, remaining and the integration suites' helpers):
#   pcscd with the shipped reader configuration (Config/reader.conf.d/pivlink, vpcd listening on loopback);
#   pivlink-card init + serve --ble --adapter hci0 (the card: GATT application and advertisement);
#   pivlink-station --foreground on hci1, its config the shipped Config/station.conf with the card's address.
# It passed when the card shows up in pcscd's reader through the station, answers SELECT PIV with 9000 and
# OpenSC names it a PIV card: every one of those APDUs crossed the virtual radio through bluetoothd.

SELECT_PIV="00 A4 04 00 09 A0 00 00 03 08 00 00 10 00"

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
  [ -x "$card_bin" ] && [ -x "$station_bin" ] || fail "no pivlink-card and pivlink-station in '$bin_dir'"
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
  wait_until 60 "pivlink-card advertises on hci0 (ActiveInstances > 0)" \
    eval 'adapter_advertising hci0 || ! background_running card' || fail "pivlink-card did not advertise on hci0"
  running_or_fail card "$out/card.log"
  say "pivlink-card serves on hci0 ($(adapter_property hci0 Address))"

  sed -e "s/^device:.*/device: $(adapter_property hci0 Address)/" -e "s/^adapter:.*/adapter: hci1/" \
    -e "s/^vpcd:.*/vpcd: \"127.0.0.1:$VPCD_PORT\"/" "$repo/Config/station.conf" > "$RUN/station.conf"
  cp "$RUN/station.conf" "$out/station.conf"
  start_background station "$out/station.log" "$station_bin" --foreground --config "$RUN/station.conf"
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
}
