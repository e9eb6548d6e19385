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
#   3. `replymatrix scan` (release build) over folders holding the same messages (the S/MIME
#      ones, the PGP/MIME ones, all), on every core and on one, which also runs the three
#      client models on each;
# and prints messages per second and, per kind, the ratio loop time / scan time on the same
# messages (target: >= 100x).
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

# One scan, timed: seconds for `scan FOLDER [--jobs N]`, checking one line per message. A
# scan takes milliseconds where each loop takes seconds, so a scan is the median of 5 runs.
timed_scan() {
  local folder=$1 expected=$2 jobs=$3 t0 t1 lines times=()
  local args=(scan "$folder" --profile smime-tenant --format jsonl)
  [ "$jobs" = all ] || args+=(--jobs "$jobs")
  for _ in 1 2 3 4 5; do
    t0=$(now)
    lines=$("$BIN" "${args[@]}" | wc -l)
    t1=$(now)
    [ "$lines" -eq "$expected" ] || { echo "scan wrote $lines lines for $expected messages" >&2; exit 1; }
    times+=("$(python3 -c "print($t1 - $t0)")")
  done
  python3 -c "import statistics, sys; print(statistics.median(map(float, sys.argv[1:])))" "${times[@]}"
}

total=$((2 * COPIES))
scan_all_s=$(timed_scan "$WORK/all" "$total" all)
scan_all1_s=$(timed_scan "$WORK/all" "$total" 1)
scan_smime_s=$(timed_scan "$WORK/smime" "$COPIES" all)
scan_smime1_s=$(timed_scan "$WORK/smime" "$COPIES" 1)
scan_pgp_s=$(timed_scan "$WORK/pgp" "$COPIES" all)
scan_pgp1_s=$(timed_scan "$WORK/pgp" "$COPIES" 1)

echo "machine: $(nproc) cores, $(uname -sm); openssl $(openssl version | cut -d' ' -f2); $(gpg --version | head -1)"
echo "messages: $COPIES S/MIME (${SMIME_SAMPLES[*]}), $COPIES PGP/MIME ($PGP_SAMPLE)"
echo "each scan: the median of 5 runs of the command (process start, profile load and folder walk included)"
printf 'openssl smime -verify loop   %5s S/MIME:   %s\n' "$COPIES" "$(rate "$COPIES" "$openssl_s")"
printf 'replymatrix scan, %s jobs     %5s S/MIME:   %s\n' "$(nproc)" "$COPIES" "$(rate "$COPIES" "$scan_smime_s")"
printf 'replymatrix scan, 1 job      %5s S/MIME:   %s\n' "$COPIES" "$(rate "$COPIES" "$scan_smime1_s")"
printf 'gpg --verify loop            %5s PGP/MIME: %s\n' "$COPIES" "$(rate "$COPIES" "$gpg_s")"
printf 'replymatrix scan, %s jobs     %5s PGP/MIME: %s\n' "$(nproc)" "$COPIES" "$(rate "$COPIES" "$scan_pgp_s")"
printf 'replymatrix scan, 1 job      %5s PGP/MIME: %s\n' "$COPIES" "$(rate "$COPIES" "$scan_pgp1_s")"
printf 'both loops                   %5s all:      %s\n' "$total" "$(rate "$total" "$(python3 -c "print($openssl_s + $gpg_s)")")"
printf 'replymatrix scan, %s jobs     %5s all:      %s\n' "$(nproc)" "$total" "$(rate "$total" "$scan_all_s")"
printf 'replymatrix scan, 1 job      %5s all:      %s\n' "$total" "$(rate "$total" "$scan_all1_s")"
python3 - "$openssl_s" "$gpg_s" "$scan_smime_s" "$scan_smime1_s" "$scan_pgp_s" "$scan_pgp1_s" "$scan_all_s" "$scan_all1_s" <<'PY'
import sys
o, g, sm, sm1, pg, pg1, al, al1 = map(float, sys.argv[1:])
print("ratio (loop time / scan time on the same messages; target >= 100x):")
print(f"  S/MIME vs openssl loop: {o / sm:7.1f}x ({o / sm1:.1f}x with 1 job)")
print(f"  PGP/MIME vs gpg loop:   {g / pg:7.1f}x ({g / pg1:.1f}x with 1 job)")
print(f"  all vs both loops:      {(o + g) / al:7.1f}x ({(o + g) / al1:.1f}x with 1 job)")
PY
