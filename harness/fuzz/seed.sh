#!/usr/bin/env bash
# Seeds the fuzz corpora from the sender corpus (corpora/senders/**/*.eml).
# The generated corpus directories are not committed (see harness/fuzz/.gitignore).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
for target in inspect inspect_with_keys; do
    mkdir -p "$here/corpus/$target"
    find "$root/corpora/senders" -name '*.eml' -print0 |
        while IFS= read -r -d '' eml; do
            # Flatten the path into a unique, stable file name.
            rel="${eml#"$root/corpora/senders/"}"
            cp "$eml" "$here/corpus/$target/seed-${rel//\//_}"
        done
done
echo "seeded $(ls "$here/corpus/inspect" | wc -l) files per target into $here/corpus/"
