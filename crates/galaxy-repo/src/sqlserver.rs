//! The SQL Server provider: a real Galaxy Repository (ZB) queried with the SQL Server
//! dialect of the hierarchy query, over tiberius (TDS, rustls).
//!
//! Each operation opens its own connection and closes it: browses and deploy-time
//! polls are rare (seconds apart), and a fresh connection cannot be left half-read by
//! a timed-out query. Connecting (TCP, the SQL Server Browser for a named instance,
//! TLS, login) is bounded by the connection string's `Connect Timeout`; every server
//! response by its `Command Timeout`. So an unreachable or stalled server is a clear
//! error after a known time, never a hang.

use std::sync::Arc;

use futures::TryStreamExt;
use mxgateway_mx::Timestamp;
use tiberius::{Client, Row, SqlBrowser};
use tokio::net::TcpStream;
use tokio_util::compat::{Compat, TokioAsyncWriteCompatExt};

use crate::connstr::SqlServerConfig;
use crate::provider::GalaxyProvider;
use crate::query::{assemble, AttributeRow, ChainRow, Dialect, ObjectRow, Queries};
use crate::types::Hierarchy;
use crate::{time, Error};

/// Browses re-read when a deploy lands between their first and last statement.
const CONSISTENT_READ_ATTEMPTS: usize = 3;

type Connection = Client<Compat<TcpStream>>;

/// A Galaxy Repository on SQL Server. Cloning is cheap.
#[derive(Debug, Clone)]
pub struct SqlServerProvider {
    config: Arc<SqlServerConfig>,
    queries: Arc<Queries>,
}

impl SqlServerProvider {
    /// Parses and validates an ADO.NET connection string (see [`SqlServerConfig`]).
    /// Nothing connects until the first operation.
    pub fn new(connection_string: &str) -> Result<SqlServerProvider, Error> {
        Ok(Self::from_config(SqlServerConfig::parse(
            connection_string,
        )?))
    }

    pub fn from_config(config: SqlServerConfig) -> SqlServerProvider {
        SqlServerProvider {
            config: Arc::new(config),
            queries: Arc::new(Queries::new(Dialect::SqlServer)),
        }
    }

    pub fn config(&self) -> &SqlServerConfig {
        &self.config
    }

    /// The statements this provider runs.
    pub fn queries(&self) -> &Queries {
        &self.queries
    }

    fn address(&self) -> String {
        self.config.address()
    }

    fn driver_error(&self, source: tiberius::error::Error) -> Error {
        match source {
            tiberius::error::Error::Io {
                kind: std::io::ErrorKind::TimedOut,
                ..
            } => Error::CommandTimeout {
                address: self.address(),
                timeout: self.config.command_timeout,
            },
            source => Error::SqlServer {
                address: self.address(),
                source,
            },
        }
    }

    /// Connects and logs in, following one routing redirect, within the connect
    /// timeout.
    async fn connect(&self) -> Result<Connection, Error> {
        let timeout = self.config.connect_timeout;
        let attempt = async {
            let mut config = self.config.to_tiberius();
            let tcp = TcpStream::connect_named(&config).await?;
            tcp.set_nodelay(true)?;
            match Client::connect(config.clone(), tcp.compat_write()).await {
                Err(tiberius::error::Error::Routing { host, port }) => {
                    tracing::debug!(%host, port, "SQL Server redirected the connection");
                    config.host(&host);
                    config.port(port);
                    let tcp = TcpStream::connect(config.get_addr()).await?;
                    tcp.set_nodelay(true)?;
                    Client::connect(config, tcp.compat_write()).await
                }
                other => other,
            }
        };
        match tokio::time::timeout(timeout, attempt).await {
            Err(_) => Err(Error::ConnectTimeout {
                address: self.address(),
                timeout,
            }),
            Ok(Err(source)) => Err(match source {
                tiberius::error::Error::Io {
                    kind: std::io::ErrorKind::TimedOut,
                    ..
                } => Error::ConnectTimeout {
                    address: self.address(),
                    timeout,
                },
                source => Error::SqlServer {
                    address: self.address(),
                    source,
                },
            }),
            Ok(Ok(client)) => Ok(client),
        }
    }

    /// Runs `sql` and maps every row (rows are streamed, not buffered by the driver).
    async fn rows<T>(
        &self,
        conn: &mut Connection,
        sql: &str,
        mut map: impl FnMut(&Row) -> Result<T, Error>,
    ) -> Result<Vec<T>, Error> {
        let mut stream = conn
            .simple_query(sql)
            .await
            .map_err(|e| self.driver_error(e))?
            .into_row_stream();
        let mut out = Vec::new();
        while let Some(row) = stream.try_next().await.map_err(|e| self.driver_error(e))? {
            out.push(map(&row)?);
        }
        Ok(out)
    }

    async fn read_last_deploy(&self, conn: &mut Connection) -> Result<Option<Timestamp>, Error> {
        let texts = self
            .rows(conn, &self.queries.last_deploy, |row| {
                Ok(opt_text(row, 0, "time_of_last_deploy")?.map(str::to_string))
            })
            .await?;
        match texts.into_iter().next().flatten() {
            None => Ok(None),
            Some(text) => time::parse(&text)
                .map(Some)
                .ok_or_else(|| Error::Data(format!("time_of_last_deploy {text:?} is not a time"))),
        }
    }

    async fn read_hierarchy(&self, conn: &mut Connection) -> Result<Hierarchy, Error> {
        let q = Arc::clone(&self.queries);
        let objects = self
            .rows(conn, &q.objects, |row| {
                Ok(ObjectRow {
                    gobject_id: int(row, 0, "gobject_id")?,
                    tag_name: text(row, 1, "tag_name")?,
                    contained_name: text(row, 2, "contained_name")?,
                    hierarchical_name: text(row, 3, "hierarchical_name")?,
                    browse_name: text(row, 4, "browse_name")?,
                    parent_gobject_id: int(row, 5, "parent_gobject_id")?,
                    parent_tag_name: text(row, 6, "parent_tag_name")?,
                    area_tag_name: text(row, 7, "area_tag_name")?,
                    category_id: int(row, 8, "category_id")?,
                })
            })
            .await?;
        let chains = self
            .rows(conn, &q.template_chains, |row| {
                Ok(ChainRow {
                    gobject_id: int(row, 0, "gobject_id")?,
                    depth: int(row, 1, "depth")?,
                    template_tag_name: text(row, 2, "template_tag_name")?,
                })
            })
            .await?;
        let attributes = self
            .rows(conn, &q.attributes, |row| {
                Ok(AttributeRow {
                    gobject_id: int(row, 0, "gobject_id")?,
                    attribute_name: text(row, 1, "attribute_name")?,
                    full_tag_reference: text(row, 2, "full_tag_reference")?,
                    mx_data_type: int(row, 3, "mx_data_type")?,
                    is_array: int(row, 4, "is_array")? != 0,
                    security_classification: int(row, 5, "security_classification")?,
                    is_alarm: int(row, 6, "is_alarm")? != 0,
                    is_historized: int(row, 7, "is_historized")? != 0,
                })
            })
            .await?;
        Ok(Hierarchy {
            time_of_last_deploy: None,
            objects: assemble(objects, chains, attributes),
        })
    }
}

impl GalaxyProvider for SqlServerProvider {
    fn name(&self) -> &'static str {
        crate::SQLSERVER_PROVIDER
    }

    async fn test_connection(&self) -> Result<(), Error> {
        let mut conn = self.connect().await?;
        self.rows(&mut conn, &self.queries.test_connection, |row| {
            int(row, 0, "1")
        })
        .await?;
        Ok(())
    }

    async fn last_deploy_time(&self) -> Result<Option<Timestamp>, Error> {
        let mut conn = self.connect().await?;
        self.read_last_deploy(&mut conn).await
    }

    /// Reads the deploy time before and after the browse and starts again (a few
    /// times at most) when a deploy landed in between, so the time returned belongs
    /// to the objects returned.
    async fn hierarchy(&self) -> Result<Hierarchy, Error> {
        let mut conn = self.connect().await?;
        let mut before = self.read_last_deploy(&mut conn).await?;
        let mut attempt = 1;
        loop {
            let mut hierarchy = self.read_hierarchy(&mut conn).await?;
            let after = self.read_last_deploy(&mut conn).await?;
            if after == before || attempt == CONSISTENT_READ_ATTEMPTS {
                // Under constant redeploys the last read is kept, labelled with the
                // earlier time so that the next refresh reloads it.
                hierarchy.time_of_last_deploy = before;
                return Ok(hierarchy);
            }
            tracing::debug!(attempt, "a deploy landed during the browse; reading again");
            before = after;
            attempt += 1;
        }
    }
}

fn int(row: &Row, index: usize, column: &str) -> Result<i32, Error> {
    row.try_get::<i32, _>(index)
        .map_err(|e| Error::Data(format!("column {column}: {e}")))?
        .ok_or_else(|| Error::Data(format!("column {column} is NULL")))
}

fn opt_text<'a>(row: &'a Row, index: usize, column: &str) -> Result<Option<&'a str>, Error> {
    row.try_get::<&str, _>(index)
        .map_err(|e| Error::Data(format!("column {column}: {e}")))
}

fn text(row: &Row, index: usize, column: &str) -> Result<String, Error> {
    Ok(opt_text(row, index, column)?
        .unwrap_or_default()
        .to_string())
}
