#!/usr/bin/env bash
# What an administrator would script to check signatures in a mailbox, against
# `replymatrix scan` on the same messages.
#
#   harness/benches/compare-openssl-gpg.sh [COPIES]      (default 1000 copies of each kind)
#
# Builds COPIES copies of each signed corpus sample below (extracted .eml files), then times:
#   1. a loop calling `openssl smime -verify -noverify` once per S/MIME message;
#   2. a loop calling `gpg --verify SIG DATA` once per PGP/MIME message (the signed part and
#      the signature are extracted beforehand, which the loop does not pay for);
#   3. `replymatrix scan` (release build) over a folder holding the same messages, which
#      also runs the three client models on each;
# and prints messages per second and the ratio (target: scan >= 100x the loops).
# Needs openssl, gpg, python3 and cargo. Everything happens in a temporary folder.
set -euo pipefail

COPIES="${1:-1000}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
CORPORA="$ROOT/corpora"
SMIME_SAMPLES=(outlook/clear-signed-sha256 outlook/clear-signed-rsa4096 owa/clear-signed-defaults)
PGP_SAMPLE=proton/pgp-mime-signed
PGP_KEY="$CORPORA/keys/openpgp/pat.pub.asc"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/replymatrix-compare.XXXXXX")"
# The gpg-agent that gpg starts for this GNUPGHOME is stopped with it.
trap 'GNUPGHOME="$WORK/gnupg" gpgconf --kill gpg-agent 2>/dev/null || true; rm -rf "$WORK"' EXIT
mkdir -p "$WORK/smime" "$WORK/pgp" "$WORK/pgp-parts" "$WORK/all" "$WORK/gnupg"
chmod 700 "$WORK/gnupg"

echo "building replymatrix (release)..." >&2
(cd "$ROOT" && cargo build --release --quiet --bin replymatrix)
BIN="$ROOT/target/release/replymatrix"

# The messages: COPIES of each kind, cycling through the S/MIME samples.
python3 - "$CORPORA/senders" "$WORK" "$COPIES" "$PGP_SAMPLE" "${SMIME_SAMPLES[@]}" <<'PY'
import re, sys, pathlib
senders, work, copies, pgp = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
smime = [(senders / f"{s}.eml").read_bytes() for s in sys.argv[5:]]
for i in range(copies):
    m = smime[i % len(smime)]
    (work / "smime" / f"{i:06}.eml").write_bytes(m)
    (work / "all" / f"smime-{i:06}.eml").write_bytes(m)
raw = (senders / f"{pgp}.eml").read_bytes()
boundary = re.search(rb'boundary="?([^";\r\n]+)"?', raw).group(1)
delim = b"--" + boundary
# RFC 3156 section 5: the first part exactly as on the wire, up to the CRLF before the next
# delimiter; the second part's body is the armored signature.
first = raw.index(delim)
start = raw.index(b"\n", first) + 1
end = raw.index(b"\r\n" + delim, start)
data = raw[start:end]
second = raw[end + 2 + len(delim):]
sig_body = second[second.index(b"\r\n\r\n") + 4:]
sig = sig_body[: sig_body.index(b"-----END PGP SIGNATURE-----") + len(b"-----END PGP SIGNATURE-----")] + b"\n"
(work / "pgp-parts" / "data").write_bytes(data)
(work / "pgp-parts" / "sig.asc").write_bytes(sig)
for i in range(copies):
    (work / "pgp" / f"{i:06}.eml").write_bytes(raw)
    (work / "all" / f"pgp-{i:06}.eml").write_bytes(raw)
PY
for i in $(seq 0 $((COPIES - 1))); do
  n=$(printf '%06d' "$i")
  cp "$WORK/pgp-parts/data" "$WORK/pgp/$n.data"
  cp "$WORK/pgp-parts/sig.asc" "$WORK/pgp/$n.sig"
done
export GNUPGHOME="$WORK/gnupg"
gpg --batch --quiet --import "$PGP_KEY" 2>/dev/null
# Sanity: each tool verifies its message (so the loops time real successes).
openssl smime -verify -noverify -in "$WORK/smime/000000.eml" -out /dev/null 2>/dev/null
gpg --batch --quiet --verify "$WORK/pgp/000000.sig" "$WORK/pgp/000000.data" 2>/dev/null

now() { date +%s.%N; }
rate() { python3 -c "import sys; n, s = int(sys.argv[1]), float(sys.argv[2]); print(f'{s:8.2f} s  {n / s:10.0f} msg/s')" "$1" "$2"; }

t0=$(now)
ok=0
for f in "$WORK"/smime/*.eml; do
  openssl smime -verify -noverify -in "$f" -out /dev/null 2>/dev/null && ok=$((ok + 1))
done
t1=$(now)
openssl_s=$(python3 -c "print($t1 - $t0)")
[ "$ok" -eq "$COPIES" ] || { echo "openssl verified only $ok of $COPIES" >&2; exit 1; }

t0=$(now)
ok=0
for f in "$WORK"/pgp/*.sig; do
  gpg --batch --quiet --verify "$f" "${f%.sig}.data" 2>/dev/null && ok=$((ok + 1))
done
t1=$(now)
gpg_s=$(python3 -c "print($t1 - $t0)")
[ "$ok" -eq "$COPIES" ] || { echo "gpg verified only $ok of $COPIES" >&2; exit 1; }

total=$((2 * COPIES))
t0=$(now)
lines=$("$BIN" scan "$WORK/all" --profile smime-tenant --format jsonl | wc -l)
t1=$(now)
scan_s=$(python3 -c "print($t1 - $t0)")
[ "$lines" -eq "$total" ] || { echo "scan wrote $lines lines for $total messages" >&2; exit 1; }

t0=$(now)
"$BIN" scan "$WORK/all" --profile smime-tenant --format jsonl --jobs 1 >/dev/null
t1=$(now)
scan1_s=$(python3 -c "print($t1 - $t0)")

echo "machine: $(nproc) cores, $(uname -sm); openssl $(openssl version | cut -d' ' -f2); $(gpg --version | head -1)"
echo "messages: $COPIES S/MIME (${SMIME_SAMPLES[*]}), $COPIES PGP/MIME ($PGP_SAMPLE)"
printf 'openssl smime -verify loop  %s messages: %s\n' "$COPIES" "$(rate "$COPIES" "$openssl_s")"
printf 'gpg --verify loop           %s messages: %s\n' "$COPIES" "$(rate "$COPIES" "$gpg_s")"
printf 'replymatrix scan, %s jobs    %s messages: %s\n' "$(nproc)" "$total" "$(rate "$total" "$scan_s")"
printf 'replymatrix scan, 1 job     %s messages: %s\n' "$total" "$(rate "$total" "$scan1_s")"
python3 - "$COPIES" "$openssl_s" "$gpg_s" "$total" "$scan_s" "$scan1_s" <<'PY'
import sys
copies, o, g, total, s, s1 = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
loops = copies / o, copies / g
print(f"ratio scan ({total / s:.0f} msg/s) / openssl loop ({loops[0]:.0f} msg/s): {total / s / loops[0]:.1f}x")
print(f"ratio scan ({total / s:.0f} msg/s) / gpg loop ({loops[1]:.0f} msg/s): {total / s / loops[1]:.1f}x")
print(f"ratio scan, 1 job / openssl loop: {total / s1 / loops[0]:.1f}x; / gpg loop: {total / s1 / loops[1]:.1f}x")
PY
