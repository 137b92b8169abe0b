#!/bin/bash
# TLS on the head's endpoint (tls+tcp://, a self-signed certificate made
# here with openssl): a build through it gives objects byte-identical to a
# local build, run on the worker ranks; a client whose port file names
# another certificate cannot talk to the head and compiles locally (same
# objects, no new remote job, and quickly); a plain tcp:// client gets
# nothing either.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
command -v openssl > /dev/null || fail "openssl not installed (deploy/debian12-deps.sh)"

# cert NAME : a self-signed P-256 certificate and key in $T/NAME.{crt,key}
cert() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-nodes -days 2 -subj "/CN=clustcc-$1" \
		-keyout "$T/$1.key" -out "$T/$1.crt" 2> /dev/null \
		|| fail "openssl could not make a certificate"
	chmod 600 "$T/$1.key"
}
cert head
cert other

P="$T/proj"
copy_sample "$P"
make -s -C "$P" CC=gcc > /dev/null
save_outputs "$P" "$T/local"
make -s -C "$P" clean
nsrc=$(ls "$P"/src/*.c | wc -l)

write_config 2 1 0
sed -i "s|\"endpoint\": \"tcp://127.0.0.1:0\"|\"endpoint\": \"tls+tcp://127.0.0.1:0\",\n  \"tls_cert_file\": \"$T/head.crt\",\n  \"tls_key_file\": \"$T/head.key\"|" "$T/cfg.json"
grep -q tls_key_file "$T/cfg.json" || fail "test setup: endpoint not replaced"
start_server 3
grep -q '^endpoint tls+tcp://127.0.0.1:' "$T/port" || { cat "$T/port" >&2; fail "port file endpoint is not tls+tcp"; }
grep -qx "tls_ca_file $T/head.crt" "$T/port" || { cat "$T/port" >&2; fail "port file does not name the certificate"; }

note "build through the TLS endpoint"
CLUSTCC_LOG="$T/client.log" make -s -C "$P" -j4 CC="$BIN/clustcc-gcc gcc" > /dev/null
save_outputs "$P" "$T/remote"
same_outputs "$T/local" "$T/remote"
done_tls=$(status_json | jq '[.ranks[1:][].done] | add')
[ "$done_tls" = "$nsrc" ] || { cat "$T/client.log" >&2; fail "workers ran $done_tls of $nsrc compiles over TLS"; }

note "a client that trusts another certificate falls back locally"
make -s -C "$P" clean
sed "s|^tls_ca_file .*|tls_ca_file $T/other.crt|" "$T/port" > "$T/port.other"
start_s=$SECONDS
# Own TMPDIRs: the "unreachable" marker a failed client leaves (keyed by
# the token) must not decide the next step for it.
mkdir -p "$T/tmp-other" "$T/tmp-plain"
TMPDIR="$T/tmp-other" CLUSTCC_PORT_FILE="$T/port.other" CLUSTCC_LOG="$T/client-other.log" \
	make -s -C "$P" -j4 CC="$BIN/clustcc-gcc gcc" > /dev/null
wrong_s=$((SECONDS - start_s))
save_outputs "$P" "$T/wrongcert"
same_outputs "$T/local" "$T/wrongcert"
done_after=$(status_json | jq '[.ranks[].done] | add')
[ "$done_after" = "$nsrc" ] || fail "a client with the wrong certificate got $((done_after - nsrc)) remote compiles"
grep -q "Cryptographic error" "$T/client-other.log" || { cat "$T/client-other.log" >&2; fail "no TLS handshake failure logged"; }
[ "$wrong_s" -lt 60 ] || fail "fallback with the wrong certificate took $wrong_s s"

note "a plain tcp client gets nothing from the TLS endpoint"
make -s -C "$P" clean
sed "s|^endpoint tls+tcp://|endpoint tcp://|; /^tls_ca_file/d" "$T/port" > "$T/port.plain"
TMPDIR="$T/tmp-plain" CLUSTCC_PORT_FILE="$T/port.plain" CLUSTCC_TIMEOUT=10 CLUSTCC_LOG="$T/client-plain.log" \
	make -s -C "$P" -j4 CC="$BIN/clustcc-gcc gcc" > /dev/null
save_outputs "$P" "$T/plain"
same_outputs "$T/local" "$T/plain"
[ "$(status_json | jq '[.ranks[].done] | add')" = "$nsrc" ] || fail "a plain tcp client got remote compiles"
grep -q "cannot connect\|no response" "$T/client-plain.log" || { cat "$T/client-plain.log" >&2; fail "the plain client did not even try"; }

stop_server
grep -h "local (" "$T/client-other.log" "$T/client-plain.log" | sed "s/.*local (/local (/" | sort | uniq -c >&2
note "PASS: $nsrc compiles over TLS on worker ranks; wrong certificate and plain tcp fell back (${wrong_s}s), outputs identical"
