#!/usr/bin/env python3
"""Write the argv fuzz seeds: every distinct command line of the Spack
build logs in /work/shared/research/spack-argv-samples (lines like
  tool=clustcc-gcc spec=... cwd=... argv: '-c' 'x.c')
plus the odd spellings docs/classification.md covers, one file per line,
arguments separated by NUL bytes (fuzz_argv.c splits them again).
usage: tests/fuzz/seed_argv.py SAMPLES_DIR tests/fuzz/corpus/argv"""
import hashlib
import os
import shlex
import sys

ODD = [
    "-c -ofoo.o foo.c", "-c -o - foo.c", "-c -MD -MF foo.d foo.c",
    "-c -MFfoo.d -MMD foo.c", "-x c -c foo.txt", "@args.rsp",
    "-c -x c++ foo.c -o foo.o", "-S foo.c", "-E foo.c", "-c a.c b.c",
    "-c -fplugin=evil.so foo.c", "-c -specs=x foo.c", "-c -B/tmp foo.c",
    "-c -wrapper gdb foo.c", "-c -march=native foo.c", "-c -",
    "-c foo.c -o ../out/foo.o", "-c -MQ t -MT u -MP foo.c", "-c foo.cc",
    "-c -include pre.h -DX=1 -Iinc -isystem sys foo.c -g -O2",
]


def main():
    src, out = sys.argv[1], sys.argv[2]
    lines = set(ODD)
    for name in sorted(os.listdir(src)):
        with open(os.path.join(src, name)) as f:
            for line in f:
                if " argv: " in line:
                    lines.add(line.split(" argv: ", 1)[1].strip())
    for line in sorted(lines):
        data = b"\0".join(a.encode() for a in shlex.split(line))
        h = hashlib.sha1(data).hexdigest()[:16]
        with open(os.path.join(out, h), "wb") as f:
            f.write(data)
    print(len(lines), "seeds")


if __name__ == "__main__":
    main()
