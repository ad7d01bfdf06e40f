#!/bin/sh
# Build the libFuzzer targets with clang; see fuzz/README.md.
#   fuzz/build.sh [OUTDIR]      (default: ${TMPDIR:-/tmp}/authd-fuzz)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
out=${1:-${TMPDIR:-/tmp}/authd-fuzz}
CC=${CC:-clang}

mkdir -p "$out/corpus_proto"
# The sources include config.h; the fuzz build needs nothing else from configure.
printf '#define _GNU_SOURCE 1\n' > "$out/config.h"

# The code under test is compiled here, with coverage instrumentation, rather
# than linked from libauthd_common.la: libFuzzer needs the instrumentation.
$CC -g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-I"$out" -I"$top" -I"$top/common" \
	"$here/fuzz_proto.c" "$top/common/proto.c" "$top/common/buf.c" \
	"$top/common/err.c" \
	-o "$out/fuzz_proto"

# Seeds: a HELLO (VERSION_MIN 1, VERSION_MAX 1) and an AUTHENTICATE
# (SERVICE "login", USER "alice") of version 1.
printf 'AD\001\001\000\000\000\012\000\001\000\001\001\000\002\000\001\001' \
	> "$out/corpus_proto/hello"
printf 'AD\001\002\000\000\000\022\000\012\000\005login\000\013\000\005alice' \
	> "$out/corpus_proto/authenticate"
# Version 2: the same AUTHENTICATE, and a RESULT (SUCCESS) with ACCT_AHEAD_MS
# 1000 (tag 52, malformed in version 1).
printf 'AD\002\002\000\000\000\022\000\012\000\005login\000\013\000\005alice' \
	> "$out/corpus_proto/authenticate_v2"
printf 'AD\002\011\000\000\000\015\000\062\000\001\000\000\064\000\004\000\000\003\350' \
	> "$out/corpus_proto/result_ahead_v2"

echo "built $out/fuzz_proto"
echo "run:   $out/fuzz_proto -max_total_time=60 $out/corpus_proto"
