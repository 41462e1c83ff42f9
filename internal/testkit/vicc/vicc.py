#!/usr/bin/python3
"""Launcher for vsmartcard's ICAO ePass emulator on Debian 12, for cccd tests.

Debian 12's python3-virtualsmartcard cannot run as shipped (Python 3
str/bytes bugs, Crypto vs Cryptodome, the SSC-length bug). This launcher repairs it in memory, at run time,
without touching any installed file:

  * puts /usr/lib/python3/site-packages/virtualsmartcard on sys.path;
  * serves every Crypto.* module PyCrypto-style from Debian's Cryptodome.*;
  * fixes four Python 3 str/bytes bugs (TLVutils.pack,
    CryptoUtils.operation_on_string, Security_Environment.parse_SM_CAPDU and
    .protect_response) and the SSC-length bug of CryptoUtils.crypto_checksum,
    by exact source substitutions whose match counts are asserted (another
    library version makes the launcher refuse to start), compiled and put in
    place of each function's code object;
  * with --mac-6282, MAC-protects 6282 answers under secure messaging
    (DO'99' + DO'8E'; SEutils.py protect_response MACs 9000 only, so a
    READ BINARY past the end of a file comes back unauthenticated);
  * guards the OS object's execute so that a library exception answers 6F00
    instead of killing the card;
  * derives the BAC keys from TD1 and TD2 MRZs correctly (the library slices
    the MRZ as TD3 only).

It builds the ICAO file system itself (MF with EF.CardAccess 011C, EF.DIR
2F00, EF.ATR/INFO 2F01; LDS DF A0000002471001 with FID 0004 holding EF.COM
011E, DG1..DG16 0101..0110 and EF.SOD 011D) from files named by FID in
--dir, DG1 optionally built from --mrz, and runs its own vpcd loop.

Usage: vicc.py --port 35963 --dir DIR [--mrz MRZ] [--extended-length]
               [--no-guard] [--no-ssc-fix] [--mac-6282] [--trace]

It prints one line "vicc: ready ..." on stderr once connected to vpcd and
exits 0 on SIGTERM/SIGINT or when vpcd closes the connection (pcscd gone),
1 when it cannot start.
"""

import argparse
import hashlib
import inspect
import os
import signal
import socket
import struct
import sys
import textwrap
import traceback

LIBDIR = "/usr/lib/python3/site-packages/virtualsmartcard"
LDS_AID = b"\xa0\x00\x00\x02\x47\x10\x01"
MF_FIDS = {0x011C: 0x1C, 0x2F00: 0x1E, 0x2F01: 0x01}


def die(msg):
    print("vicc: " + msg, file=sys.stderr, flush=True)
    sys.exit(1)


def alias_crypto():
    """Make `Crypto.X` import as `Cryptodome.X` (PyCrypto names, Debian's
    pycryptodome package)."""
    import importlib
    names = ["", ".Cipher", ".Cipher.DES3", ".Cipher.DES", ".Cipher.AES",
             ".Cipher.ARC4", ".Hash", ".Hash.HMAC", ".Hash.SHA", ".Hash.MD5",
             ".Hash.SHA1", ".Hash.SHA256"]
    for n in names:
        try:
            sys.modules["Crypto" + n] = importlib.import_module("Cryptodome" + n)
        except ImportError as e:
            die("python3-pycryptodome is missing Cryptodome%s: %s" % (n, e))


def replace_code(func, subs, cls=None):
    """Recompile func from its installed source with exact substitutions.

    subs is a list of (old, new, count): each old must occur exactly count
    times. Methods are compiled inside a class of the same name so that
    private names mangle as in the original."""
    src = textwrap.dedent(inspect.getsource(func))
    for old, new, count in subs:
        found = src.count(old)
        if found != count:
            die("library differs from the one this launcher repairs: %s: "
                "%r found %d times, expected %d" % (func.__qualname__, old, found, count))
        src = src.replace(old, new)
    if cls is not None:
        src = "class %s:\n%s" % (cls, textwrap.indent(src, "    "))
    ns = {}
    exec(compile(src, inspect.getsourcefile(func), "exec"), func.__globals__, ns)
    name = func.__name__
    if cls and name.startswith("__") and not name.endswith("__"):
        name = "_%s%s" % (cls.lstrip("_"), name)  # a private method, mangled
    new = getattr(ns[cls], name) if cls else ns[name]
    func.__code__ = new.__code__


def repair(ssc_fix, pack_extra=(), mac_6282=False):
    """Apply the in-memory repairs; return their names. pack_extra adds
    substitutions to TLVutils.pack (a function's code is replaced once, from
    its installed source, so all of its substitutions go in one call)."""
    import virtualsmartcard.TLVutils as TLV
    import virtualsmartcard.CryptoUtils as CU
    import virtualsmartcard.SEutils as SE

    done = []
    replace_code(TLV.pack, [('return b"".join(result)', "return result", 1)] + list(pack_extra))
    done.append("TLVutils.pack returns bytes")

    replace_code(CU.operation_on_string, [
        ("result.append(chr(op(ord(string1[i]), ord(string2[i]))))",
         "result.append(op(string1[i], string2[i]))", 1),
        ('return "".join(result)', "return bytes(result)", 1)])
    done.append("CryptoUtils.operation_on_string on bytes")

    env = SE.Security_Environment
    replace_code(env.parse_SM_CAPDU, [
        ('return_data = ["", ]', 'return_data = [b"", ]', 1),
        ('to_authenticate = ""', 'to_authenticate = b""', 1),
        ('data="".join(return_data)', 'data=b"".join(return_data)', 1),
        ("padding_indicator = stringtoint(value[0])",
         "padding_indicator = stringtoint(value[0:1])", 1)],
        cls="Security_Environment")
    done.append("Security_Environment.parse_SM_CAPDU on bytes")

    protect = [
        ('return_data = ""', 'return_data = b""', 1),
        ('if result != "":', 'if result != b"":', 1),
        ('encrypted = "\\x01" + encrypted', 'encrypted = b"\\x01" + encrypted', 1)]
    if mac_6282:
        # The library MACs 9000 answers only: a READ BINARY past the end of
        # the file (6282) comes back with DO'87' and no DO'99'/DO'8E', which
        # a reader must refuse. Protect 6282 as ICAO 9303-11 does: DO'99'
        # with the status, then the MAC over DO'87' and DO'99'.
        protect.append(('\n    if sw == SW["NORMAL"]:',
                        '\n    if sw == SW["WARN_EOFBEFORENEREAD"]:'
                        '\n        return_data += pack([(0x99, 2, inttostring(sw, 2))])'
                        '\n    if sw in (SW["NORMAL"], SW["WARN_EOFBEFORENEREAD"]):', 1))
    replace_code(env.protect_response, protect, cls="Security_Environment")
    done.append("Security_Environment.protect_response on bytes")
    if mac_6282:
        done.append("6282 answers under SM carry DO'99' and DO'8E'")

    if ssc_fix:
        replace_code(CU.crypto_checksum, [
            ("data = inttostring(ssc) + data", "data = inttostring(ssc, 8) + data", 1)])
        done.append("crypto_checksum SSC always 8 bytes")
    return done


def guard(os_obj):
    """Answer 6F00 instead of dying on any exception inside the library."""
    inner = os_obj.execute

    def execute(msg):
        try:
            return inner(msg)
        except Exception:  # the library only catches SwError itself
            traceback.print_exc(file=sys.stderr)
            return b"\x6f\x00"
    os_obj.execute = execute


def mrz_information(mrz):
    """The BAC key material of an MRZ (ICAO 9303-11 9.7.1), per format."""
    if len(mrz) == 88:  # TD3: line 2 = mrz[44:]
        l2 = mrz[44:]
        return "TD3", l2[0:10] + l2[13:20] + l2[21:28]
    if len(mrz) == 72:  # TD2
        l2 = mrz[36:]
        return "TD2", l2[0:10] + l2[13:20] + l2[21:28]
    if len(mrz) == 90:  # TD1
        l1, l2 = mrz[0:30], mrz[30:60]
        number = l1[5:15]
        if l1[14] == "<":  # extended document number in the optional data
            rest = l1[15:30].split("<", 1)[0]
            number = l1[5:14] + rest
        return "TD1", number + l2[0:7] + l2[8:15]
    die("MRZ of %d characters is none of TD1 (90), TD2 (72), TD3 (88)" % len(mrz))


def dg1_from_mrz(mrz):
    body = b"\x5f\x1f" + bytes([len(mrz)]) + mrz.encode("ascii")
    return b"\x61" + bytes([len(body)]) + body


def build_card(files, extended_length, ssc_fix, use_guard):
    from virtualsmartcard.SmartcardFilesystem import MF, DF, TransparentStructureEF
    from virtualsmartcard.VirtualSmartcard import Iso7816OS
    from virtualsmartcard.cards.ePass import PassportSAM

    dg1 = files.get(0x0101)
    if dg1 is None or len(dg1) < 5 or dg1[0] != 0x61 or dg1[2:4] != b"\x5f\x1f":
        die("DG1 (0101) missing or not 61 LL 5F1F LL <MRZ> with 1-byte lengths")
    mrz = dg1[5:].decode("ascii")
    fmt, info = mrz_information(mrz)

    mf = MF()
    df = DF(parent=mf, fid=0x0004, dfname=LDS_AID, bertlv_data=[])
    for fid in sorted(files):
        if fid in MF_FIDS:
            continue
        df.append(TransparentStructureEF(parent=df, fid=fid, filedescriptor=0,
                                         shortfid=fid & 0x1F, data=files[fid]))
    mf.append(df)
    for fid, sfi in MF_FIDS.items():
        if fid in files:
            mf.append(TransparentStructureEF(parent=mf, fid=fid, filedescriptor=0,
                                             shortfid=sfi, data=files[fid]))

    sam = PassportSAM(mf)
    # The library keyed itself from TD3 slices; key it from the real MRZ.
    seed = hashlib.sha1(info.encode("ascii")).digest()[:16]
    sam.KSeed = seed
    sam.KEnc = PassportSAM.derive_key(seed, 1)
    sam.KMac = PassportSAM.derive_key(seed, 2)

    os_obj = Iso7816OS(mf, sam, extended_length=extended_length)
    if use_guard:
        guard(os_obj)
    return os_obj, fmt, seed


def read_frame(sock):
    # Quick-ACK mode before every read: without it each APDU through vpcd
    # waits out a delayed ACK (about 44 ms, measured here).
    if hasattr(socket, "TCP_QUICKACK"):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
    hdr = recv_exact(sock, 2)
    if hdr is None:
        return None
    n = struct.unpack("!H", hdr)[0]
    return recv_exact(sock, n) if n else b""


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def send_frame(sock, payload):
    sock.sendall(struct.pack("!H", len(payload)) + payload)


def serve(sock, os_obj):
    """The vpcd loop: 1-byte control codes, otherwise APDUs."""
    while True:
        msg = read_frame(sock)
        if msg is None:
            return
        if len(msg) == 1:
            code = msg[0]
            if code == 0x04:
                send_frame(sock, os_obj.getATR())
            elif code in (0x01, 0x02):
                os_obj.reset()
            continue
        send_frame(sock, os_obj.execute(msg))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=35963)
    ap.add_argument("--dir", required=True, help="files named by 4-hex-digit FID")
    ap.add_argument("--mrz", help="build DG1 from this MRZ (no newlines)")
    ap.add_argument("--extended-length", action="store_true")
    ap.add_argument("--no-guard", action="store_true")
    ap.add_argument("--no-ssc-fix", action="store_true")
    ap.add_argument("--mac-6282", action="store_true",
                    help="MAC-protect 6282 (end of file before Le) answers under SM")
    ap.add_argument("--trace", action="store_true", help="log every APDU (library INFO)")
    args = ap.parse_args()

    if not os.path.isdir(LIBDIR):
        die("python3-virtualsmartcard not installed (%s missing)" % LIBDIR)
    sys.path.insert(0, LIBDIR)
    alias_crypto()
    import logging
    logging.basicConfig(level=logging.INFO if args.trace else logging.WARNING,
                        format="vicc: %(levelname)s %(message)s")
    repairs = repair(not args.no_ssc_fix, mac_6282=args.mac_6282)

    files = {}
    for name in os.listdir(args.dir):
        try:
            fid = int(name, 16)
        except ValueError:
            continue
        if len(name) == 4:
            with open(os.path.join(args.dir, name), "rb") as f:
                files[fid] = f.read()
    if args.mrz:
        files[0x0101] = dg1_from_mrz(args.mrz)
    os_obj, fmt, seed = build_card(files, args.extended_length,
                                   not args.no_ssc_fix, not args.no_guard)
    if not args.no_guard:
        repairs.append("execute guarded (6F00 on library exceptions)")

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        sock = socket.create_connection((args.host, args.port), timeout=5)
    except OSError as e:
        die("cannot connect to vpcd at %s:%d: %s (is pcscd running with vsmartcard-vpcd?)"
            % (args.host, args.port, e))
    sock.settimeout(None)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    print("vicc: repairs: " + "; ".join(repairs), file=sys.stderr)
    print("vicc: ready: connected to vpcd %s:%d, ATR %s, MRZ %s, %d files, pid %d"
          % (args.host, args.port, os_obj.getATR().hex().upper(), fmt, len(files), os.getpid()),
          file=sys.stderr, flush=True)
    if args.trace:
        print("vicc: K_seed %s" % seed.hex().upper(), file=sys.stderr, flush=True)
    try:
        serve(sock, os_obj)
    except (KeyboardInterrupt, ConnectionError):
        pass
    finally:
        sock.close()


if __name__ == "__main__":
    main()
