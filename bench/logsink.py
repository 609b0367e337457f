#!/usr/bin/env python3
"""A fast local CloudWatch Logs for bench/logs: accepts CreateLogGroup, CreateLogStream and
PutLogEvents (AWS JSON 1.1, any signature), and records for every event its leading line
number and when it arrived. GET /stats answers {"streams": {name: {"events", "distinct",
"first", "last", "max"}}}. Run: logsink.py PORT"""
import json, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
streams = {}   # name -> {"numbers": set, "events": int, "first": t, "last": t}

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a):
        pass

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        with lock:
            out = {name: {"events": s["events"], "distinct": len(s["numbers"]), "first": s["first"], "last": s["last"],
                          "max": max(s["numbers"]) if s["numbers"] else 0,
                          "puts": s["puts"], "firstDuplicates": s["dups"]} for name, s in streams.items()}
        self.reply(200, {"streams": out})

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        target = self.headers.get("X-Amz-Target", "")
        now = time.time()
        if target.endswith(".PutLogEvents"):
            req = json.loads(body)
            name = req["logGroupName"] + "/" + req["logStreamName"]
            numbers = []
            for e in req["logEvents"]:
                head = e["message"].split(" ", 1)[0]
                if head.isdigit():
                    numbers.append(int(head))
            with lock:
                s = streams.setdefault(name, {"numbers": set(), "events": 0, "first": now, "last": now, "dups": [], "puts": 0})
                s["puts"] += 1
                if len(s["dups"]) < 20:
                    s["dups"] += [(n, s["puts"]) for n in numbers if n in s["numbers"]][:20 - len(s["dups"])]
                s["numbers"].update(numbers)
                s["events"] += len(req["logEvents"])
                s["last"] = now
            self.reply(200, {"nextSequenceToken": "1"})
        else:
            self.reply(200, {})

if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    print("logsink listening", flush=True)
    server.serve_forever()
