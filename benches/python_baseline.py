#!/usr/bin/env python3
"""The comparison for `scripts/bench`: the work `mleg once` does on a photo
backlog, written the way a school's IT person might script it in Python.

For every mail in INBOX: fetch it, parse it, find the JPEG, decode it fully
and check its size and proportions, record it with the photo in SQLite,
answer the parent, mail the secretary the photo, and file the mail in a
folder. One IMAP and one SMTP session for the whole run.

Usage: python_baseline.py IMAP_PORT SMTP_PORT USER PASSWORD SECRETARY DB
Prints "accepted N" at the end.
"""

import email
import email.policy
import imaplib
import io
import smtplib
import sqlite3
import sys
from email.message import EmailMessage

from PIL import Image

FOLDER = "mLegitymacja-przyjete"
MIN_W, MIN_H, MAX_BYTES = 354, 496, 5 * 1024 * 1024


def check(data):
    """Decodes the whole picture; returns (width, height) if it is fine."""
    im = Image.open(io.BytesIO(data))
    im.load()
    w, h = im.size
    if im.format != "JPEG" or w < MIN_W or h < MIN_H or len(data) > MAX_BYTES:
        return None
    if abs(w / h - MIN_W / MIN_H) > 0.02:
        return None
    return w, h


def main():
    imap_port, smtp_port, user, password, secretary, db = sys.argv[1:7]
    conn = sqlite3.connect(db)
    conn.execute(
        "CREATE TABLE IF NOT EXISTS photos (id INTEGER PRIMARY KEY, sender TEXT,"
        " file_name TEXT, width INTEGER, height INTEGER, data BLOB)"
    )
    imap = imaplib.IMAP4("127.0.0.1", int(imap_port))
    imap.login(user, password)
    imap.create(FOLDER)
    imap.select("INBOX")
    smtp = smtplib.SMTP("127.0.0.1", int(smtp_port))
    smtp.login(user, password)
    _, data = imap.uid("SEARCH", None, "ALL")
    accepted = 0
    for uid in data[0].split():
        _, fetched = imap.uid("FETCH", uid, "(BODY.PEEK[])")
        msg = email.message_from_bytes(fetched[0][1], policy=email.policy.default)
        sender = msg["From"].addresses[0].addr_spec
        for part in msg.iter_attachments():
            if part.get_content_type() != "image/jpeg":
                continue
            photo, name = part.get_content(), part.get_filename()
            size = check(photo)
            if size is None:
                continue
            conn.execute(
                "INSERT INTO photos (sender, file_name, width, height, data)"
                " VALUES (?, ?, ?, ?, ?)",
                (sender, name, size[0], size[1], photo),
            )
            conn.commit()
            reply = EmailMessage()
            reply["From"], reply["To"] = user, sender
            reply["Subject"] = "Re: " + str(msg["Subject"])
            reply["In-Reply-To"] = msg["Message-ID"]
            reply.set_content("Przyjęliśmy zdjęcie do mLegitymacji.")
            smtp.send_message(reply)
            note = EmailMessage()
            note["From"], note["To"] = user, secretary
            note["Subject"] = "Zdjęcie do sprawdzenia"
            note.set_content("Zdjęcie do sprawdzenia w załączniku.")
            note.add_attachment(photo, maintype="image", subtype="jpeg", filename=name)
            smtp.send_message(note)
            accepted += 1
        imap.uid("COPY", uid, FOLDER)
        imap.uid("STORE", uid, "+FLAGS", "(\\Deleted)")
    imap.expunge()
    imap.logout()
    smtp.quit()
    print(f"accepted {accepted}")


if __name__ == "__main__":
    main()
