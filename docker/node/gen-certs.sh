#!/bin/sh
# Creates the lab's TLS material once, in the shared certs volume:
#   /certs/ca.pem, /certs/server/{cert,key}.pem (valid for every node name and 127.0.0.1),
#   /certs/client/{ca,cert,key}.pem (used by the agent and by the `swarm` context on laptop).
set -eu
dir=${1:-/certs}
[ -f "$dir/client/key.pem" ] && exit 0
umask 077
mkdir -p "$dir/server" "$dir/client"
cd "$dir"
openssl ecparam -name prime256v1 -genkey -noout -out ca-key.pem
openssl req -new -x509 -days 3650 -key ca-key.pem -subj "/CN=drydock lab CA" -out ca.pem 2>/dev/null
sign() { # name cn ext
  openssl ecparam -name prime256v1 -genkey -noout -out "$1/key.pem"
  openssl req -new -key "$1/key.pem" -subj "/CN=$2" -out "$1/csr.pem" 2>/dev/null
  printf '%s\n' "$3" > "$1/ext.cnf"
  openssl x509 -req -days 3650 -in "$1/csr.pem" -CA ca.pem -CAkey ca-key.pem -CAcreateserial \
    -extfile "$1/ext.cnf" -out "$1/cert.pem" 2>/dev/null
  rm -f "$1/csr.pem" "$1/ext.cnf"
}
sign server drydock-node "subjectAltName=DNS:localhost,DNS:laptop,DNS:manager-1,DNS:worker-1,DNS:worker-2,DNS:registry,IP:127.0.0.1
extendedKeyUsage=serverAuth"
sign client drydock-agent "extendedKeyUsage=clientAuth"
cp ca.pem client/ca.pem
cp ca.pem server/ca.pem
rm -f ca-key.pem ca.srl
chmod 0644 ca.pem client/ca.pem server/ca.pem server/cert.pem client/cert.pem
chmod 0755 . server client
