# An sshd of our own inside the sandbox: own config, host key and authorized_keys, loopback only,
# public-key authentication only, verbose log in $RUN/sshd.log.
SSHD_PORT=2222
# SSHD_DIR ($RUN/sshd) is set by harness_begin.

# sshd_start USER AUTHORIZED_KEYS: lets USER in with the keys listed in the file AUTHORIZED_KEYS.
sshd_start() {
  local user=$1 keys=$2

  mkdir -p "$SSHD_DIR"
  rm -f "$SSHD_DIR/host_ed25519" "$SSHD_DIR/host_ed25519.pub"
  ssh-keygen -q -t ed25519 -N '' -C '' -f "$SSHD_DIR/host_ed25519" || return 1
  cp "$keys" "$SSHD_DIR/authorized_keys" && chmod 0644 "$SSHD_DIR/authorized_keys"
  cat > "$SSHD_DIR/sshd_config" <<CONF
ListenAddress 127.0.0.1
Port $SSHD_PORT
HostKey $SSHD_DIR/host_ed25519
PidFile none
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
AuthenticationMethods publickey
AuthorizedKeysFile $SSHD_DIR/authorized_keys
AuthorizedKeysCommand none
StrictModes no
AllowUsers $user
LogLevel VERBOSE
CONF
  echo "[127.0.0.1]:$SSHD_PORT $(cut -d' ' -f1,2 "$SSHD_DIR/host_ed25519.pub")" > "$SSHD_DIR/known_hosts"
  /usr/sbin/sshd -t -f "$SSHD_DIR/sshd_config" || return 1
  start_background sshd "$RUN/sshd.log" /usr/sbin/sshd -D -e -f "$SSHD_DIR/sshd_config"
  wait_until 10 "sshd accepts on port $SSHD_PORT" tcp_listening "$SSHD_PORT"
}

# ssh_with_card PIN USER CMD...: ssh to the sandbox's sshd with the card's keys (OpenSC's PKCS#11
# module), the PIN given through SSH_ASKPASS; no other identity (IdentityFile=none; IdentitiesOnly
# would drop the PKCS#11 keys too), agent or configuration.
ssh_with_card() {
  local pin=$1 user=$2; shift 2
  printf '#!/bin/sh\necho %q\n' "$pin" > "$RUN/askpass" && chmod 0700 "$RUN/askpass"
  SSH_ASKPASS=$RUN/askpass SSH_ASKPASS_REQUIRE=force DISPLAY=:0 \
    bounded ssh -F /dev/null -I "$OPENSC_MODULE" -p "$SSHD_PORT" \
      -o IdentityFile=none -o IdentityAgent=none \
      -o UserKnownHostsFile="$SSHD_DIR/known_hosts" -o StrictHostKeyChecking=yes \
      -o PasswordAuthentication=no -o KbdInteractiveAuthentication=no -o ConnectTimeout=10 \
      "$user@127.0.0.1" "$@" </dev/null
}
