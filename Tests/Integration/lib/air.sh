# What the air shows of the encrypted link (lib/air-records.py), for the BLE cases: sourced after harness_begin,
#   . "$HARNESS_LIB/air.sh"
# Every function takes a MARK from air_mark (lib/transport-ble.sh) and reads the capture after it.

# air_records MARK SUBCOMMAND [ARGS]: lib/air-records.py over the capture since MARK.
air_records() {
  local mark=$1; shift
  air_since "$mark" | /usr/bin/python3 "$HARNESS_LIB/air-records.py" "$@"
}

# air_apdu_bodies MARK: the body length of each APDU the station sent since MARK (sealed records of LEN ≥ 23 but
# 27, a PING's), one a line.
air_apdu_bodies() { air_records "$1" apdus | awk '{ print $3 }'; }

# air_has_apdu_body MARK N: an APDU of N bytes crossed the air, sealed, since MARK.
air_has_apdu_body() { air_apdu_bodies "$1" | grep -qx "$2"; }

# air_answered_since MARK: the card's answer (a record longer than a KEEPALIVE's) to the station's last request
# since MARK is on the air.
air_answered_since() { air_records "$1" answered >/dev/null; }

# air_clear_error_since MARK CODE: the card sent ERROR CODE (hex, 2 digits) in the clear since MARK.
air_clear_error_since() { air_records "$1" clear-errors | grep -q " $2\$"; }

# apdu_length APDU: the number of bytes of an APDU written as hex (spaces allowed).
apdu_length() { local hex=${1// /}; echo $((${#hex} / 2)); }
