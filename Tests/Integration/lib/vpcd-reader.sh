# The PC/SC reader the card shows up in: pcscd's vpcd driver with the shipped reader configuration
# (Config/reader.conf.d), shared by every transport — whoever speaks vpcd to it (the card itself, or
# pivlink-station for the card over Bluetooth LE). PIVLINK_VPCD_MODE picks the file:
#   listen (default)  Config/reader.conf.d/pivlink: vpcd listens on 127.0.0.1:PORT and is connected to;
#   reversed          Config/reader.conf.d/pivlink-reversed: vpcd connects to a listener on PORT.
# The ports are private: the sandbox has its own network namespace.
PIVLINK_VPCD_MODE=${PIVLINK_VPCD_MODE:-listen}
case "$PIVLINK_VPCD_MODE" in
  listen) SHIPPED_READER_CONF=$REPO_ROOT/Config/reader.conf.d/pivlink ;;
  reversed) SHIPPED_READER_CONF=$REPO_ROOT/Config/reader.conf.d/pivlink-reversed ;;
  *) die "unknown PIVLINK_VPCD_MODE '$PIVLINK_VPCD_MODE' (known: listen, reversed)" ;;
esac

# reader_conf_value KEY: a value of the shipped reader configuration, without quotes.
reader_conf_value() {
  awk -v key="$1" '$1 == key { $1 = ""; sub(/^ +/, ""); gsub(/"/, ""); print; exit }' "$SHIPPED_READER_CONF"
}

VPCD_FRIENDLY_NAME=$(reader_conf_value FRIENDLYNAME)
VPCD_PORT=$(( $(reader_conf_value DEVICENAME | sed 's/.*://') ))

reader_name() { echo "$VPCD_FRIENDLY_NAME 00 00"; }

# install_reader_conf: the shipped reader configuration into $RUN/reader.conf.d (before pcscd starts).
install_reader_conf() {
  [ -f "$SHIPPED_READER_CONF" ] || die "missing $SHIPPED_READER_CONF"
  cp "$SHIPPED_READER_CONF" "$RUN/reader.conf.d/pivlink"
}

# listed_reader_names_are NAME...: pcscd lists exactly these readers (by name, in any order).
listed_reader_names_are() {
  local listed
  listed=$(opensc-tool -l 2>/dev/null | awk '/^Nr\./ { column = index($0, "Name"); next } column { print substr($0, column) }')
  [ "$(echo "$listed" | sort)" = "$(printf '%s\n' "$@" | sort)" ]
}
