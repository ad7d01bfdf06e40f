#!/usr/bin/python3
"""A TLS 1.3 front end for slapd's plain ldap:// port, as an OpenSSL-based
server (or a TLS-terminating proxy) would be: it sends the client session
tickets just after the handshake, which a GnuTLS-built slapd does not.

    tls-front.py CERT KEY UPSTREAM_HOST UPSTREAM_PORT PORT_FILE

Listens on 127.0.0.1 (a free port, written to PORT_FILE), forwards each
connection to the upstream, and prints one line per connection.
"""
import os
import socket
import ssl
import sys
import threading


def pump(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.close()
        except OSError:
            pass


def main():
    cert, key, host, port, port_file = sys.argv[1:6]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_cert_chain(cert, key)
    ctx.num_tickets = 2
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(64)
    with open(port_file + ".tmp", "w") as f:
        f.write("%d\n" % lsock.getsockname()[1])
    os.rename(port_file + ".tmp", port_file)
    n = 0
    while True:
        conn, _ = lsock.accept()
        try:
            tls = ctx.wrap_socket(conn, server_side=True)
        except (OSError, ssl.SSLError) as e:
            print("handshake failed: %s" % e, flush=True)
            continue
        n += 1
        print("connection %d %s tickets=%d" % (n, tls.version(), ctx.num_tickets),
              flush=True)
        try:
            up = socket.create_connection((host, int(port)))
        except OSError as e:
            print("upstream: %s" % e, flush=True)
            tls.close()
            continue
        threading.Thread(target=pump, args=(tls, up), daemon=True).start()
        threading.Thread(target=pump, args=(up, tls), daemon=True).start()


if __name__ == "__main__":
    main()
