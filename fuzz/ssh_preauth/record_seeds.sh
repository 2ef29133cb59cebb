#!/usr/bin/env bash
# Records the seed corpus of the SSH pre-authentication harness from real OpenSSH clients:
# the harness (--serve) relays each connection into the same server session it fuzzes and
# saves the client's bytes. Its random numbers are fixed, so each recording replays to the same
# end (auth-* seeds all the way to a verified signature).
#   usage: fuzz/ssh_preauth/record_seeds.sh HARNESS_BINARY OUT_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
harness=$1
out=$2
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
port=$(( 20000 + RANDOM % 20000 ))

# (DH group 18 is left out: its 8192-bit key exchange alone can outlast the 200 ms grace.)
# name | ssh options (a stranger's key is refused: a failed attempt, then the client gives up)
clients=(
  "auth-curve25519-chacha20|-i $work/client"
  "auth-dh16-aes128ctr-etm|-i $work/client -o KexAlgorithms=diffie-hellman-group16-sha512 -o Ciphers=aes128-ctr -o MACs=hmac-sha2-256-etm@openssh.com"
  "auth-libssh-curve-aes256gcm|-i $work/client -o KexAlgorithms=curve25519-sha256@libssh.org -o Ciphers=aes256-gcm@openssh.com"
  "auth-aes256ctr-sha512etm|-i $work/client -o Ciphers=aes256-ctr -o MACs=hmac-sha2-512-etm@openssh.com"
  "refused-stranger-key|-i $work/stranger"
  "refused-password-only|-i $work/client -o PreferredAuthentications=password,keyboard-interactive -o NumberOfPasswordPrompts=0"
)
cp "$here/client_ed25519" "$work/client"; cp "$here/stranger_ed25519" "$work/stranger"
chmod 600 "$work/client" "$work/stranger"

"$harness" --serve "$port" "$work" "${#clients[@]}" >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 50); do grep -q listening "$work/serve.log" && break; sleep 0.1; done

k=0
for entry in "${clients[@]}"; do
  k=$((k + 1))
  name=${entry%%|*}
  options=${entry#*|}
  # shellcheck disable=SC2086
  timeout 20 ssh -F /dev/null -p "$port" -o BatchMode=yes -o StrictHostKeyChecking=no \
    -o UserKnownHostsFile=/dev/null -o ConnectTimeout=5 -o IdentitiesOnly=yes $options \
    root@db-1@127.0.0.1 true </dev/null >/dev/null 2>&1 || true
  for _ in $(seq 50); do [ -s "$work/recorded-$k" ] && break; sleep 0.1; done
  cp "$work/recorded-$k" "$out/$name"
done
wait "$server" || true
cat "$work/serve.log"
