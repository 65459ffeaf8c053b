#!/usr/bin/python3
"""The curl study's loopback HTTP server: files from a directory, a redirect chain, an echo
for POST and PUT bodies, a slow answer, and a 500. Usage: server.py PORT DIRECTORY."""
import http.server
import sys
import time


class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass

    def reply(self, code, body, headers=()):
        self.send_response(code)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/redirect":
            self.reply(302, b"", [("Location", "/redirect2")])
        elif self.path == "/redirect2":
            self.reply(301, b"", [("Location", "/hello.txt")])
        elif self.path == "/slow":
            time.sleep(0.3)
            self.reply(200, b"slow\n")
        elif self.path == "/error":
            self.reply(500, b"error\n")
        elif self.path == "/cookie":
            self.reply(200, b"cookie\n", [("Set-Cookie", "session=abc; Path=/")])
        else:
            super().do_GET()

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        self.reply(200, self.rfile.read(length), [("Content-Type", "text/plain")])

    do_PUT = do_POST


def main():
    port, directory = int(sys.argv[1]), sys.argv[2]
    handler = lambda *args: Handler(*args, directory=directory)
    http.server.ThreadingHTTPServer(("127.0.0.1", port), handler).serve_forever()


if __name__ == "__main__":
    main()
