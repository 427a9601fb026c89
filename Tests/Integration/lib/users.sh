# Test users that exist only inside the sandbox: /etc/passwd, /etc/group and /etc/shadow are replaced,
# in the private mount namespace only, by bind-mounted copies that list them.

# add_test_user NAME: a user NAME with home $RUN/users/NAME and shell /bin/sh, no password.
add_test_user() {
  local name=$1 file uid
  if [ ! -d "$RUN/etc" ]; then
    mkdir -p "$RUN/etc"
    for file in passwd group shadow; do
      cp -p "/etc/$file" "$RUN/etc/$file" && mount --bind "$RUN/etc/$file" "/etc/$file" \
        || die "cannot bind-mount a copy over /etc/$file"
    done
  fi
  getent passwd "$name" >/dev/null && return 0
  uid=4200
  while getent passwd "$uid" >/dev/null || getent group "$uid" >/dev/null; do uid=$((uid + 1)); done
  mkdir -p "$RUN/users/$name"
  # Appends (not rewrites): the bind mounts pin the files' inodes.
  echo "$name:x:$uid:$uid:pivlink test user:$RUN/users/$name:/bin/sh" >> /etc/passwd
  echo "$name:x:$uid:" >> /etc/group
  echo "$name:*:19000:0:99999:7:::" >> /etc/shadow
  chown "$uid:$uid" "$RUN/users/$name"
}
