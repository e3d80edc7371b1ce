#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# bulk-http.py PORT DIR - bulk transfers for the tests: GET /NAME sends the
# file DIR/NAME, PUT (any path) reads the body and answers its SHA-256.
import hashlib
import http.server
import os
import shutil
import sys

CHUNK = 1 << 16


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        path = os.path.join(self.server.dir, os.path.basename(self.path))
        try:
            f = open(path, 'rb')
        except OSError:
            self.send_error(404)
            return
        with f:
            self.send_response(200)
            self.send_header('Content-Length', str(os.fstat(f.fileno()).st_size))
            self.end_headers()
            shutil.copyfileobj(f, self.wfile, CHUNK)

    def do_PUT(self):
        left = int(self.headers.get('Content-Length', '0'))
        h = hashlib.sha256()
        while left > 0:
            b = self.rfile.read(min(left, CHUNK))
            if not b:
                break
            h.update(b)
            left -= len(b)
        body = (h.hexdigest() + '\n').encode()
        self.send_response(200 if left == 0 else 400)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


srv = http.server.ThreadingHTTPServer(('', int(sys.argv[1])), Handler)
srv.dir = sys.argv[2]
srv.serve_forever()
