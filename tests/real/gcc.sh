#!/usr/bin/env bash
# gcc under libmpalloc: compiles tests/real/data/prog.c and a generated
# 400-function file at -O2 (driver, cc1, as, ld all preloaded), then
# compares the objects' disassembly and the built program's output with the
# same steps under glibc. Usage: tests/real/gcc.sh BUILD (0/1/77)
. "$(dirname "$0")/data/common.sh"
real_need gcc objdump awk
real_tmpdir
cp "$real_data/prog.c" "$real_tmp/prog.c"
awk 'BEGIN { print "#include <string.h>";
    for (i = 0; i < 400; i++) {
        printf "struct s%d { int a[%d]; char c; double d; };\n", i, i % 13 + 1;
        printf "int f%d(struct s%d *p, int n) { int r = %d; for (int i = 0; i < n; i++) " \
               "{ r += p->a[i %% %d] * (i ^ %d); if (r > %d) r -= p->c; } " \
               "switch (n & 7) { case 1: r *= 3; break; case 2: r ^= %d; break; " \
               "case 5: r += (int)p->d; break; default: r--; } return r; }\n",
               i, i, i, i % 13 + 1, i * 7, i * 1000, i }
    printf "int total(void) { int t = 0; \n";
    for (i = 0; i < 400; i++) printf "{ struct s%d s; memset(&s, %d, sizeof s); t += f%d(&s, %d); }\n", i, i % 5, i, i % 50;
    print "return t; }" }' >"$real_tmp/gen.c" || real_fail "could not generate gen.c"
# Same steps under both allocators; output: disassembly, then the program's output.
steps='gcc -O2 -c prog.c -o prog.o && gcc -O2 -c gen.c -o gen.o &&
       objdump -d prog.o gen.o && gcc -O2 prog.o -o prog && ./prog'
real_compare gcc sh -c "$steps"
grep -q '^sum ' "$real_tmp/gcc.glibc" || real_fail "the compiled program printed nothing"
exit 0
