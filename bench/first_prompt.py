#!/usr/bin/env python3
"""Time from an AUTHENTICATE to its first STEP, for a real person and for
names nobody has (decoy.h: a decoy is made after the reads a person's plan
makes). Speaks the protocol on the socket (doc/protocol.md); SILENT, so
that no banner comes first.

    bench/first_prompt.py SOCKET SERVICE PERSON [ROUNDS]

Prints the median and the quartiles of each, in milliseconds.
"""
import socket, statistics, struct, sys, time


def field(tag, val):
    if isinstance(val, str):
        val = val.encode()
    return struct.pack('>HH', tag, len(val)) + val


def frame(ver, typ, body):
    return struct.pack('>HBBI', 0x4144, ver, typ, len(body)) + body


def read_frame(s, buf):
    while len(buf) < 8 or len(buf) < 8 + struct.unpack('>I', buf[4:8])[0]:
        d = s.recv(65536)
        if not d:
            raise SystemExit('authd closed the connection')
        buf += d
    n = 8 + struct.unpack('>I', buf[4:8])[0]
    return buf[3], buf[n:]


def first_step(path, service, user):
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    s.sendall(frame(1, 1, field(1, b'\x02') + field(2, b'\x02')))
    typ, buf = read_frame(s, b'')          # HELLO
    req = frame(2, 2, field(10, service) + field(11, user) +
                field(16, struct.pack('>I', 1)))     # FLAGS: SILENT
    t0 = time.perf_counter()
    s.sendall(req)
    typ, buf = read_frame(s, buf)
    t = time.perf_counter() - t0
    s.close()
    return t


def main():
    path, service, person = sys.argv[1:4]
    rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 200
    times = {'person': [], 'unknown': []}
    for i in range(rounds):
        times['person'].append(first_step(path, service, person))
        times['unknown'].append(first_step(path, service, 'nobody%d' % (i % 5)))
    for who, v in times.items():
        q = statistics.quantiles(v, n=4)
        print('%-8s median %.3f ms  (quartiles %.3f, %.3f)' %
              (who, statistics.median(v) * 1000, q[0] * 1000, q[2] * 1000))


main()
