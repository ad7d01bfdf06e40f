# fuzz/: libFuzzer targets. Not included by the top Makefile.am; see
# fuzz/README.md for the two lines that enable it (needs CC=clang).
if FUZZ
noinst_PROGRAMS += fuzz/fuzz_proto
# The code under test is compiled into the target so that it carries
# libFuzzer's coverage instrumentation.
fuzz_fuzz_proto_SOURCES = fuzz/fuzz_proto.c \
	common/proto.c common/buf.c common/err.c
fuzz_fuzz_proto_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer,address,undefined
fuzz_fuzz_proto_LDFLAGS = -fsanitize=fuzzer,address,undefined
endif
EXTRA_DIST += fuzz/README.md fuzz/build.sh
