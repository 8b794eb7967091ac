#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The library never prints and never exits (DEVELOPERS.md): no object of
# libpdcore.a may reference stdio output (printf, fprintf, puts, fputs,
# putchar, perror, ...), the stdout/stderr streams, or a process exit
# (exit, _exit, _Exit, abort). The one exception is xalloc.c.o's
# out-of-memory _exit, which must be there (so a broken nm parse fails too).
# Usage: lib-quiet.sh path/to/libpdcore.a   (TAP; NM overrides nm)
lib=$1
nm=${NM:-nm}
if [ -z "$lib" ] || [ ! -f "$lib" ]; then
	echo "Bail out! no library '$lib'"
	exit 1
fi
refs=$("$nm" -u "$lib" 2>/dev/null | awk '
	/:$/ { obj = substr($0, 1, length($0) - 1); sub(/.*\//, "", obj); next }
	$1 == "U" && obj != "" { sym = $2; sub(/@.*/, "", sym); print obj, sym }')
if [ -z "$refs" ]; then
	echo "Bail out! '$nm -u $lib' listed nothing"
	exit 1
fi
print_re='^(printf|vprintf|fprintf|vfprintf|dprintf|vdprintf|puts|fputs|putchar|perror|__printf_chk|__vprintf_chk|__fprintf_chk|__vfprintf_chk|__dprintf_chk|__vdprintf_chk|fputs_unlocked|putchar_unlocked|stdout|stderr|_IO_stdout_|_IO_stderr_|_IO_putc)$'
exit_re='^(exit|_exit|_Exit|quick_exit|abort)$'
fail=0
echo "1..3"
bad=$(echo "$refs" | awk -v re="$print_re" '$2 ~ re')
if [ -z "$bad" ]; then
	echo "ok 1 - no object references stdio output or stdout/stderr"
else
	echo "not ok 1 - objects that print:"
	echo "$bad" | sed 's/^/#   /'
	fail=1
fi
bad=$(echo "$refs" | awk -v re="$exit_re" '$2 ~ re && $1 != "xalloc.c.o"')
if [ -z "$bad" ]; then
	echo "ok 2 - no object but xalloc.c.o references exit/_exit/abort"
else
	echo "not ok 2 - objects that exit:"
	echo "$bad" | sed 's/^/#   /'
	fail=1
fi
if echo "$refs" | awk -v re="$exit_re" '$1 == "xalloc.c.o" && $2 ~ re { f = 1 } END { exit !f }'; then
	echo "ok 3 - xalloc.c.o's out-of-memory exit is seen (the scan works)"
else
	echo "not ok 3 - xalloc.c.o's _exit not found: is the scan broken?"
	fail=1
fi
exit $fail
