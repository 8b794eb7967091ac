#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The binary declares its dlopen()ed libcurl as systemd does: a
.note.dlopen section (SHT_NOTE, 4-byte aligned) holding one note of owner
"FDO", type 0x407c0c0a, whose descriptor is NUL-terminated JSON
[{"feature":"curl",...,"priority":"required","soname":["SONAME"]}].
Usage: elf-dlopen.py BINARY SONAME (TAP)."""
import json
import struct
import sys

n = 0
failed = 0


def ok(cond, msg):
    global n, failed
    n += 1
    if not cond:
        failed += 1
    print(("ok" if cond else "not ok") + " %d - %s" % (n, msg))


def main():
    path, soname = sys.argv[1], sys.argv[2]
    data = open(path, "rb").read()
    if data[:4] != b"\x7fELF":
        print("Bail out! %s is not an ELF file" % path)
        return 1
    is64 = data[4] == 2
    end = "<" if data[5] == 1 else ">"
    if is64:
        shoff, = struct.unpack_from(end + "Q", data, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from(end + "HHH", data, 0x3A)
        sh_fmt = end + "IIQQQQIIQQ"
    else:
        shoff, = struct.unpack_from(end + "I", data, 0x20)
        shentsize, shnum, shstrndx = struct.unpack_from(end + "HHH", data, 0x2E)
        sh_fmt = end + "IIIIIIIIII"
    secs = [struct.unpack_from(sh_fmt, data, shoff + i * shentsize)
            for i in range(shnum)]
    strtab = secs[shstrndx]
    names = data[strtab[4]:strtab[4] + strtab[5]]

    def name(s):
        return names[s[0]:names.index(b"\0", s[0])].decode()

    found = [s for s in secs if name(s) == ".note.dlopen"]
    ok(len(found) == 1, "one .note.dlopen section")
    if not found:
        return 1
    s = found[0]
    ok(s[1] == 7, "of type SHT_NOTE (%d)" % s[1])
    align = s[8]
    ok(align == 4, "4-byte aligned (%d)" % align)
    body = data[s[4]:s[4] + s[5]]
    notes = []
    off = 0
    while off + 12 <= len(body):
        namesz, descsz, ntype = struct.unpack_from(end + "III", body, off)
        off += 12
        owner = body[off:off + namesz]
        off += (namesz + 3) & ~3
        desc = body[off:off + descsz]
        off += (descsz + 3) & ~3
        notes.append((owner, ntype, desc))
    ok(off == len(body), "the notes fill the section exactly (%d of %d)"
       % (off, len(body)))
    fdo = [x for x in notes if x[0] == b"FDO\0" and x[1] == 0x407C0C0A]
    ok(len(fdo) == 1, "one FDO note of type 0x407c0c0a")
    if not fdo:
        return 1
    desc = fdo[0][2]
    ok(desc.endswith(b"\0"), "the JSON is NUL-terminated")
    try:
        j = json.loads(desc.rstrip(b"\0").decode())
    except ValueError as e:
        ok(False, "the descriptor is JSON (%s)" % e)
        return 1
    ok(isinstance(j, list) and len(j) == 1 and isinstance(j[0], dict),
       "an array of one object")
    o = j[0] if isinstance(j, list) and j else {}
    ok(o.get("feature") == "curl", "feature curl")
    ok(o.get("priority") == "required", "priority required")
    ok(isinstance(o.get("description"), str) and o["description"],
       "a description")
    ok(o.get("soname") == [soname], "soname [%s] (%s)" % (soname,
                                                         o.get("soname")))
    return 0


rc = main()
print("1..%d" % n)
sys.exit(1 if rc or failed else 0)
