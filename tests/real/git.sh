#!/usr/bin/env bash
# git under libmpalloc: builds a repository of 60 commits (files added,
# rewritten and deleted, a branch merged), packs it with gc --aggressive,
# then prints log --stat, fsck, the packed object list and a diff; the
# output must be the same under glibc and both mpalloc builds.
# Usage: tests/real/git.sh BUILD   (0 pass, 1 fail, 77 skip)
. "$(dirname "$0")/data/common.sh"
real_need git awk sort
real_tmpdir
# Fixed identities and dates: object ids are then the same in every run.
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.org GIT_COMMITTER_NAME=t
export GIT_COMMITTER_EMAIL=t@example.org GIT_CONFIG_NOSYSTEM=1 HOME=$real_tmp
export GIT_AUTHOR_DATE='2024-01-01T00:00:00Z' GIT_COMMITTER_DATE='2024-01-01T00:00:00Z'
steps='rm -rf repo && git init -q -b main repo && cd repo &&
  for i in $(seq 1 60); do
    awk -v i=$i "BEGIN { for (k = 0; k < 200 + i * 7; k++) print i * k % 977, \"line\", k % (i + 3) }" >f$((i % 17)).txt
    [ $((i % 11)) -eq 0 ] && git rm -q f$((i % 5)).txt 2>/dev/null
    [ $i -eq 30 ] && git checkout -q -b side
    [ $i -eq 45 ] && git checkout -q main
    git add -A && git commit -q -m "commit $i" || exit 1
  done &&
  git merge -q --no-edit -s ours side && git -c pack.threads=1 gc -q --aggressive &&
  git log --stat --format="%H %s" && git fsck --strict --no-progress &&
  git verify-pack -v .git/objects/pack/*.idx | awk "NF >= 5 { print \$1, \$2 }" | LC_ALL=C sort &&
  git diff --stat HEAD~25 HEAD && git count-objects -v | grep -E "^(count|in-pack)"'
real_compare git sh -c "$steps"
grep -q 'commit 60' "$real_tmp/git.glibc" || real_fail "the repository has no 60th commit"
exit 0
