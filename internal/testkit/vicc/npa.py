#!/usr/bin/python3
"""Launcher for vsmartcard's German eID (nPA) emulator on Debian 12, for cccd
tests: the card of `vicc -t nPA`, with PACE done by OpenPACE's Python
bindings (module eac, built from Debian's openpace source package by
scripts/build-openpace-python.sh).

It shares vicc.py's repairs (import path, Crypto -> Cryptodome, the Python 3
str/bytes bugs of TLVutils.pack, CryptoUtils.operation_on_string and
Security_Environment's SM functions, the exception guard) and adds the ones
the PACE path needs, by the same asserted source substitutions:

  * TLVutils.pack also encodes str values (the nPA card generator builds its
    data groups from str; every GENERAL AUTHENTICATE answer is packed by it);
  * ControlReferenceTemplate.__replace_tag keeps the CRT config as bytes
    (MSE:Set AT raised str + bytes, which killed the card: vpcd reports a
    card removal);
  * SmartcardSAM.SAM.parse_SM_CAPDU prints the Python error it used to turn
    silently into 6988 (a library fault looks like a MAC failure otherwise;
    the str/bytes repairs of vicc.py remove the one seen after PACE).

The card keeps its own limits (documented in CONTRIBUTING.md, "The nPA card"): 3DES
secure messaging pads the MAC input to 16 bytes, its integrated mapping is
not ICAO's, it has no PACE-CAM, and it has no eMRTD application.

--pace-oid/--pace-param rewrite the one PACEInfo of the card's EF.CardAccess
and EF.CardSecurity together (the card takes its PACE parameters from
EF.CardSecurity, a reader from EF.CardAccess).

Usage: npa.py --port 35963 --openpace DIR [--can 123456]
              [--pace-oid 0.4.0.127.0.7.2.2.4.2.2] [--pace-param 13] [--trace]

Prints "vicc: ready ..." on stderr once connected to vpcd.
"""

import argparse
import os
import signal
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vicc as base  # noqa: E402  (the launcher beside this file)

# The default nPA PACEInfo: id-PACE-ECDH-GM-AES-CBC-CMAC-128, version 2,
# parameter ID 13, as DER (SEQUENCE { OID, INTEGER 2, INTEGER 13 }).
PACE_OID_PREFIX = bytes.fromhex("04007f00070202 04".replace(" ", ""))
DEFAULT_PACEINFO = bytes.fromhex("3012060a04007f00070202040202020102 02010d".replace(" ", ""))


def paceinfo(oid, param):
    arcs = [int(a) for a in oid.split(".")]
    if arcs[:9] != [0, 4, 0, 127, 0, 7, 2, 2, 4] or len(arcs) != 11 or not all(0 < a < 128 for a in arcs[9:]):
        base.die("--pace-oid %s is not id-PACE-<mapping>-<cipher> (0.4.0.127.0.7.2.2.4.m.c)" % oid)
    if not 0 <= param <= 31:
        base.die("--pace-param %d is not a standardized parameter ID" % param)
    body = b"\x06\x0a" + PACE_OID_PREFIX + bytes(arcs[9:]) + b"\x02\x01\x02\x02\x01" + bytes([param])
    return b"\x30" + bytes([len(body)]) + body


def set_paceinfo(name, data, new):
    n = data.count(DEFAULT_PACEINFO)
    if n != 1:
        base.die("%s: the default PACEInfo occurs %d times, expected once" % (name, n))
    return data.replace(DEFAULT_PACEINFO, new)


def repair_npa():
    """The PACE-path repairs on top of vicc.py's; returns their names."""
    import virtualsmartcard.SEutils as SE
    import virtualsmartcard.SmartcardSAM as SAM

    done = []
    crt = SE.ControlReferenceTemplate
    base.replace_code(crt._ControlReferenceTemplate__replace_tag, [
        ("length = stringtoint(self.__config_string[position+1])",
         "length = self.__config_string[position+1]", 2),
        ("self.__config_string += inttostring(tag)",
         "self.__config_string = (self.__config_string or b\"\") + inttostring(tag)", 1)],
        cls="ControlReferenceTemplate")
    done.append("ControlReferenceTemplate.__replace_tag on bytes (MSE:Set AT)")

    base.replace_code(SAM.SAM.parse_SM_CAPDU, [
        ("    except:\n        raise SwError(SW[\"ERR_SECMESSOBJECTSINCORRECT\"])",
         "    except SwError:\n        raise\n"
         "    except Exception:\n        __import__(\"traceback\").print_exc()\n"
         "        raise SwError(SW[\"ERR_SECMESSOBJECTSINCORRECT\"])", 1)],
        cls="SAM")
    done.append("SAM.parse_SM_CAPDU prints the Python error behind a 6988")
    return done


def build_card(can, oid, param, use_guard):
    from virtualsmartcard.CardGenerator import CardGenerator
    from virtualsmartcard.cards.nPA import NPAOS

    mf, sam = CardGenerator("nPA").getCard()
    sam.can = can.encode("ascii")
    ca = mf.select("fid", 0x011C).data
    cs = mf.select("fid", 0x011D).data
    info = paceinfo(oid, param)
    ca, cs = set_paceinfo("EF.CardAccess", ca, info), set_paceinfo("EF.CardSecurity", cs, info)
    os_obj = NPAOS(mf, sam, ef_cardaccess=ca, ef_cardsecurity=cs)
    if use_guard:
        base.guard(os_obj)
    return os_obj


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=35963)
    ap.add_argument("--openpace", required=True, help="directory with eac.py, _eac*.so and chat.py")
    ap.add_argument("--can", default="222222")
    ap.add_argument("--pace-oid", default="0.4.0.127.0.7.2.2.4.2.2")
    ap.add_argument("--pace-param", type=int, default=13)
    ap.add_argument("--no-guard", action="store_true")
    ap.add_argument("--trace", action="store_true", help="log every APDU (library INFO)")
    args = ap.parse_args()

    if not os.path.isdir(base.LIBDIR):
        base.die("python3-virtualsmartcard not installed (%s missing)" % base.LIBDIR)
    if not os.path.isfile(os.path.join(args.openpace, "eac.py")):
        base.die("OpenPACE Python bindings not built in %s (make test-deps)" % args.openpace)
    sys.path.insert(0, base.LIBDIR)
    sys.path.insert(0, args.openpace)
    base.alias_crypto()
    try:
        import eac  # noqa: F401
        import chat  # noqa: F401
    except ImportError as e:
        base.die("OpenPACE Python bindings in %s do not load: %s" % (args.openpace, e))
    import logging
    logging.basicConfig(level=logging.INFO if args.trace else logging.WARNING,
                        format="vicc: %(levelname)s %(message)s")
    repairs = base.repair(True, pack_extra=[
        ("        if not isinstance(value, bytes):\n",
         "        if isinstance(value, str):\n            value = value.encode(\"latin-1\")\n"
         "        if not isinstance(value, bytes):\n", 1)])
    repairs[0] += " and encodes str values"
    repairs += repair_npa()

    os_obj = build_card(args.can, args.pace_oid, args.pace_param, not args.no_guard)
    if not args.no_guard:
        repairs.append("execute guarded (6F00 on library exceptions)")

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        sock = socket.create_connection((args.host, args.port), timeout=5)
    except OSError as e:
        base.die("cannot connect to vpcd at %s:%d: %s (is pcscd running with vsmartcard-vpcd?)"
                 % (args.host, args.port, e))
    sock.settimeout(None)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    print("vicc: repairs: " + "; ".join(repairs), file=sys.stderr)
    print("vicc: ready: nPA on vpcd %s:%d, ATR %s, PACE %s parameter %d, pid %d"
          % (args.host, args.port, os_obj.getATR().hex().upper(), args.pace_oid, args.pace_param, os.getpid()),
          file=sys.stderr, flush=True)
    try:
        base.serve(sock, os_obj)
    except (KeyboardInterrupt, ConnectionError):
        pass
    finally:
        sock.close()


if __name__ == "__main__":
    main()
