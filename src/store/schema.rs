//! The SQLite schema, as an ordered list of migrations.
//!
//! `PRAGMA user_version` records how many have run; each runs once, inside a
//! transaction, so a half-migrated file cannot exist. Never edit a migration
//! that has shipped: append a new one.

pub const MIGRATIONS: &[&str] = &[
    r#"
-- One student's mLegitymacja application, registered by the secretary.
CREATE TABLE applications (
    id                  INTEGER PRIMARY KEY,
    first_names         TEXT NOT NULL,
    last_name           TEXT NOT NULL,
    pesel               TEXT NOT NULL,
    class               TEXT NOT NULL,
    parent_email        TEXT NOT NULL,
    legitymacja_number  TEXT,
    code_to_student     INTEGER NOT NULL DEFAULT 0,
    status              TEXT NOT NULL,
    -- Unguessable; a staff reply must carry it back to act on the application.
    token               TEXT NOT NULL UNIQUE,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);
-- At most one open application per student.
CREATE UNIQUE INDEX applications_open_pesel ON applications(pesel)
    WHERE status NOT IN ('handed_over', 'expired', 'rejected', 'cancelled');

-- What happened to an application, in order (shown by `mleg apps show`).
CREATE TABLE events (
    id              INTEGER PRIMARY KEY,
    application_id  INTEGER NOT NULL REFERENCES applications(id),
    at              TEXT NOT NULL,
    kind            TEXT NOT NULL,
    detail          TEXT NOT NULL DEFAULT '',
    actor           TEXT NOT NULL
);
CREATE INDEX events_application ON events(application_id);

-- Per watched mailbox: every UID up to last_uid (in this UIDVALIDITY) was examined.
CREATE TABLE mailbox_state (
    mailbox       TEXT PRIMARY KEY,
    uid_validity  INTEGER NOT NULL,
    last_uid      INTEGER NOT NULL
);

-- Every mail mleg acted on; the move into a folder happens after the commit
-- and is retried until moved_at is set.
CREATE TABLE messages (
    id             INTEGER PRIMARY KEY,
    mailbox        TEXT NOT NULL,
    uid_validity   INTEGER NOT NULL,
    uid            INTEGER NOT NULL,
    message_id     TEXT,
    sender         TEXT,
    received_at    TEXT NOT NULL,
    disposition    TEXT NOT NULL,
    target_folder  TEXT NOT NULL,
    moved_at       TEXT,
    UNIQUE (mailbox, uid_validity, uid)
);
CREATE INDEX messages_message_id ON messages(message_id);

-- Photos received. application_id is NULL while no application matches yet
-- (an "orphan", matched when the secretary registers the student).
CREATE TABLE photos (
    id              INTEGER PRIMARY KEY,
    application_id  INTEGER REFERENCES applications(id),
    message_row     INTEGER REFERENCES messages(id),
    source_message_id TEXT,
    source_subject  TEXT NOT NULL DEFAULT '',
    sender          TEXT,
    file_name       TEXT,
    name_tokens     TEXT NOT NULL DEFAULT '',
    width           INTEGER NOT NULL,
    height          INTEGER NOT NULL,
    bytes           INTEGER NOT NULL,
    data            BLOB,
    received_at     TEXT NOT NULL,
    -- Set when the image bytes were deleted (data is then NULL).
    purged_at       TEXT,
    -- Set when a newer photo replaced this one for the same application.
    superseded_at   TEXT
);
CREATE INDEX photos_application ON photos(application_id);

-- Mails to send. Written in the same transaction as the state change that
-- causes them; the delivery worker sends and marks them.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    created_at      TEXT NOT NULL,
    kind            TEXT NOT NULL,
    application_id  INTEGER REFERENCES applications(id),
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    message_id      TEXT NOT NULL UNIQUE,
    in_reply_to     TEXT,
    refs            TEXT NOT NULL DEFAULT '',
    auto_submitted  INTEGER NOT NULL DEFAULT 1,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,
    sent_at         TEXT,
    failed_at       TEXT
);
CREATE INDEX outbox_pending ON outbox(sent_at, failed_at, next_attempt_at);

-- Files attached to an outbox mail (the photo for the secretary). Deleted
-- once the mail is sent: a photo is kept in one place only.
CREATE TABLE outbox_attachments (
    id            INTEGER PRIMARY KEY,
    outbox_id     INTEGER NOT NULL REFERENCES outbox(id),
    file_name     TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    data          BLOB NOT NULL
);
CREATE INDEX outbox_attachments_outbox ON outbox_attachments(outbox_id);
"#,
    r#"
-- The secretary's side: the activation code and the hand-over.
ALTER TABLE applications ADD COLUMN activation_code TEXT;
ALTER TABLE applications ADD COLUMN qr_content TEXT;
ALTER TABLE applications ADD COLUMN code_generated_at TEXT;
ALTER TABLE applications ADD COLUMN code_expires_at TEXT;
ALTER TABLE applications ADD COLUMN handed_over_at TEXT;
ALTER TABLE applications ADD COLUMN handed_over_by TEXT;

-- Every staff command, accepted or not: who, when, what, from which message.
CREATE TABLE audit (
    id              INTEGER PRIMARY KEY,
    at              TEXT NOT NULL,
    actor           TEXT NOT NULL,
    source          TEXT NOT NULL,
    message_id      TEXT,
    application_id  INTEGER REFERENCES applications(id),
    command         TEXT NOT NULL,
    outcome         TEXT NOT NULL,
    detail          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_application ON audit(application_id);

-- Parents' mails with photos that must be expunged from the IMAP mailbox
-- (the school's rule); done by the intake worker, which holds the connection.
CREATE TABLE imap_purges (
    id          INTEGER PRIMARY KEY,
    message_id  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    done_at     TEXT
);
"#,
    r#"
-- Parents' mails about an application whose photo was refused by the checks:
-- they hold a photo of the child too, so a purge expunges them as well.
CREATE TABLE application_mails (
    application_id  INTEGER NOT NULL REFERENCES applications(id),
    message_id      TEXT NOT NULL,
    PRIMARY KEY (application_id, message_id)
);
"#,
    r#"
-- Exact purge and every copy: where mleg filed each
-- mail, and purge rows per account that are retried with a count.
-- Where the mail went when it was moved (from the server's COPYUID).
ALTER TABLE messages ADD COLUMN filed_folder TEXT;
ALTER TABLE messages ADD COLUMN filed_uid_validity INTEGER;
ALTER TABLE messages ADD COLUMN filed_uid INTEGER;
-- 'parent' (a parent's mail) or 'copy' (a staff command mail with images).
ALTER TABLE application_mails ADD COLUMN kind TEXT NOT NULL DEFAULT 'parent';
ALTER TABLE imap_purges ADD COLUMN application_id INTEGER REFERENCES applications(id);
-- 'parent' (the parent's own mail) or 'copy' (a copy mleg or the secretary made).
ALTER TABLE imap_purges ADD COLUMN kind TEXT NOT NULL DEFAULT 'parent';
-- 'watched' (the account mleg reads) or 'staff' (the [staff_mailbox] account).
ALTER TABLE imap_purges ADD COLUMN account TEXT NOT NULL DEFAULT 'watched';
ALTER TABLE imap_purges ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE imap_purges ADD COLUMN last_error TEXT;
-- Set when mleg gave up and asked the secretary to delete the mail by hand.
ALTER TABLE imap_purges ADD COLUMN failed_at TEXT;
-- Why a row was closed without certainty (e.g. an id never searched for).
ALTER TABLE imap_purges ADD COLUMN warning TEXT;
CREATE INDEX imap_purges_pending ON imap_purges(account, done_at, failed_at);
"#,
    r#"
-- A stranger's photo is not a parent's photo.
-- Every address that counts as a parent of an application; position 0 is
-- applications.parent_email (kept as the primary address).
CREATE TABLE application_parents (
    application_id  INTEGER NOT NULL REFERENCES applications(id),
    email           TEXT NOT NULL,
    position        INTEGER NOT NULL,
    PRIMARY KEY (application_id, email)
);
CREATE INDEX application_parents_email ON application_parents(email);
INSERT INTO application_parents (application_id, email, position)
    SELECT id, parent_email, 0 FROM applications;

-- A photo named after a student but sent by someone who is not one of that
-- application's parents is held: application_id stays NULL (it is not the
-- application's photo) and held_for names the student it claims to show,
-- until the secretary accepts (TAK) or refuses (NIE) it.
ALTER TABLE photos ADD COLUMN held_for INTEGER REFERENCES applications(id);
-- Unguessable; a staff reply must carry it back (or answer held_notice).
ALTER TABLE photos ADD COLUMN held_token TEXT;
-- Message-ID of the secretary's notification about the held photo.
ALTER TABLE photos ADD COLUMN held_notice TEXT;
-- 'accepted' or 'refused' once the secretary decided.
ALTER TABLE photos ADD COLUMN held_outcome TEXT;
CREATE UNIQUE INDEX photos_held_token ON photos(held_token) WHERE held_token IS NOT NULL;
"#,
    r#"
-- Bounded work: how often handling a mail failed, kept
-- across restarts so a poison mail is filed for a human after a few tries
-- instead of crashing every round for ever.
CREATE TABLE mail_failures (
    mailbox       TEXT NOT NULL,
    uid_validity  INTEGER NOT NULL,
    uid           INTEGER NOT NULL,
    tries         INTEGER NOT NULL,
    PRIMARY KEY (mailbox, uid_validity, uid)
);
"#,
    r#"
-- Dates: when an application became complete
-- (registered + a valid photo received, i.e. it first reached
-- awaiting_review); the issue deadline runs from here. Set by the applier.
ALTER TABLE applications ADD COLUMN complete_at TEXT;
"#,
    r#"
-- The outbox side: server outages and crashes.
-- Set in its own commit right before DATA; a row still 'sending' when a round
-- starts was cut off by a crash: it is "in doubt" (the server may have it).
ALTER TABLE outbox ADD COLUMN sending_at TEXT;
-- How often this row was found in doubt and sent again (same Message-ID).
ALTER TABLE outbox ADD COLUMN in_doubt INTEGER NOT NULL DEFAULT 0;
-- The SMTP server's health, one row: failures in a row and when to try again
-- (a server failure is not charged to any mail).
CREATE TABLE smtp_server (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    failures         INTEGER NOT NULL,
    next_attempt_at  TEXT NOT NULL,
    last_error       TEXT NOT NULL
);
"#,
    r#"
-- Robots: never answer a robot, cap the replies per sender.
-- Counting automatic replies per recipient reads the outbox by address and time.
CREATE INDEX outbox_recipient ON outbox(recipient, created_at);
-- A hash of each answered-path mail's subject and text (never the text), so the
-- third near-identical mail within an hour (a broken auto-responder) is not answered.
CREATE TABLE mail_fingerprints (
    sender  TEXT NOT NULL,
    hash    TEXT NOT NULL,
    at      TEXT NOT NULL
);
CREATE INDEX mail_fingerprints_sender ON mail_fingerprints(sender, hash, at);
-- "The parent's address bounces": when, and which of the application's addresses
-- ('parent' for the first, 'parent_2', ... for the others); never the bounce text.
ALTER TABLE applications ADD COLUMN bounced_at TEXT;
ALTER TABLE applications ADD COLUMN bounced_kind TEXT;
-- The secretary is told once per application and bounced address.
CREATE TABLE bounce_notices (
    application_id  INTEGER NOT NULL REFERENCES applications(id),
    address         TEXT NOT NULL,
    at              TEXT NOT NULL,
    PRIMARY KEY (application_id, address)
);
"#,
    r#"
-- Dates: the date rules' records and indexes.
-- Every reminder sent (or skipped by a catch-up), at most once per
-- (application, kind, series, day): kind 'parent' (days before the code
-- expires; series = the code's generated_at, so a new code starts a new
-- series) or 'staff' (days after complete_at; series '').
CREATE TABLE reminders (
    id              INTEGER PRIMARY KEY,
    application_id  INTEGER NOT NULL REFERENCES applications(id),
    kind            TEXT NOT NULL,
    series          TEXT NOT NULL,
    day             INTEGER NOT NULL,
    due_at          TEXT NOT NULL,
    at              TEXT NOT NULL,
    -- 'sent' or 'skipped'
    outcome         TEXT NOT NULL,
    UNIQUE (application_id, kind, series, day)
);
-- One indexed range query per rule: codes by expiry, applications by completion.
CREATE INDEX applications_code_expiry ON applications(status, code_expires_at);
CREATE INDEX applications_complete ON applications(status, complete_at);
-- An expired application stays open: the secretary records a new code on it
-- (KOD) or asks for a new photo (ZDJĘCIE), so no second one may be registered.
DROP INDEX applications_open_pesel;
CREATE UNIQUE INDEX applications_open_pesel ON applications(pesel)
    WHERE status NOT IN ('handed_over', 'rejected', 'cancelled');
-- Applications complete before this migration: when they first reached awaiting_review.
UPDATE applications SET complete_at =
    (SELECT MIN(at) FROM events e WHERE e.application_id = applications.id AND e.kind = 'awaiting_review')
    WHERE complete_at IS NULL;
"#,
    r#"
-- Dates, the secretary's digest: one row per school-local date on
-- which the digest was decided (sent = 1) or found nothing waiting (sent = 0),
-- written in the same transaction as the digest's outbox row, so a second
-- step the same day sends nothing.
CREATE TABLE digests (
    local_date  TEXT PRIMARY KEY,
    decided_at  TEXT NOT NULL,
    sent        INTEGER NOT NULL
);
-- The digest and the date rules select applications by status.
CREATE INDEX IF NOT EXISTS applications_status ON applications(status);
"#,
    r#"
-- Dates, one meaning of "complete": complete_at is the latest
-- completion (a new photo after ZDJĘCIE starts the deadline anew) and is
-- empty while the application waits for a photo. A staff reminder series is
-- keyed by the complete_at it counts from (it was '').
UPDATE reminders SET series =
    (SELECT a.complete_at FROM applications a WHERE a.id = reminders.application_id)
    WHERE kind = 'staff' AND series = '';
UPDATE applications SET complete_at = NULL WHERE status = 'awaiting_photo';
UPDATE applications SET complete_at =
    (SELECT MAX(at) FROM events e WHERE e.application_id = applications.id AND e.kind = 'awaiting_review')
    WHERE status IN ('awaiting_review', 'approved')
      AND EXISTS (SELECT 1 FROM events e WHERE e.application_id = applications.id
                  AND e.kind = 'awaiting_review');
"#,
    r#"
-- Looking a sent mail up by its Message-ID (a reply, a bounce, our own mail
-- coming back) and an application's notifications (threading, purges) are
-- index lookups, not a scan of every mail ever sent: with 10,000
-- applications a scheduler step spent most of its time scanning here.
CREATE INDEX IF NOT EXISTS outbox_message_id ON outbox(message_id);
CREATE INDEX IF NOT EXISTS outbox_application ON outbox(application_id, kind);
"#,
    r#"
-- Delete only what is provably the one mail. The size the server gave for
-- each handled mail at intake (RFC822.SIZE): a mail someone else wrote is
-- expunged only at its recorded place, and only when the mail there still
-- has the recorded Message-ID and this size.
ALTER TABLE messages ADD COLUMN size INTEGER;
-- Who chose a queued mail's Message-ID: 'minted' (mleg: an outbox id),
-- 'staff' (the secretary's command mail) or 'foreign' (a parent, a stranger,
-- a mail server). Only the first two are ever searched for.
ALTER TABLE imap_purges ADD COLUMN origin TEXT NOT NULL DEFAULT 'foreign';
UPDATE imap_purges SET origin = 'minted'
    WHERE message_id IN (SELECT message_id FROM outbox);
UPDATE imap_purges SET origin = 'staff' WHERE origin = 'foreign' AND kind = 'copy'
    AND message_id IN (SELECT message_id FROM application_mails WHERE kind = 'copy');
-- A foreign mail is never looked for in the secretary's own account.
UPDATE imap_purges SET done_at = created_at, warning = 'not searched: not our mail'
    WHERE account = 'staff' AND origin = 'foreign' AND done_at IS NULL AND failed_at IS NULL;
-- application_mails.kind: 'parent', 'staff' (her command mail), 'notice' (a
-- mail mleg wrote), 'bounce' (a delivery report), 'note' (a needs-human note);
-- the former 'copy' was a held photo's notice or her reply with images.
UPDATE application_mails SET kind = 'notice'
    WHERE kind = 'copy' AND message_id IN (SELECT message_id FROM outbox);
UPDATE application_mails SET kind = 'staff' WHERE kind = 'copy';
"#,
    r#"
-- Tokens that are spent: every mail that asks the secretary for a command
-- carries its own token, good once, for the status the application had when
-- the mail was written, and for [staff] token_valid_days.
CREATE TABLE command_tokens (
    token           TEXT PRIMARY KEY,
    application_id  INTEGER NOT NULL REFERENCES applications(id),
    issued_for      TEXT NOT NULL,
    message_id      TEXT,
    issued_at       TEXT NOT NULL,
    spent_at        TEXT,
    spent_by        TEXT
);
CREATE INDEX command_tokens_message ON command_tokens(message_id);
-- Mails sent before carry the application's one token: it stays good once,
-- for the status the application has now, from now on.
INSERT INTO command_tokens (token, application_id, issued_for, issued_at)
    SELECT token, id, status, strftime('%Y-%m-%dT%H:%M:%SZ', 'now') FROM applications;
"#,
    r#"
-- A mail the server will not hand over (FETCH refused or stalled three
-- rounds in a row) or will not let mleg move (refused three times) is left
-- where it is: recorded in messages with left_at set, so it is never moved,
-- flagged or examined again, and the secretary is told once.
-- How often the server refused to move this handled mail into its folder.
ALTER TABLE messages ADD COLUMN move_failures INTEGER NOT NULL DEFAULT 0;
-- Set when mleg gave up and left the mail in the watched mailbox.
ALTER TABLE messages ADD COLUMN left_at TEXT;
"#,
    r#"
-- A refused staff command alerts the secretary at most max_auto_replies_per_day
-- times in 24 hours per sender (its From address, ASCII-lowercased): one row per
-- alert, written with the alert's outbox row; rows older than a day are deleted.
CREATE TABLE staff_alerts (
    sender  TEXT NOT NULL,
    at      TEXT NOT NULL
);
CREATE INDEX staff_alerts_sender ON staff_alerts(sender, at);
"#,
    r#"
-- Each student's last-name tokens and their stems, folded once at
-- registration (domain::matching::name_keys): a mail's photo is matched only
-- against the applications sharing a key with it, and the sender's own.
-- Filled by apps::insert; rows of older applications by apps::key_unkeyed.
CREATE TABLE application_name_keys (
    key             TEXT NOT NULL,
    application_id  INTEGER NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    PRIMARY KEY (key, application_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS applications_parent_email ON applications(parent_email);
"#,
    r#"
-- What `mleg status` and `mleg schools` read from another process than the
-- daemon: one row per part ('round': the last mailbox round; 'imap': the
-- watched mailbox's login; 'idle': the daemon's IDLE connection): ok or not,
-- since when in that state, when last written, the last error (one line,
-- addresses masked).
CREATE TABLE health (
    part    TEXT PRIMARY KEY,
    ok      INTEGER NOT NULL,
    since   TEXT NOT NULL,
    at      TEXT NOT NULL,
    detail  TEXT
);
-- Since when the SMTP server has been failing: its first failure in a row.
ALTER TABLE smtp_server ADD COLUMN failing_since TEXT;
"#,
    r#"
-- The mails about mleg's own health sent to [alerts] to: an alert about a
-- failing login ('imap', 'smtp', 'token'), the mail that it works again, a
-- reminder before an expiry (key: credential, date, days before). Written in
-- the transaction that queues the mail: the row is what makes it once.
CREATE TABLE it_alerts (
    id          INTEGER PRIMARY KEY,
    key         TEXT NOT NULL,
    kind        TEXT NOT NULL,
    at          TEXT NOT NULL,
    outbox_id   INTEGER
);
CREATE INDEX it_alerts_key ON it_alerts(key, at);
-- End dates learnt on the way (a server's TLS certificate notAfter, read at
-- each connection): what the digest, `mleg check` and the reminders show.
CREATE TABLE expiries (
    credential  TEXT PRIMARY KEY,
    expires     TEXT NOT NULL,
    at          TEXT NOT NULL
);
-- When each part last worked ('imap', 'smtp': the last successful login),
-- kept while it fails.
ALTER TABLE health ADD COLUMN last_ok TEXT;
"#,
    r#"
-- Retention: a closed application past retention_days is reduced to an
-- anonymous trail (status, dates, event kinds); anonymised_at says when.
ALTER TABLE applications ADD COLUMN anonymised_at TEXT;
CREATE INDEX applications_retention ON applications(anonymised_at, status, updated_at);
-- How many pictures a handled mail carried: one with pictures that no
-- application claims leaves mleg's folders after orphan_days.
ALTER TABLE messages ADD COLUMN pictures INTEGER NOT NULL DEFAULT 0;
CREATE INDEX messages_received ON messages(received_at);
-- The outbox rows whose text is still kept: a sent or given-up mail's text
-- goes, so the daily job reads only these.
CREATE INDEX outbox_with_text ON outbox(id) WHERE body != '';
"#,
    r#"
-- A parent's request by mail about an issued mLegitymacja (lost, damaged,
-- opting out, an objection…): the secretary confirms it with a command.
-- Open until the application's status next changes; the digest lists the
-- open ones.
CREATE TABLE parent_requests (
    id              INTEGER PRIMARY KEY,
    application_id  INTEGER NOT NULL REFERENCES applications(id),
    kind            TEXT NOT NULL,
    new_one         INTEGER NOT NULL DEFAULT 0,
    asked_at        TEXT NOT NULL,
    closed_at       TEXT
);
CREATE INDEX parent_requests_open ON parent_requests(application_id) WHERE closed_at IS NULL;
-- An objection to the mLegitymacja, confirmed by the secretary (SPRZECIW):
-- nothing is issued for the student (any application with the same PESEL)
-- until it is withdrawn. answered_at: the parent's last "an objection is on
-- file" answer, at most one a day.
CREATE TABLE objections (
    application_id  INTEGER PRIMARY KEY REFERENCES applications(id),
    recorded_at     TEXT NOT NULL,
    withdrawn_at    TEXT,
    answered_at     TEXT
);
"#,
    r#"
-- Each activation code has its own record: an application can have several
-- over its life (a corrected code, a new code after expiry). The current one
-- of an application is the one not replaced (replaced_by IS NULL, at most
-- one, kept so by store::lifecycle::record_code); an expired or invalidated
-- code stays current until a new one replaces it.
CREATE TABLE codes (
    id                  INTEGER PRIMARY KEY,
    application_id      INTEGER NOT NULL REFERENCES applications(id),
    code                TEXT NOT NULL,
    qr_content          TEXT,
    -- When the ministry system generated it (what the secretary typed or now).
    issued_at           TEXT NOT NULL,
    expires_at          TEXT NOT NULL,
    handed_over_at      TEXT,
    -- 'handed' (WYDANO), 'activated' (the parent's AKTYWOWANO)
    handed_over_how     TEXT,
    -- 'parent' or 'student'
    handed_over_to      TEXT,
    -- Who recorded it: "mail:…", "cli:…".
    handed_over_by      TEXT,
    activated_at        TEXT,
    expired_at          TEXT,
    invalidated_at      TEXT,
    -- parent_request, name_change, card_invalid, transfer, objection
    invalidated_reason  TEXT,
    replaced_by         INTEGER REFERENCES codes(id)
);
CREATE INDEX codes_application ON codes(application_id, replaced_by);
-- The date rules' range queries: current codes by expiry.
CREATE INDEX codes_current_expiry ON codes(expires_at) WHERE replaced_by IS NULL;
INSERT INTO codes (application_id, code, qr_content, issued_at, expires_at, handed_over_at,
        handed_over_how, handed_over_to, handed_over_by, activated_at, expired_at)
    SELECT id, activation_code, qr_content, code_generated_at, code_expires_at, handed_over_at,
        CASE WHEN handed_over_at IS NULL THEN NULL
             WHEN handed_over_by = 'mail:parent' THEN 'activated' ELSE 'handed' END,
        CASE WHEN handed_over_at IS NULL THEN NULL
             WHEN code_to_student = 1 THEN 'student' ELSE 'parent' END,
        handed_over_by,
        CASE WHEN handed_over_by = 'mail:parent' THEN handed_over_at END,
        CASE WHEN status = 'expired' THEN code_expires_at END
    FROM applications
    WHERE activation_code IS NOT NULL AND code_generated_at IS NOT NULL
        AND code_expires_at IS NOT NULL;
-- The code columns now live in codes only.
DROP INDEX applications_code_expiry;
ALTER TABLE applications DROP COLUMN activation_code;
ALTER TABLE applications DROP COLUMN qr_content;
ALTER TABLE applications DROP COLUMN code_generated_at;
ALTER TABLE applications DROP COLUMN code_expires_at;
ALTER TABLE applications DROP COLUMN handed_over_at;
ALTER TABLE applications DROP COLUMN handed_over_by;
-- An application with its current code's dates, for the date rules and the
-- digest (the column names they had on applications).
CREATE VIEW application_codes AS
    SELECT a.*, c.id AS code_id, c.issued_at AS code_generated_at,
        c.expires_at AS code_expires_at
    FROM applications a
    LEFT JOIN codes c ON c.application_id = a.id AND c.replaced_by IS NULL;
"#,
    r#"
-- An invalidated application is closed, and a reissue is a new application
-- for the same student, linked both ways. The one open application per
-- student is the newest of a chain: an expired one that was reissued no
-- longer counts.
ALTER TABLE applications ADD COLUMN reissue_of INTEGER REFERENCES applications(id);
-- Set just before the reissue's row is inserted (so the old one no longer
-- counts as open), hence no REFERENCES.
ALTER TABLE applications ADD COLUMN reissued_as INTEGER;
DROP INDEX applications_open_pesel;
CREATE UNIQUE INDEX applications_open_pesel ON applications(pesel)
    WHERE status NOT IN ('handed_over', 'rejected', 'cancelled', 'invalidated')
        AND reissued_as IS NULL;
"#,
    r#"
-- The paper ID's validity date (its last sticker), when the school knows it,
-- and the yearly re-validation wave: one row per wave, one per application it
-- reissues. A member's state moves planned -> mailed in the transaction that
-- opens its reissue and queues the family's one mail, so a restart never
-- mails a family twice. Nothing personal is kept here: ids, dates, states.
ALTER TABLE applications ADD COLUMN valid_until TEXT;
CREATE TABLE waves (
    id          INTEGER PRIMARY KEY,
    -- The new validity date (YYYY-MM-DD) the wave reissues for.
    valid_until TEXT NOT NULL,
    -- The year the school year starts in: the daemon starts one a year.
    school_year INTEGER NOT NULL,
    started_at  TEXT NOT NULL,
    -- "cli:…" or "mleg" (started by revalidate_on).
    started_by  TEXT NOT NULL
);
CREATE TABLE wave_members (
    wave_id        INTEGER NOT NULL REFERENCES waves(id),
    application_id INTEGER NOT NULL REFERENCES applications(id),
    -- planned, mailed, skipped (an objection or a change since planning)
    state          TEXT NOT NULL DEFAULT 'planned',
    reissue_id     INTEGER,
    started_at     TEXT,
    PRIMARY KEY (wave_id, application_id)
);
CREATE INDEX wave_members_state ON wave_members(state, started_at);
"#,
    r#"
-- A photo is stored once: the secretary's notification refers to its
-- `photos` row and the bytes are read when it is sent, so a purge of the
-- photo removes what the outbox would have sent. `data` is kept for the
-- attachments that are no stored photo (the QR code, the hand-over slip).
CREATE TABLE outbox_attachments_new (
    id            INTEGER PRIMARY KEY,
    outbox_id     INTEGER NOT NULL REFERENCES outbox(id),
    file_name     TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    data          BLOB,
    photo_id      INTEGER REFERENCES photos(id) ON DELETE SET NULL
);
-- A queued copy that is the bytes of the photo it was made from (of its
-- application, or held with this notification) becomes a reference to it.
INSERT INTO outbox_attachments_new (id, outbox_id, file_name, content_type, data, photo_id)
    SELECT a.id, a.outbox_id, a.file_name, a.content_type,
        CASE WHEN s.photo_id IS NULL THEN a.data END, s.photo_id
    FROM outbox_attachments a
    LEFT JOIN (
        SELECT a2.id AS attachment_id, MIN(p.id) AS photo_id
        FROM outbox_attachments a2
        JOIN outbox o ON o.id = a2.outbox_id
        JOIN photos p ON p.data = a2.data
            AND (p.application_id = o.application_id OR p.held_notice = o.message_id)
        GROUP BY a2.id
    ) s ON s.attachment_id = a.id;
DROP TABLE outbox_attachments;
ALTER TABLE outbox_attachments_new RENAME TO outbox_attachments;
CREATE INDEX outbox_attachments_outbox ON outbox_attachments(outbox_id);
CREATE INDEX outbox_attachments_photo ON outbox_attachments(photo_id);
"#,
    r#"
-- A photo kept for a reissue where the school allows it ([retention]
-- photo_keep_days): its bytes outlive the purge at the code's recording
-- until this instant, then the retention rule deletes them. NULL: not kept.
ALTER TABLE photos ADD COLUMN kept_until TEXT;
"#,
    r#"
-- What the school knows of a student lives apart from each application:
-- a reissue or the wave opens a new application for the same student row,
-- and an import's change of name, class or parents is written once. One
-- student per PESEL among those not anonymised; an anonymised student keeps
-- a placeholder that names nobody.
CREATE TABLE students (
    id                  INTEGER PRIMARY KEY,
    pesel               TEXT NOT NULL,
    first_names         TEXT NOT NULL,
    last_name           TEXT NOT NULL,
    class               TEXT NOT NULL,
    legitymacja_number  TEXT,
    -- The paper ID's validity date (its last sticker), YYYY-MM-DD.
    valid_until         TEXT,
    -- The primary parent address (position 0 of student_parents).
    parent_email        TEXT NOT NULL,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    anonymised_at       TEXT
);
CREATE UNIQUE INDEX students_pesel ON students(pesel) WHERE anonymised_at IS NULL;
-- Every address that counts as a parent of the student; position 0 is
-- students.parent_email.
CREATE TABLE student_parents (
    student_id  INTEGER NOT NULL REFERENCES students(id),
    email       TEXT NOT NULL,
    position    INTEGER NOT NULL,
    PRIMARY KEY (student_id, email)
);
CREATE INDEX student_parents_email ON student_parents(email);
ALTER TABLE applications ADD COLUMN student_id INTEGER REFERENCES students(id);

-- One student per PESEL: the newest application's values win.
INSERT INTO students (pesel, first_names, last_name, class, legitymacja_number, valid_until,
        parent_email, created_at, updated_at)
    SELECT a.pesel, a.first_names, a.last_name, a.class, a.legitymacja_number, a.valid_until,
        a.parent_email,
        (SELECT MIN(b.created_at) FROM applications b
         WHERE b.pesel = a.pesel AND b.anonymised_at IS NULL),
        a.updated_at
    FROM applications a
    WHERE a.anonymised_at IS NULL
      AND a.id = (SELECT MAX(b.id) FROM applications b
                  WHERE b.pesel = a.pesel AND b.anonymised_at IS NULL);
-- An anonymised application keeps an anonymised student of its own.
INSERT INTO students (pesel, first_names, last_name, class, parent_email, created_at,
        updated_at, anonymised_at)
    SELECT 'anonymised:a' || id, '', '', '', '', created_at, updated_at, anonymised_at
    FROM applications WHERE anonymised_at IS NOT NULL;
UPDATE applications SET student_id = (SELECT s.id FROM students s WHERE
    (applications.anonymised_at IS NULL AND s.anonymised_at IS NULL
        AND s.pesel = applications.pesel)
    OR (applications.anonymised_at IS NOT NULL AND s.pesel = 'anonymised:a' || applications.id));
-- The newest application's parents, the primary address first.
INSERT OR IGNORE INTO student_parents (student_id, email, position)
    SELECT s.id, s.parent_email, 0 FROM students s WHERE s.anonymised_at IS NULL;
INSERT OR IGNORE INTO student_parents (student_id, email, position)
    SELECT a.student_id, p.email, p.position FROM application_parents p
    JOIN applications a ON a.id = p.application_id
    WHERE a.anonymised_at IS NULL
      AND a.id = (SELECT MAX(b.id) FROM applications b
                  WHERE b.student_id = a.student_id);

-- The student columns now live in students only (their indexes and the view
-- naming them go first, then come back on the new shape).
DROP INDEX applications_open_pesel;
DROP INDEX applications_parent_email;
DROP VIEW application_codes;
DROP TABLE application_parents;
ALTER TABLE applications DROP COLUMN first_names;
ALTER TABLE applications DROP COLUMN last_name;
ALTER TABLE applications DROP COLUMN pesel;
ALTER TABLE applications DROP COLUMN class;
ALTER TABLE applications DROP COLUMN parent_email;
ALTER TABLE applications DROP COLUMN legitymacja_number;
ALTER TABLE applications DROP COLUMN valid_until;
CREATE INDEX applications_student ON applications(student_id);
-- At most one open application per student ({closed}: the closed statuses,
-- built from domain::Status when the migration runs).
CREATE UNIQUE INDEX applications_open_student ON applications(student_id)
    WHERE status NOT IN ({closed}) AND reissued_as IS NULL AND anonymised_at IS NULL;
-- An application with its student, as the rest of the store reads it.
CREATE VIEW student_applications AS
    SELECT a.*, s.pesel, s.first_names, s.last_name, s.class, s.parent_email,
        s.legitymacja_number, s.valid_until
    FROM applications a JOIN students s ON s.id = a.student_id;
-- Each application's parent addresses: its student's.
CREATE VIEW application_parents AS
    SELECT a.id AS application_id, p.email, p.position
    FROM applications a JOIN student_parents p ON p.student_id = a.student_id;
CREATE VIEW application_codes AS
    SELECT a.*, c.id AS code_id, c.issued_at AS code_generated_at,
        c.expires_at AS code_expires_at
    FROM student_applications a
    LEFT JOIN codes c ON c.application_id = a.id AND c.replaced_by IS NULL;
"#,
];
