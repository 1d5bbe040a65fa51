#!/usr/bin/env bash
# Copies the seed corpora for the fuzz targets into fuzz/corpus/TARGET/ (ignored by git) from
# the test data already in the repository: letters, replies, rule files, daemon.toml, tokens.
set -euo pipefail
cd "$(dirname "$0")"
repo=..
c=corpus
mkdir -p $c/parse_classify $c/reply_decision $c/token $c/rules_load $c/config_load $c/pdf_fast
n=0
copy() { # copy FILE DIR: under a name made of its path, so seeds never overwrite each other
    local name=${1#"$repo"/}
    cp "$1" "$2/seed-${name//\//_}"
    n=$((n + 1))
}
while IFS= read -r -d '' f; do copy "$f" $c/parse_classify; done \
    < <(find $repo/tests/data/eml $repo/tests/data/hostile -type f -name '*.eml' -size -256k -print0 2>/dev/null)
while IFS= read -r -d '' f; do copy "$f" $c/reply_decision; done \
    < <(find $repo/tests/data/replies -type f -print0)
while IFS= read -r -d '' f; do copy "$f" $c/rules_load; done < <(find $repo/rules -name '*.toml' -print0)
copy $repo/daemon.toml $c/config_load
while IFS= read -r -d '' f; do copy "$f" $c/pdf_fast; done \
    < <(find $repo/tests/data/attachments $repo/tests/data/pdf-producers -name '*.pdf' -size -256k -print0)
# Token texts: the reply bodies carry them in every place the finder looks.
while IFS= read -r -d '' f; do copy "$f" $c/token; done \
    < <(find $repo/tests/data/eml/reply $repo/tests/data/replies -type f -print0)
printf 'a-%s' abcdefghijklmnopqrstuvwxyz234567 >$c/token/seed-shape
echo "fuzz seeds: $n files in fuzz/corpus/"
