# The card under test: the pivlink-card executable and its store in this run.
# PIVLINK_CARD_BIN names the executable (scripts/test sets it after `swift build`).
CARD_STORE=$RUN/store
DEFAULT_PIN=123456
DEFAULT_PUK=12345678
DEFAULT_MGMT_KEY=010203040506070801020304050607080102030405060708

check_card_bin() {
  [ -n "${PIVLINK_CARD_BIN:-}" ] || die "set PIVLINK_CARD_BIN to the pivlink-card executable (scripts/test does)"
  [ -x "$PIVLINK_CARD_BIN" ] || die "PIVLINK_CARD_BIN=$PIVLINK_CARD_BIN is not an executable"
}

# card_cli SUBCOMMAND [ARGS]: runs pivlink-card on this run's store.
card_cli() { "$PIVLINK_CARD_BIN" "$1" --store "$CARD_STORE" "${@:2}"; }

# card_init [ARGS]: a new card with the default PIN, PUK and management key unless ARGS say otherwise.
card_init() { card_cli init "$@"; }
