//! The embedded store: one SQLite file holding applications, their history,
//! the photos, the record of handled mail and the outbox.
//!
//! Everything a decision changes is written in one transaction with the mails
//! it causes (see [`outbox`]), which is what makes a crash at any instant safe:
//! either the state moved *and* the mails are queued, or neither happened.
//! The file is created with mode 0600 because it holds children's data, and
//! `secure_delete` is on so purged photos are overwritten, not just unlinked.

pub mod alerts;
pub mod apps;
pub mod auto_replies;
pub mod bounces;
pub mod dates;
pub mod delivery;
pub mod digest;
pub mod file;
pub mod health;
pub mod held;
pub mod inbox;
pub mod kept_photos;
pub mod lifecycle;
mod name_keys;
pub mod outbox;
pub mod probe;
pub mod purges;
pub mod requests;
pub mod retention;
mod schema;
pub mod stuck;
pub mod students;
pub mod tokens;
pub mod wave;

use std::path::Path;

use chrono::{DateTime, Utc};
use rusqlite::Connection;

/// Why a store operation failed.
///
/// The cause is part of each message and deliberately not a `source()`:
/// `mleg: {e:#}` prints the whole chain, and would say it twice.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Sqlite(rusqlite::Error),
    #[error("cannot create or open {path}: {cause}")]
    File { path: String, cause: std::io::Error },
    #[error("the database holds a value it cannot read back ({0}); was it edited by hand?")]
    Corrupt(String),
    #[error("{0}")]
    Conflict(String),
    #[error("no application {0}")]
    NotFound(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Sqlite(e)
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// An open database.
pub struct Store {
    conn: Connection,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store")
    }
}

impl Store {
    /// Opens (creating if needed, mode 0600) and migrates the database.
    pub fn open(path: &Path) -> Result<Store> {
        file::private_file(path)?;
        // NOFOLLOW too: the file checked above is the one SQLite opens.
        let flags = rusqlite::OpenFlags::default() | rusqlite::OpenFlags::SQLITE_OPEN_NOFOLLOW;
        let conn = Connection::open_with_flags(path, flags)?;
        Store::init(conn)
    }

    /// Opens an existing, fully migrated database for reading only (`mleg
    /// tick`'s dry run): SQLite refuses every write on this connection.
    pub fn open_read_only(path: &Path) -> Result<Store> {
        use rusqlite::OpenFlags;
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NOFOLLOW
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| StoreError::File {
            path: path.display().to_string(),
            cause: std::io::Error::other(e.to_string()),
        })?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        let store = Store { conn };
        let (done, known) = store.schema_version()?;
        if done != known as i64 {
            return Err(StoreError::Conflict(format!(
                "the database has {done} of this mleg's {known} migrations; run `mleg check` first"
            )));
        }
        Ok(store)
    }

    /// A throw-away database, for unit tests.
    pub fn open_in_memory() -> Result<Store> {
        Store::init(Connection::open_in_memory()?)
    }

    fn init(mut conn: Connection) -> Result<Store> {
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        // WAL lets the secretary's CLI write while the daemon reads.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // Every commit waits for the disk unless it says otherwise
        // ([`Store::transaction_unsynced`]): a mail recorded as handled must
        // survive a power cut before intake moves it on the IMAP server.
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "secure_delete", "ON")?;
        migrate(&mut conn)?;
        let mut store = Store { conn };
        // Applications registered before the name keys existed get theirs
        // once; the folding is Rust's, so a SQL migration cannot do it.
        store.transaction(apps::key_unkeyed)?;
        Ok(store)
    }

    /// Runs `f` in one transaction; commits only if it returns Ok.
    ///
    /// `f` gets a [`Tx`] on the open transaction: every store function it
    /// calls with that handle is part of the same commit (state + outbox).
    pub fn transaction<T, E: From<StoreError>>(
        &mut self,
        f: impl FnOnce(Tx<'_>) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(StoreError::from)?;
        let value = f(Tx { conn: &tx })?;
        tx.commit().map_err(StoreError::from)?;
        Ok(value)
    }

    /// [`Store::transaction`] whose commit does not wait for the disk
    /// (`synchronous = NORMAL`), for the outbox's `sending` and `sent` marks.
    ///
    /// In WAL mode the commit is still written to the log before this
    /// returns: a killed process loses nothing, only a power cut can lose
    /// it, and never half of it. The next fully synced commit makes it
    /// durable too (the log is written in order). Losing such a mark only
    /// sends the mail again with the same Message-ID, which mail clients
    /// show as one message, whereas waiting for the disk between the
    /// server's `250` and the `sent` mark widens the window in which a kill
    /// makes that re-send happen.
    pub fn transaction_unsynced<T, E: From<StoreError>>(
        &mut self,
        f: impl FnOnce(Tx<'_>) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        self.conn
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(StoreError::from)?;
        let result = self.transaction(f);
        // Restored whatever `f` did: every other commit stays synced.
        let restored = self.conn.pragma_update(None, "synchronous", "FULL");
        let value = result?;
        restored.map_err(StoreError::from)?;
        Ok(value)
    }

    /// (migrations applied, migrations this build knows), for `mleg check`.
    pub fn schema_version(&self) -> Result<(i64, usize)> {
        let done: i64 = self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?;
        Ok((done, schema::MIGRATIONS.len()))
    }

    /// A handle for reads (and the single-statement writes of the workers,
    /// which commit on their own), outside any transaction.
    pub fn conn(&self) -> Tx<'_> {
        Tx { conn: &self.conn }
    }
}

/// The narrow door to the database: a handle on the open connection, either
/// inside [`Store::transaction`] or from [`Store::conn`].
///
/// Code outside `store/` can only pass it to the store's functions
/// (`apps::set_status`, `apps::add_event`, `lifecycle::audit`,
/// `outbox::enqueue`, `lifecycle::purge_photos`, …): the SQL methods below are
/// visible inside `store/` only, so SQL and rusqlite stay here. It is `Copy`
/// (one reference) so it is passed by value like the `&Connection` it wraps;
/// on purpose it does not `Deref` to the connection.
#[derive(Clone, Copy)]
pub struct Tx<'a> {
    conn: &'a Connection,
}

impl std::fmt::Debug for Tx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tx")
    }
}

impl<'a> Tx<'a> {
    pub(in crate::store) fn execute<P: rusqlite::Params>(
        &self,
        sql: &str,
        params: P,
    ) -> rusqlite::Result<usize> {
        self.conn.execute(sql, params)
    }

    pub(in crate::store) fn query_row<T, P, F>(
        &self,
        sql: &str,
        params: P,
        f: F,
    ) -> rusqlite::Result<T>
    where
        P: rusqlite::Params,
        F: FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    {
        self.conn.query_row(sql, params, f)
    }

    pub(in crate::store) fn prepare(&self, sql: &str) -> rusqlite::Result<rusqlite::Statement<'a>> {
        self.conn.prepare(sql)
    }

    pub(in crate::store) fn prepare_cached(
        &self,
        sql: &str,
    ) -> rusqlite::Result<rusqlite::CachedStatement<'a>> {
        self.conn.prepare_cached(sql)
    }

    pub(in crate::store) fn last_insert_rowid(&self) -> i64 {
        self.conn.last_insert_rowid()
    }
}

fn migrate(conn: &mut Connection) -> Result<()> {
    let done: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    for (i, sql) in schema::MIGRATIONS
        .iter()
        .enumerate()
        .skip(done.max(0) as usize)
    {
        let tx = conn.transaction()?;
        // A status set in a migration is the one `domain::Status` has now.
        tx.execute_batch(&sql.replace("{closed}", &statuses(crate::domain::Status::is_closed)))?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

/// The SQL list (`'a', 'b'`) of the statuses in a set of `Status` (e.g.
/// `Status::is_closed`): each set is written once, in Rust.
pub(crate) fn statuses(is_in: fn(crate::domain::Status) -> bool) -> String {
    crate::domain::Status::all_where(is_in)
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One status as an SQL literal (`'code_ready'`), for a query about that
/// state alone; a set goes through [`statuses`]. Never spelt by hand, so a
/// renamed status cannot leave a query behind.
pub(crate) fn status_sql(s: crate::domain::Status) -> String {
    format!("'{}'", s.as_str())
}

/// Timestamps are stored as RFC 3339 text in UTC: readable in the sqlite3
/// shell and sortable as text.
pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub fn parse_ts(s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| StoreError::Corrupt(format!("timestamp {s:?}")))
}

#[cfg(test)]
mod codes_tests;
#[cfg(test)]
mod name_keys_tests;
#[cfg(test)]
mod photo_copy_tests;
#[cfg(test)]
mod students_tests;
#[cfg(test)]
mod tests;
