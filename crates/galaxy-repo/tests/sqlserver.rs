//! The SQL Server path without a SQL Server: the statements of both dialects as
//! reviewed snapshots (the T-SQL also goes through a T-SQL parser), and the
//! provider's behaviour against servers that refuse or never answer.
//!
//! Snapshots live in `tests/snapshots/<dialect>/<statement>.sql`; run with
//! `UPDATE_SNAPSHOTS=1` to rewrite them after an intended change, then review the diff.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use mxgateway_galaxy_repo::{
    Dialect, Error, GalaxyProvider, Queries, SqlServerConfig, SqlServerProvider,
};
use sqlparser::dialect::MsSqlDialect;
use sqlparser::parser::Parser;

fn statements(queries: &Queries) -> [(&'static str, &str); 5] {
    [
        ("test_connection", &queries.test_connection),
        ("last_deploy", &queries.last_deploy),
        ("objects", &queries.objects),
        ("template_chains", &queries.template_chains),
        ("attributes", &queries.attributes),
    ]
}

fn check_snapshots(dialect: Dialect, folder: &str) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(folder);
    let update = std::env::var_os("UPDATE_SNAPSHOTS").is_some();
    let queries = Queries::new(dialect);
    let mut stale = Vec::new();
    for (name, sql) in statements(&queries) {
        let path = dir.join(format!("{name}.sql"));
        let text = format!("{sql}\n");
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &text).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_default();
        if expected != text {
            stale.push(format!("{}:\n{text}", path.display()));
        }
    }
    assert!(
        stale.is_empty(),
        "SQL differs from the snapshots (UPDATE_SNAPSHOTS=1 rewrites them):\n{}",
        stale.join("\n")
    );
}

#[test]
fn sqlserver_statements_match_their_snapshots() {
    check_snapshots(Dialect::SqlServer, "sqlserver");
}

#[test]
fn sqlite_statements_match_their_snapshots() {
    check_snapshots(Dialect::Sqlite, "sqlite");
}

#[test]
fn sqlserver_statements_are_valid_t_sql() {
    let queries = Queries::new(Dialect::SqlServer);
    for (name, sql) in statements(&queries) {
        let parsed = Parser::parse_sql(&MsSqlDialect {}, sql)
            .unwrap_or_else(|e| panic!("{name} is not valid T-SQL: {e}\n{sql}"));
        assert_eq!(parsed.len(), 1, "{name} is one statement");
    }
}

#[test]
fn the_dialects_differ_only_where_t_sql_needs_it() {
    let sqlite = Queries::new(Dialect::Sqlite);
    let sqlserver = Queries::new(Dialect::SqlServer);
    for (name, sql) in statements(&sqlserver) {
        for sqlite_only in ["RECURSIVE", "||", "LIMIT", "INTEGER", "TRUE", "FALSE"] {
            assert!(!sql.contains(sqlite_only), "{name} contains {sqlite_only}");
        }
    }
    assert!(sqlserver
        .last_deploy
        .starts_with("SELECT TOP 1 CONVERT(varchar(33), "));
    assert!(sqlserver
        .attributes
        .contains("g.tag_name + '.' + r.attribute_name"));
    assert!(sqlite
        .attributes
        .contains("g.tag_name || '.' || r.attribute_name"));
    assert!(sqlite
        .template_chains
        .starts_with("WITH RECURSIVE template_chain"));
    assert!(sqlserver.template_chains.starts_with("WITH template_chain"));
    // Rendered back to SQLite spelling, the two dialects are the same text.
    let normalise = |sql: &str| {
        sql.replace("WITH RECURSIVE", "WITH")
            .replace(" || ", " + ")
            .replace("AS INTEGER)", "AS int)")
    };
    for ((name, a), (_, b)) in statements(&sqlite).into_iter().zip(statements(&sqlserver)) {
        if name != "last_deploy" {
            assert_eq!(normalise(a), b, "{name}");
        }
    }
}

fn provider(server: &str, extra: &str) -> SqlServerProvider {
    SqlServerProvider::new(&format!(
        "Server={server};Database=ZB;User ID=browse;Password=hunter2-secret;{extra}"
    ))
    .unwrap()
}

/// A server that accepts TCP connections and never says a word.
async fn silent_server() -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    (format!("tcp:127.0.0.1,{}", address.port()), task)
}

#[tokio::test]
async fn a_silent_server_is_a_connect_timeout_not_a_hang() {
    let (server, task) = silent_server().await;
    let provider = provider(&server, "Connect Timeout=1");
    for attempt in 0..3 {
        let started = Instant::now();
        let err = match attempt {
            0 => provider.test_connection().await.unwrap_err(),
            1 => provider.last_deploy_time().await.map(|_| ()).unwrap_err(),
            _ => provider.hierarchy().await.map(|_| ()).unwrap_err(),
        };
        let elapsed = started.elapsed();
        assert!(
            matches!(err, Error::ConnectTimeout { timeout, .. } if timeout == Duration::from_secs(1)),
            "{err:?}"
        );
        assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
        let message = err.to_string();
        assert!(message.contains("127.0.0.1:"), "{message}");
        assert!(message.contains("within 1s"), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
    }
    task.abort();
}

#[tokio::test]
async fn a_refused_connection_is_a_clear_error() {
    // Bind and drop a listener: its port is then (almost certainly) closed.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let provider = provider(&format!("127.0.0.1,{port}"), "Connect Timeout=5");
    let err = provider.test_connection().await.unwrap_err();
    assert!(matches!(err, Error::SqlServer { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains(&format!("127.0.0.1:{port}")), "{message}");
    assert!(!message.contains("hunter2"), "{message}");
    assert_eq!(provider.name(), "sqlserver");
}

#[test]
fn the_provider_keeps_its_config_and_never_shows_the_password() {
    let p = provider("tcp:grnode,1433", "");
    assert_eq!(p.config().host, "grnode");
    assert_eq!(p.queries().dialect, Dialect::SqlServer);
    let debug = format!("{p:?}");
    assert!(!debug.contains("hunter2"), "{debug}");
    let err = SqlServerProvider::new("Server=grnode;Password=hunter2").unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid SQL Server connection string: no credentials: set User ID and Password, \
         or Integrated Security=true (Windows only)"
    );
    assert!("Server=grnode;User=u;Password=p"
        .parse::<SqlServerConfig>()
        .is_ok());
}
