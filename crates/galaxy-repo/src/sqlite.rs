//! The embedded provider: a SQLite copy of the simulated galaxy in ZB shape, queried
//! with the SQLite dialect of the hierarchy query.
//!
//! rusqlite is synchronous, so every query runs on tokio's blocking pool. The
//! connection sits behind a mutex; [`SqliteProvider::rebuild`] builds the new database
//! off the lock and swaps it in, so a browse reads either the old galaxy or the new
//! one, never a mix.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use mxgateway_mx::Timestamp;
use mxgateway_sim::GalaxyModel;
use rusqlite::{Connection, Row};

use crate::populate::build_sqlite;
use crate::provider::GalaxyProvider;
use crate::query::{assemble, AttributeRow, ChainRow, Dialect, ObjectRow, Queries};
use crate::types::Hierarchy;
use crate::{time, Error};

/// The embedded Galaxy Repository. Cloning is cheap; clones share one database.
#[derive(Clone)]
pub struct SqliteProvider {
    db: Arc<Mutex<Connection>>,
    queries: Arc<Queries>,
}

impl std::fmt::Debug for SqliteProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteProvider").finish_non_exhaustive()
    }
}

impl SqliteProvider {
    /// Builds the database of `model` in memory. Synchronous: it takes about as long
    /// as compiling the model in the simulator, so call it from a blocking context
    /// for very large galaxies.
    pub fn new(
        model: &GalaxyModel,
        time_of_last_deploy: Option<Timestamp>,
    ) -> Result<SqliteProvider, Error> {
        Ok(Self::from_connection(build_sqlite(
            model,
            time_of_last_deploy,
        )?))
    }

    /// Serves an existing ZB-shaped database (e.g. one written by
    /// [`crate::write_galaxy`] to a file, or adjusted by a test).
    pub fn from_connection(conn: Connection) -> SqliteProvider {
        SqliteProvider {
            db: Arc::new(Mutex::new(conn)),
            queries: Arc::new(Queries::new(Dialect::Sqlite)),
        }
    }

    /// Replaces the database with one built from `model`, deployed at
    /// `time_of_last_deploy` (a deploy). The build runs on the blocking pool and
    /// the swap is atomic for readers; on error the old database stays.
    pub async fn rebuild(
        &self,
        model: Arc<GalaxyModel>,
        time_of_last_deploy: Timestamp,
    ) -> Result<(), Error> {
        let db = Arc::clone(&self.db);
        run_blocking(move || {
            let fresh = build_sqlite(&model, Some(time_of_last_deploy))?;
            *lock(&db) = fresh;
            Ok(())
        })
        .await
    }

    /// Runs `f` on the connection on the blocking pool.
    async fn with_db<T, F>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, &Queries) -> Result<T, Error> + Send + 'static,
    {
        let db = Arc::clone(&self.db);
        let queries = Arc::clone(&self.queries);
        run_blocking(move || f(&lock(&db), &queries)).await
    }
}

impl GalaxyProvider for SqliteProvider {
    fn name(&self) -> &'static str {
        crate::SQLITE_PROVIDER
    }

    async fn test_connection(&self) -> Result<(), Error> {
        self.with_db(|conn, q| {
            conn.query_row(&q.test_connection, [], |row| row.get::<_, i64>(0))?;
            Ok(())
        })
        .await
    }

    async fn last_deploy_time(&self) -> Result<Option<Timestamp>, Error> {
        self.with_db(read_last_deploy).await
    }

    async fn hierarchy(&self) -> Result<Hierarchy, Error> {
        self.with_db(read_hierarchy).await
    }
}

/// Runs a closure on tokio's blocking pool, mapping a panic to [`Error::Task`].
async fn run_blocking<T, F>(f: F) -> Result<T, Error>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, Error> + Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Task(e.to_string()))?
}

/// A poisoned lock only means a query panicked; the connection itself is intact.
fn lock(db: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    db.lock().unwrap_or_else(PoisonError::into_inner)
}

fn read_last_deploy(conn: &Connection, q: &Queries) -> Result<Option<Timestamp>, Error> {
    let mut stmt = conn.prepare_cached(&q.last_deploy)?;
    let mut rows = stmt.query([])?;
    let Some(row) = rows.next()? else {
        return Ok(None);
    };
    match row.get::<_, Option<String>>(0)? {
        None => Ok(None),
        Some(text) => time::parse(&text)
            .map(Some)
            .ok_or_else(|| Error::Data(format!("time_of_last_deploy {text:?} is not a time"))),
    }
}

/// One consistent read: the caller holds the connection for all four statements.
fn read_hierarchy(conn: &Connection, q: &Queries) -> Result<Hierarchy, Error> {
    let time_of_last_deploy = read_last_deploy(conn, q)?;
    let objects = collect(conn, &q.objects, |row| {
        Ok(ObjectRow {
            gobject_id: row.get(0)?,
            tag_name: row.get(1)?,
            contained_name: row.get(2)?,
            hierarchical_name: row.get(3)?,
            browse_name: row.get(4)?,
            parent_gobject_id: row.get(5)?,
            parent_tag_name: row.get(6)?,
            area_tag_name: row.get(7)?,
            category_id: row.get(8)?,
        })
    })?;
    let chains = collect(conn, &q.template_chains, |row| {
        Ok(ChainRow {
            gobject_id: row.get(0)?,
            depth: row.get(1)?,
            template_tag_name: row.get(2)?,
        })
    })?;
    let attributes = collect(conn, &q.attributes, |row| {
        Ok(AttributeRow {
            gobject_id: row.get(0)?,
            attribute_name: row.get(1)?,
            full_tag_reference: row.get(2)?,
            mx_data_type: row.get(3)?,
            is_array: row.get::<_, i32>(4)? != 0,
            security_classification: row.get(5)?,
            is_alarm: row.get::<_, i32>(6)? != 0,
            is_historized: row.get::<_, i32>(7)? != 0,
        })
    })?;
    Ok(Hierarchy {
        time_of_last_deploy,
        objects: assemble(objects, chains, attributes),
    })
}

fn collect<T>(
    conn: &Connection,
    sql: &str,
    map: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>, Error> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([], map)?;
    Ok(rows.collect::<rusqlite::Result<Vec<T>>>()?)
}
