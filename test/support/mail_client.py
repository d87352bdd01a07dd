"""Writes and sends one email the way a person's mail program (or a vacation responder) would: Python's standard
smtplib/email only, none of Stepwise's code. Reads a JSON job on stdin:
{"host", "port", "kind": "reply"|"auto_reply", "from", "to", "envelope_from", "subject", "in_reply_to", "text"}.
"""
import json
import smtplib
import sys
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

job = json.load(sys.stdin)
message = EmailMessage()
message["From"] = job["from"]
message["To"] = job["to"]
message["Subject"] = job["subject"]
message["Date"] = formatdate(localtime=False)
message["Message-ID"] = make_msgid(domain=job["from"].split("@")[-1].strip(">"))
message["In-Reply-To"] = job["in_reply_to"]
message["References"] = job["in_reply_to"]
if job["kind"] == "auto_reply":
    # RFC 3834: what vacation responders add.
    message["Auto-Submitted"] = "auto-replied"
    message["X-Autoreply"] = "yes"
message.set_content(job["text"])
with smtplib.SMTP(job["host"], job["port"], timeout=20) as smtp:
    smtp.send_message(message, from_addr=job["envelope_from"], to_addrs=[job["to"]])
print(message["Message-ID"])
