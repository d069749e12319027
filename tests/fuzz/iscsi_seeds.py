#!/usr/bin/env python3
"""iscsi_seeds.py DIR - write the seed corpus of fuzz_iscsi: each file is
a mode byte (bit 0: the target wants CHAP) and the bytes an initiator
sends on one connection: logins of every kind, then SCSI commands (the
reads and queries real initiators send, to both LUNs and to one that is
not there), NOP-Out, task management, Text, Data-Out and Logout."""
import os
import sys

TARGET = "iqn.2026-12.org.glassmaster:fuzz"
INITIATOR = "iqn.2026-12.org.glassmaster:seed"


def keys(*kv):
    return b"".join(("%s=%s" % (k, v)).encode() + b"\0" for k, v in kv)


def pad(data):
    return data + b"\0" * ((4 - len(data) % 4) % 4)


def login(kv, csg=1, nsg=3, transit=True, cmdsn=1, itt=1):
    data = keys(*kv)
    flags = (0x80 if transit else 0) | csg << 2 | (nsg if transit else 0)
    bhs = bytes([0x43, flags, 0, 0, 0]) + len(data).to_bytes(3, "big")
    bhs += b"\x80\0\0\0\0\1" + b"\0\0" + itt.to_bytes(4, "big")
    bhs += b"\0\0\0\0" + cmdsn.to_bytes(4, "big") + b"\0\0\0\0"
    return bhs.ljust(48, b"\0") + pad(data)


def pdu(op, flags, data=b"", itt=1, lun=0, rest=b""):
    bhs = bytes([op, flags, 0, 0, 0]) + len(data).to_bytes(3, "big")
    bhs += (lun << 48).to_bytes(8, "big") + itt.to_bytes(4, "big")
    return bhs + rest.ljust(28, b"\0")[:28] + pad(data)


class Session:
    def __init__(self, extra=()):
        kv = [("InitiatorName", INITIATOR), ("SessionType", "Normal"),
              ("TargetName", TARGET), ("HeaderDigest", "None"),
              ("DataDigest", "None"), ("MaxRecvDataSegmentLength", "8192"),
              ("MaxBurstLength", "65536"), ("FirstBurstLength", "8192"),
              ("ImmediateData", "Yes"), ("InitialR2T", "No")] + list(extra)
        self.out = login(kv)
        self.cmdsn = 1
        self.itt = 10

    def cmd(self, cdb, edtl, lun=0, write=b""):
        rest = edtl.to_bytes(4, "big") + self.cmdsn.to_bytes(4, "big") + b"\0\0\0\0"
        rest += bytes(cdb).ljust(16, b"\0")
        flags = 0x80 | (0x20 if write else 0x40 if edtl else 0)
        self.out += pdu(0x01, flags | 1, data=write, itt=self.itt, lun=lun, rest=rest)
        self.cmdsn += 1
        self.itt += 1

    def raw(self, b):
        self.out += b

    def logout(self):
        rest = b"\0\0\0\0" + self.cmdsn.to_bytes(4, "big")
        self.out += pdu(0x46, 0x80, itt=99, rest=rest)


def be32(n):
    return n.to_bytes(4, "big")


seeds = {}
s = Session()
s.cmd([0x12, 0, 0, 0, 36, 0], 36)                 # INQUIRY
s.cmd([0x12, 1, 0x83, 0, 255, 0], 255)            # VPD 83h
s.cmd([0x00], 0)                                   # TEST UNIT READY
s.cmd([0x25], 8)                                   # READ CAPACITY
s.cmd([0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 16], 16)      # REPORT LUNS
s.cmd([0x28, 0, 0, 0, 0, 3, 0, 0, 2, 0], 4096)     # READ(10)
s.logout()
seeds["read10"] = s.out

s = Session()
s.cmd([0x43, 2, 2, 0, 0, 0, 0, 0x10, 0], 4096)     # READ TOC full
s.cmd([0x46, 0, 0, 0, 0, 0, 0, 0x10, 0], 4096)     # GET CONFIGURATION
s.cmd([0x5a, 0, 0x2a, 0, 0, 0, 0, 0x10, 0], 4096)  # MODE SENSE(10) 2Ah
s.cmd([0xbe, 0, 0, 0, 0, 45, 0, 0, 2, 0xf8, 1, 0], 2 * 2448)  # READ CD audio + P-W
s.cmd([0xbe, 0, 0, 0, 0, 1, 0, 0, 4, 0xfa, 0, 0], 4 * 2646)  # READ CD + C2
s.cmd([0x42, 2, 0x40, 1, 0, 0, 0, 0, 48, 0], 48)   # READ SUB-CHANNEL
s.cmd([0x51, 0, 0, 0, 0, 0, 0, 0, 34, 0], 34)      # READ DISC INFORMATION
s.logout()
seeds["mmc"] = s.out

s = Session()
s.cmd([0x12, 0, 0, 0, 36, 0], 36, lun=1)
s.cmd([0x12, 0, 0, 0, 36, 0], 36, lun=7)           # no such LUN
s.cmd([0x00], 0, lun=7)
s.cmd([0x2a, 0, 0, 0, 0, 0, 0, 0, 1, 0], 2048, write=b"\xaa" * 1024)  # WRITE(10), half immediate
s.raw(pdu(0x05, 0x80, data=b"\xbb" * 1024, itt=s.itt - 1,
          rest=be32(0xffffffff) + be32(0) + be32(0) + be32(0) + be32(1024)))
s.raw(pdu(0x00, 0x80, data=b"ping", itt=0x55,
          rest=be32(0xffffffff) + be32(s.cmdsn)))    # NOP-Out with data
s.raw(pdu(0x42, 0x81, itt=0x56, rest=be32(0xffffffff) + be32(s.cmdsn) + be32(0) + be32(1)))
s.raw(pdu(0x42, 0x85, itt=0x57, rest=be32(0xffffffff) + be32(s.cmdsn)))
s.raw(pdu(0x04, 0x80, data=keys(("SendTargets", "All")), itt=0x58,
          rest=be32(0xffffffff) + be32(s.cmdsn)))
s.cmd([0x28, 0, 0, 0, 0, 0, 0, 0, 200, 0], 200 * 2048)  # READ(10) beyond MaxBurst
s.logout()
seeds["misc"] = s.out

s = Session([("HeaderDigest", "CRC32C")])
seeds["digest-login"] = s.out

d = login([("InitiatorName", INITIATOR), ("SessionType", "Discovery")])
d += pdu(0x04, 0x80, data=keys(("SendTargets", "All")), itt=2,
         rest=be32(0xffffffff) + be32(1))
d += pdu(0x46, 0x80, itt=3, rest=be32(0) + be32(1))
seeds["discovery"] = d

# stepwise login: security stage without authentication, then operational
st = login([("InitiatorName", INITIATOR), ("TargetName", TARGET),
            ("AuthMethod", "None")], csg=0, nsg=1)
st += login([("MaxRecvDataSegmentLength", "262144"), ("ErrorRecoveryLevel", "0"),
             ("MaxConnections", "1"), ("X-com.example.unknown", "1")], csg=1, nsg=3)
seeds["stages"] = st

chap = login([("InitiatorName", INITIATOR), ("TargetName", TARGET),
              ("AuthMethod", "CHAP,None")], csg=0, nsg=1, transit=False)
chap += login([("CHAP_A", "5")], csg=0, nsg=1, transit=False)
chap += login([("CHAP_N", "fuzz"), ("CHAP_R", "0x" + "00" * 16)], csg=0, nsg=1)
seeds["chap"] = chap

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for name, data in seeds.items():
    mode = b"\x01" if name == "chap" else b"\x00"
    with open(os.path.join(out, name), "wb") as f:
        f.write(mode + data)
