#!/usr/bin/env python3
"""A tiny fake Agencyhandy (the 2026-07 generation of its API) on loopback,
for scripts/container-test: the container under test delivers leads here.

Usage: fake-agencyhandy.py PORT API_KEY

- `GET /accounts/companies`: one company;
- `POST /members/bulk-lead`: a JSON array of leads, each needing `type`, a
  valid-looking `email` and one of the six statuses; new e-mails are added
  (201), known ones skipped as "Email already exists" (200 when all are);
- every other API route: 404 NotFoundError (no `/roles` on this generation);
- a wrong `x-api-key`: 401 PermissionError;
- `GET /_fake/leads`: the leads received so far (the test's view, no key needed);
- `POST /_fake/slow?seconds=N`: from now on, answer lead creations N seconds
  after receiving (and recording) them.
"""

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

STATUSES = {"New", "Contacted", "Qualified", "Working", "Proposal Sent", "Negotiation"}
LEADS = []
LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    api_key = ""
    answer_delay = 0.0

    def do_GET(self):
        if self.path == "/_fake/leads":
            with LOCK:
                return self.reply(200, list(LEADS))
        if not self.authorized():
            return None
        if self.path == "/accounts/companies":
            company = {"_id": "6525994184e9ddd79853450e", "name": "Container Test Agency"}
            return self.reply(200, {"message": "Companies", "companies": [company]})
        return self.not_found()

    def do_POST(self):
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length)
        url = urlsplit(self.path)
        if url.path == "/_fake/slow":
            Handler.answer_delay = float(parse_qs(url.query)["seconds"][0])
            return self.reply(200, {"seconds": Handler.answer_delay})
        if not self.authorized():
            return None
        if self.path != "/members/bulk-lead":
            return self.not_found()
        try:
            leads = json.loads(body)
        except ValueError:
            return self.error(400, "ValidationError", "body is not JSON")
        if not isinstance(leads, list) or len(leads) > 200:
            return self.error(400, "ValidationError", "body must be an array of 0-200 leads")
        for lead in leads:
            problem = invalid(lead)
            if problem:
                return self.error(400, "ValidationError", problem)
        return self.add(leads)

    def add(self, leads):
        added, skipped = [], []
        with LOCK:
            known = {lead["email"] for lead in LEADS}
            for lead in leads:
                if lead["email"] in known:
                    skipped.append({"email": lead["email"], "reason": "Email already exists"})
                    continue
                known.add(lead["email"])
                stored = dict(lead, _id=f"fake{len(LEADS) + 1:020d}")
                LEADS.append(stored)
                added.append(stored)
        data = {"addedLeads": added, "notAddedLeads": skipped}
        time.sleep(Handler.answer_delay)
        return self.reply(201 if added else 200, {"success": True, "data": data})

    def authorized(self):
        if self.headers.get("x-api-key") == self.api_key:
            return True
        self.error(401, "PermissionError", "invalid API key")
        return False

    def not_found(self):
        self.error(404, "NotFoundError", "Route not found")

    def error(self, status, kind, message):
        self.reply(status, {"type": kind, "message": message, "statusCode": status})

    def reply(self, status, value):
        body = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        sys.stderr.write("fake-agencyhandy: " + (format % args) + "\n")


def invalid(lead):
    """Why a lead would not be accepted, or None."""
    if not isinstance(lead, dict):
        return "a lead must be an object"
    if lead.get("type") not in ("individual", "leadCompanyMember"):
        return "type must be individual or leadCompanyMember"
    email = lead.get("email")
    if not isinstance(email, str) or "@" not in email.strip("@"):
        return "email is not valid"
    if lead.get("status") not in STATUSES:
        return "status is not one of the six statuses"
    return None


def main():
    port, Handler.api_key = int(sys.argv[1]), sys.argv[2]
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print(f"fake-agencyhandy: listening on 127.0.0.1:{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
