#!/usr/bin/env python3
"""iscsi_pdu.py - a hand-made iSCSI initiator for tests/cli/serve.sh: it
sends the PDUs real initiators do not (malformed, out of order, beyond
the negotiated limits) and prints what the target answered, one word or
line per case, so that the shell test can compare.

    python3 iscsi_pdu.py HOST PORT TARGET CASE

Cases print, e.g. "login 0203" (a login response's status class and
detail), "reject 05" (a Reject's reason), "closed" (the target dropped
the connection), "nop" (a NOP-In came back), "sense 5/25/00".
"""
import socket
import struct
import sys

HOST, PORT, TARGET, CASE = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
INITIATOR = "iqn.2026-12.org.glassmaster:pdu-test"


def keys(**kv):
    return b"".join(("%s=%s" % (k, v)).encode() + b"\0" for k, v in kv.items())


def pdu(op, flags, data=b"", itt=1, lun=0, rest=b""):
    """A BHS: opcode byte, flags byte, bytes 2-3 zero, lengths, LUN, ITT,
    then bytes 20..47 from rest."""
    bhs = bytes([op, flags, 0, 0, 0]) + len(data).to_bytes(3, "big")
    bhs += lun.to_bytes(8, "big") + itt.to_bytes(4, "big")
    bhs += rest.ljust(28, b"\0")[:28]
    pad = (4 - len(data) % 4) % 4
    return bhs + data + b"\0" * pad


def login_pdu(kv, csg=1, nsg=3, transit=True, isid=b"\x80\0\0\0\0\1", tsih=0,
              vmax=0, vmin=0, cmdsn=1, itt=1):
    data = keys(**kv)
    flags = (0x80 if transit else 0) | csg << 2 | (nsg if transit else 0)
    bhs = bytes([0x43, flags, vmax, vmin, 0]) + len(data).to_bytes(3, "big")
    bhs += isid + tsih.to_bytes(2, "big") + itt.to_bytes(4, "big")
    bhs += (0).to_bytes(4, "big") + cmdsn.to_bytes(4, "big") + (0).to_bytes(4, "big")
    bhs = bhs.ljust(48, b"\0")
    pad = (4 - len(data) % 4) % 4
    return bhs + data + b"\0" * pad


class Conn:
    def __init__(self):
        self.s = socket.create_connection((HOST, PORT), timeout=10)
        self.cmdsn = 1

    def send(self, b):
        self.s.sendall(b)

    def recv_exact(self, n):
        out = b""
        while len(out) < n:
            chunk = self.s.recv(n - len(out))
            if not chunk:
                return None
            out += chunk
        return out

    def recv(self):
        """(bhs, data) or None when the target closed the connection."""
        try:
            bhs = self.recv_exact(48)
            if bhs is None:
                return None
            dlen = int.from_bytes(bhs[5:8], "big")
            data = self.recv_exact((dlen + 3) & ~3) if dlen else b""
            if data is None:
                return None
            return bhs, data[:dlen]
        except (ConnectionResetError, socket.timeout):
            return None

    def login(self, **extra):
        kv = dict(InitiatorName=INITIATOR, SessionType="Normal", TargetName=TARGET,
                  HeaderDigest="None", DataDigest="None",
                  MaxRecvDataSegmentLength="65536")
        kv.update(extra)
        self.send(login_pdu(kv))
        r = self.recv()
        if r is None or r[0][36] != 0:
            print("login failed", r[0][36:38].hex() if r else "closed")
            sys.exit(1)
        self.statsn = int.from_bytes(r[0][24:28], "big")
        self.expcmdsn = int.from_bytes(r[0][28:32], "big")
        return r

    def command(self, cdb, edtl, lun=0, cmdsn=None, immediate=False):
        rest = edtl.to_bytes(4, "big")
        rest += (self.cmdsn if cmdsn is None else cmdsn).to_bytes(4, "big")
        rest += (0).to_bytes(4, "big") + cdb.ljust(16, b"\0")
        if cmdsn is None and not immediate:
            self.cmdsn += 1
        op = 0x01 | (0x40 if immediate else 0)
        lunfield = lun << 48
        self.send(pdu(op, 0xc0 if edtl else 0x80, itt=self.cmdsn, lun=lunfield, rest=rest))

    def nop(self, itt=0x77):
        rest = (0xffffffff).to_bytes(4, "big") + self.cmdsn.to_bytes(4, "big")
        self.send(pdu(0x40, 0x80, itt=itt, rest=rest))


def outcome(r):
    if r is None:
        return "closed"
    bhs, data = r
    op = bhs[0] & 0x3f
    if op == 0x23:
        return "login %02x%02x" % (bhs[36], bhs[37])
    if op == 0x3f:
        return "reject %02x" % bhs[2]
    if op == 0x20:
        return "nop"
    if op == 0x21:
        if bhs[3] == 2 and len(data) >= 16:
            return "sense %x/%02x/%02x" % (data[4] & 0xf, data[14], data[15])
        return "status %02x" % bhs[3]
    if op == 0x25:
        return "data"
    return "op %02x" % op


def read_response(c):
    """Skip Data-In PDUs without status; the outcome of the command."""
    while True:
        r = c.recv()
        if r is None or not (r[0][0] & 0x3f == 0x25 and not r[0][1] & 0x01):
            return r


c = Conn()
if CASE == "truncated":          # half a header, then nothing
    c.send(login_pdu(dict(InitiatorName=INITIATOR))[:20])
    c.s.shutdown(socket.SHUT_WR)
    print(outcome(c.recv()))
elif CASE == "version":          # VersionMin 2: not spoken
    c.send(login_pdu(dict(InitiatorName=INITIATOR, TargetName=TARGET), vmax=2, vmin=2))
    print(outcome(c.recv()))
elif CASE == "before-login":     # a SCSI command first
    c.send(pdu(0x01, 0x80, rest=(0).to_bytes(4, "big") + (1).to_bytes(4, "big")))
    print(outcome(c.recv()))
elif CASE == "first-not-login":  # a NOP-Out first: not a login at all
    c.nop()
    print(outcome(c.recv()))
elif CASE == "target":           # a target not served here
    c.send(login_pdu(dict(InitiatorName=INITIATOR, SessionType="Normal",
                          TargetName=TARGET + "x")))
    print(outcome(c.recv()))
elif CASE == "no-initiator":     # InitiatorName missing
    c.send(login_pdu(dict(SessionType="Normal", TargetName=TARGET)))
    print(outcome(c.recv()))
elif CASE == "tsih":             # a connection for a session that is not
    c.send(login_pdu(dict(InitiatorName=INITIATOR, TargetName=TARGET), tsih=7))
    print(outcome(c.recv()))
elif CASE == "stage":            # T with NSG below CSG
    c.send(login_pdu(dict(InitiatorName=INITIATOR, TargetName=TARGET), csg=1, nsg=0))
    print(outcome(c.recv()))
elif CASE == "big-login":        # a login segment over 8192 bytes
    c.send(login_pdu(dict(InitiatorName=INITIATOR, TargetName=TARGET,
                          X_pad="a" * 9000)))
    print(outcome(c.recv()))
elif CASE == "bad-key":          # a key without '='
    data = keys(InitiatorName=INITIATOR, TargetName=TARGET) + b"garbage\0"
    b = bytearray(login_pdu(dict(InitiatorName=INITIATOR, TargetName=TARGET)))
    b[5:8] = len(data).to_bytes(3, "big")
    c.send(bytes(b[:48]) + data + b"\0" * ((4 - len(data) % 4) % 4))
    print(outcome(c.recv()))
elif CASE == "opcode":           # opcode 0x1c in full feature phase
    c.login()
    c.send(pdu(0x1c, 0x80))
    print(outcome(c.recv()))
elif CASE == "login-again":      # a login request in full feature phase
    c.login()
    c.send(login_pdu(dict(InitiatorName=INITIATOR)))
    print(outcome(c.recv()))
elif CASE == "segment":          # a data segment beyond our 262144
    c.login()
    bhs = bytearray(pdu(0x01, 0xa0, rest=(300000).to_bytes(4, "big") + (1).to_bytes(4, "big")))
    bhs[5:8] = (300000).to_bytes(3, "big")
    c.send(bytes(bhs[:48]))
    print(outcome(c.recv()))
elif CASE == "window":           # a CmdSN far outside the window: ignored
    c.login()
    c.command(b"\x00", 0, cmdsn=c.cmdsn + 1000)
    c.nop()                      # the NOP still comes back
    print(outcome(c.recv()))
elif CASE == "gap":              # a CmdSN skipping one: dropped
    c.login()
    c.command(b"\x00", 0, cmdsn=c.cmdsn + 3)
    print(outcome(c.recv()))
elif CASE == "ahs":              # an AHS longer than the PDU says
    c.login()
    b = bytearray(pdu(0x01, 0x80, rest=(0).to_bytes(4, "big") + c.cmdsn.to_bytes(4, "big")))
    b[4] = 1                     # one word of AHS: length 200 inside
    c.cmdsn += 1
    c.send(bytes(b[:48]) + (200).to_bytes(2, "big") + b"\x01\0")
    print(outcome(c.recv()))
elif CASE == "lun":              # a LUN that is not there: INQUIRY, TUR
    c.login()
    c.command(b"\x12\0\0\0\x24\0", 36, lun=9)
    r = c.recv()
    inq = "inquiry %02x" % r[1][0] if r and r[0][0] & 0x3f == 0x25 else outcome(r)
    c.command(b"\x00", 0, lun=9)
    print(inq, outcome(read_response(c)))
elif CASE == "huge":             # a transfer over 16 MiB
    c.login()
    c.command(b"\x28\0\0\0\0\0\0\x40\0\0", 0x7fffffff)
    print(outcome(read_response(c)))
elif CASE == "write":            # WRITE(10) with its data: read-only
    c.login()
    rest = (2048).to_bytes(4, "big") + c.cmdsn.to_bytes(4, "big") + (0).to_bytes(4, "big")
    rest += b"\x2a\0\0\0\0\0\0\0\x01\0".ljust(16, b"\0")
    c.cmdsn += 1
    c.send(pdu(0x01, 0xa0, data=b"\xaa" * 2048, itt=9, rest=rest))
    print(outcome(read_response(c)))
elif CASE == "tmf":              # ABORT TASK of a finished command, LUN RESET
    c.login()
    c.command(b"\x00", 0)
    first = outcome(read_response(c))
    rest = (0xffffffff).to_bytes(4, "big") + c.cmdsn.to_bytes(4, "big") + (0).to_bytes(4, "big")
    rest += (1).to_bytes(4, "big")          # RefCmdSN: the TUR's
    c.send(pdu(0x42, 0x81, itt=50, rest=rest))
    r = c.recv()
    abort = r[0][2] if r and r[0][0] & 0x3f == 0x22 else None
    c.send(pdu(0x42, 0x85, itt=51, rest=rest))
    r = c.recv()
    reset = r[0][2] if r and r[0][0] & 0x3f == 0x22 else None
    print(first, "abort", abort, "reset", reset)
elif CASE == "logout":           # Logout: answered, then closed
    c.login()
    rest = (0).to_bytes(4, "big") + c.cmdsn.to_bytes(4, "big")
    c.send(pdu(0x46, 0x80, itt=60, rest=rest))
    r = c.recv()
    print("logout" if r and r[0][0] & 0x3f == 0x26 and r[0][2] == 0 else outcome(r),
          outcome(c.recv()))
elif CASE == "discovery":        # SendTargets, then a SCSI command: rejected
    c.send(login_pdu(dict(InitiatorName=INITIATOR, SessionType="Discovery")))
    r = c.recv()
    rest = (0xffffffff).to_bytes(4, "big") + (1).to_bytes(4, "big")
    c.send(pdu(0x04, 0x80, data=keys(SendTargets="All"), itt=2, rest=rest))
    r = c.recv()
    text = r[1].split(b"\0")[0].decode() if r else "closed"
    c.send(pdu(0x01, 0x80, itt=3, rest=(0).to_bytes(4, "big") + (2).to_bytes(4, "big")))
    print(text, outcome(c.recv()))
else:
    print("unknown case", CASE)
    sys.exit(2)
