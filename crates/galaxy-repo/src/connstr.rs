//! ADO.NET-style SQL Server connection strings, parsed into a validated
//! [`SqlServerConfig`].
//!
//! The syntax is ADO.NET's: `key=value` pairs separated by `;`; keys are
//! case-insensitive and may use the usual synonyms (`Server`/`Data Source`,
//! `Database`/`Initial Catalog`, `User ID`/`UID`, ...); a value holding `;` or
//! leading/trailing spaces is quoted with `'` or `"`, a quote inside doubled. Keys this
//! gateway does not understand are errors, so typos do not go unnoticed; a handful of
//! ADO.NET pooling and session keys are accepted and ignored (see [`IGNORED_KEYS`]).
//!
//! Only TCP is supported (`Server=tcp:host,port`, `host,port`, `host\INSTANCE` through
//! the SQL Server Browser). Authentication is SQL Server (`User ID` and `Password`) or,
//! when the gateway runs on Windows, `Integrated Security=true` (how System Platform
//! tools usually reach ZB). TLS is required by default (`Encrypt=true`), and the
//! server certificate is verified against the system roots unless
//! `TrustServerCertificate=true` or `TrustServerCertificateCA=<pem file>` says
//! otherwise. Timeouts default to ADO.NET's (15 s to connect, 30 s per query) and
//! cannot be infinite: a repository that does not answer fails instead of hanging.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use crate::error::ConnectionStringError as E;

/// Default `Connect Timeout` (ADO.NET's): TCP, TLS and login together.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// Default `Command Timeout` (ADO.NET's): the longest wait for one server response.
pub const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest timeout a connection string may ask for, in seconds.
pub const MAX_TIMEOUT_SECONDS: u64 = 3600;
/// The application name reported to SQL Server unless `Application Name` is given.
pub const DEFAULT_APPLICATION_NAME: &str = "mxgateway";

/// ADO.NET keys that are accepted and have no effect here (connection pooling and
/// session options of SqlClient).
pub const IGNORED_KEYS: [&str; 12] = [
    "persist security info",
    "pooling",
    "max pool size",
    "min pool size",
    "connection lifetime",
    "load balance timeout",
    "multipleactiveresultsets",
    "connect retry count",
    "connect retry interval",
    "current language",
    "enlist",
    "pool blocking period",
];

/// A validated SQL Server connection configuration.
#[derive(Clone, PartialEq, Eq)]
pub struct SqlServerConfig {
    pub host: String,
    /// `None`: 1433, or the SQL Server Browser's answer for a named instance.
    pub port: Option<u16>,
    pub instance: Option<String>,
    /// The Galaxy Repository database (named after the galaxy); `None` uses the
    /// login's default database.
    pub database: Option<String>,
    pub auth: SqlServerAuth,
    pub encrypt: Encrypt,
    pub trust_server_certificate: bool,
    pub trust_server_certificate_ca: Option<PathBuf>,
    pub host_name_in_certificate: Option<String>,
    pub application_name: String,
    pub workstation_id: Option<String>,
    pub connect_timeout: Duration,
    pub command_timeout: Duration,
    /// `ApplicationIntent=ReadOnly`.
    pub read_only_intent: bool,
    pub multi_subnet_failover: bool,
    pub packet_size: Option<u32>,
}

/// How to log in.
#[derive(Clone, PartialEq, Eq)]
pub enum SqlServerAuth {
    /// SQL Server authentication.
    SqlServer { user: String, password: String },
    /// The gateway's Windows identity (Windows only).
    Integrated,
}

/// `Encrypt=`: how much of the connection TLS protects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encrypt {
    /// `false`/`optional`: only the login is encrypted.
    Optional,
    /// `true`/`mandatory` (the default): everything, or no connection.
    Mandatory,
    /// `strict`: TDS 8.0, TLS before anything else.
    Strict,
}

impl std::fmt::Debug for SqlServerAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SqlServerAuth::SqlServer { user, .. } => f
                .debug_struct("SqlServer")
                .field("user", user)
                .field("password", &"<redacted>")
                .finish(),
            SqlServerAuth::Integrated => f.write_str("Integrated"),
        }
    }
}

impl std::fmt::Debug for SqlServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Every field but the password (redacted by `SqlServerAuth`).
        f.debug_struct("SqlServerConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("instance", &self.instance)
            .field("database", &self.database)
            .field("auth", &self.auth)
            .field("encrypt", &self.encrypt)
            .field("trust_server_certificate", &self.trust_server_certificate)
            .field(
                "trust_server_certificate_ca",
                &self.trust_server_certificate_ca,
            )
            .field("host_name_in_certificate", &self.host_name_in_certificate)
            .field("application_name", &self.application_name)
            .field("workstation_id", &self.workstation_id)
            .field("connect_timeout", &self.connect_timeout)
            .field("command_timeout", &self.command_timeout)
            .field("read_only_intent", &self.read_only_intent)
            .field("multi_subnet_failover", &self.multi_subnet_failover)
            .field("packet_size", &self.packet_size)
            .finish()
    }
}

impl SqlServerConfig {
    /// Parses and validates an ADO.NET connection string.
    pub fn parse(connection_string: &str) -> Result<SqlServerConfig, E> {
        let pairs = split_pairs(connection_string)?;
        if pairs.is_empty() {
            return Err(E::Empty);
        }
        let mut settings = Settings::default();
        for (key, value) in pairs {
            settings.set(&key, value)?;
        }
        settings.finish()
    }

    /// `host:port`, or `host\instance`, for messages.
    pub fn address(&self) -> String {
        match (&self.instance, self.port) {
            (_, Some(port)) => format!("{}:{port}", self.host),
            (Some(instance), None) => format!("{}\\{instance}", self.host),
            (None, None) => format!("{}:1433", self.host),
        }
    }

    /// The driver's configuration.
    pub(crate) fn to_tiberius(&self) -> tiberius::Config {
        let mut c = tiberius::Config::new();
        c.host(&self.host);
        if let Some(port) = self.port {
            c.port(port);
        }
        if let Some(instance) = &self.instance {
            c.instance_name(instance);
        }
        if let Some(database) = &self.database {
            c.database(database);
        }
        c.application_name(&self.application_name);
        if let Some(workstation) = &self.workstation_id {
            c.client_name(workstation);
        }
        c.encryption(match self.encrypt {
            Encrypt::Optional => tiberius::EncryptionLevel::Off,
            Encrypt::Mandatory => tiberius::EncryptionLevel::Required,
            Encrypt::Strict => tiberius::EncryptionLevel::Strict,
        });
        if self.trust_server_certificate {
            c.trust_cert();
        } else if let Some(ca) = &self.trust_server_certificate_ca {
            c.trust_cert_ca(ca.display());
        }
        if let Some(name) = &self.host_name_in_certificate {
            c.hostname_in_certificate(name);
        }
        match &self.auth {
            SqlServerAuth::SqlServer { user, password } => {
                c.authentication(tiberius::AuthMethod::sql_server(user, password));
            }
            #[cfg(windows)]
            SqlServerAuth::Integrated => c.authentication(tiberius::AuthMethod::Integrated),
            // `parse` refuses integrated security off Windows; a config built by hand
            // fails at login instead.
            #[cfg(not(windows))]
            SqlServerAuth::Integrated => {}
        }
        c.handshake_timeout(Some(self.connect_timeout));
        c.command_timeout(Some(self.command_timeout));
        c.readonly(self.read_only_intent);
        c.multi_subnet_failover(self.multi_subnet_failover);
        if let Some(size) = self.packet_size {
            c.packet_size(size);
        }
        c
    }
}

impl FromStr for SqlServerConfig {
    type Err = E;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SqlServerConfig::parse(s)
    }
}

// === parsing ===

/// Splits `key=value;...` into lower-cased, space-normalised keys and unquoted values.
fn split_pairs(s: &str) -> Result<Vec<(String, String)>, E> {
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let mut pairs = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        // Key: up to '='.
        let start = i;
        while i < chars.len() && chars[i].1 != '=' && chars[i].1 != ';' {
            i += 1;
        }
        let raw_key: String = chars[start..i].iter().map(|(_, c)| c).collect();
        if i == chars.len() || chars[i].1 == ';' {
            if !raw_key.trim().is_empty() {
                return Err(E::Syntax {
                    position: chars[start].0,
                    reason: "a key without '=' and a value",
                });
            }
            i += 1; // an empty pair (`;;` or a trailing `;`)
            continue;
        }
        let key = normalize_key(&raw_key);
        if key.is_empty() {
            return Err(E::Syntax {
                position: chars[start].0,
                reason: "an empty key",
            });
        }
        i += 1; // '='
        while i < chars.len() && chars[i].1.is_whitespace() {
            i += 1;
        }
        let value = match chars.get(i).map(|&(_, c)| c) {
            Some(quote @ ('\'' | '"')) => {
                let open = chars[i].0;
                i += 1;
                let mut value = String::new();
                loop {
                    match chars.get(i).map(|&(_, c)| c) {
                        None => {
                            return Err(E::Syntax {
                                position: open,
                                reason: "an unterminated quoted value",
                            })
                        }
                        Some(c) if c == quote => {
                            if chars.get(i + 1).map(|&(_, c)| c) == Some(quote) {
                                value.push(quote);
                                i += 2;
                            } else {
                                i += 1;
                                break;
                            }
                        }
                        Some(c) => {
                            value.push(c);
                            i += 1;
                        }
                    }
                }
                while i < chars.len() && chars[i].1.is_whitespace() {
                    i += 1;
                }
                if i < chars.len() && chars[i].1 != ';' {
                    return Err(E::Syntax {
                        position: chars[i].0,
                        reason: "text after a quoted value",
                    });
                }
                value
            }
            _ => {
                let value_start = i;
                while i < chars.len() && chars[i].1 != ';' {
                    i += 1;
                }
                chars[value_start..i]
                    .iter()
                    .map(|(_, c)| c)
                    .collect::<String>()
                    .trim_end()
                    .to_string()
            }
        };
        i += 1; // ';'
        pairs.push((key, value));
    }
    Ok(pairs)
}

/// Lower-cases a key and collapses runs of whitespace to one space.
fn normalize_key(raw: &str) -> String {
    raw.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The canonical name of every understood key, by synonym.
fn canonical(key: &str) -> Option<&'static str> {
    Some(match key {
        "server" | "data source" | "address" | "addr" | "network address" => "Server",
        "database" | "initial catalog" => "Database",
        "user id" | "uid" | "user" | "username" => "User ID",
        "password" | "pwd" => "Password",
        "integrated security" | "trusted_connection" => "Integrated Security",
        "encrypt" => "Encrypt",
        "trustservercertificate" | "trust server certificate" => "TrustServerCertificate",
        "trustservercertificateca" => "TrustServerCertificateCA",
        "hostnameincertificate" | "host name in certificate" => "HostNameInCertificate",
        "application name" | "app" | "applicationname" => "Application Name",
        "workstation id" | "wsid" | "workstationid" => "Workstation ID",
        "connect timeout" | "connection timeout" | "timeout" => "Connect Timeout",
        "command timeout" => "Command Timeout",
        "applicationintent" | "application intent" => "ApplicationIntent",
        "multisubnetfailover" | "multi subnet failover" => "MultiSubnetFailover",
        "packet size" => "Packet Size",
        _ => return None,
    })
}

#[derive(Default)]
struct Settings {
    seen: Vec<&'static str>,
    server: Option<String>,
    database: Option<String>,
    user: Option<String>,
    password: Option<String>,
    integrated: Option<bool>,
    encrypt: Option<Encrypt>,
    trust_server_certificate: Option<bool>,
    trust_server_certificate_ca: Option<PathBuf>,
    host_name_in_certificate: Option<String>,
    application_name: Option<String>,
    workstation_id: Option<String>,
    connect_timeout: Option<Duration>,
    command_timeout: Option<Duration>,
    read_only_intent: Option<bool>,
    multi_subnet_failover: Option<bool>,
    packet_size: Option<u32>,
}

impl Settings {
    fn set(&mut self, key: &str, value: String) -> Result<(), E> {
        let Some(name) = canonical(key) else {
            if IGNORED_KEYS.contains(&key) || IGNORED_KEYS.contains(&key.replace(' ', "").as_str())
            {
                tracing::debug!(key, "connection string key ignored");
                return Ok(());
            }
            return Err(E::UnknownKey { key: key.into() });
        };
        if self.seen.contains(&name) {
            return Err(E::DuplicateKey { key: name.into() });
        }
        self.seen.push(name);
        let text = |value: String| (!value.is_empty()).then_some(value);
        match name {
            "Server" => self.server = text(value),
            "Database" => self.database = text(value),
            "User ID" => self.user = text(value),
            "Password" => self.password = Some(value),
            "Integrated Security" => {
                let v = value.to_lowercase();
                self.integrated = Some(if v == "sspi" {
                    true
                } else {
                    boolean(name, &v)?
                });
            }
            "Encrypt" => {
                self.encrypt = Some(match value.to_lowercase().as_str() {
                    "true" | "yes" | "mandatory" => Encrypt::Mandatory,
                    "false" | "no" | "optional" => Encrypt::Optional,
                    "strict" => Encrypt::Strict,
                    _ => {
                        return Err(E::InvalidValue {
                            key: name.into(),
                            expected: "true, false, mandatory, optional or strict",
                        })
                    }
                });
            }
            "TrustServerCertificate" => {
                self.trust_server_certificate = Some(boolean(name, &value)?);
            }
            "TrustServerCertificateCA" => {
                self.trust_server_certificate_ca = text(value).map(PathBuf::from);
            }
            "HostNameInCertificate" => self.host_name_in_certificate = text(value),
            "Application Name" => self.application_name = text(value),
            "Workstation ID" => self.workstation_id = text(value),
            "Connect Timeout" => self.connect_timeout = Some(timeout(name, &value)?),
            "Command Timeout" => self.command_timeout = Some(timeout(name, &value)?),
            "ApplicationIntent" => {
                self.read_only_intent = Some(match value.to_lowercase().as_str() {
                    "readonly" => true,
                    "readwrite" => false,
                    _ => {
                        return Err(E::InvalidValue {
                            key: name.into(),
                            expected: "ReadOnly or ReadWrite",
                        })
                    }
                });
            }
            "MultiSubnetFailover" => self.multi_subnet_failover = Some(boolean(name, &value)?),
            "Packet Size" => {
                self.packet_size = Some(
                    value
                        .parse::<u32>()
                        .ok()
                        .filter(|n| (512..=32_767).contains(n))
                        .ok_or(E::InvalidValue {
                            key: name.into(),
                            expected: "a number of bytes from 512 to 32767",
                        })?,
                );
            }
            _ => unreachable!("every canonical key is handled"),
        }
        Ok(())
    }

    fn finish(self) -> Result<SqlServerConfig, E> {
        let (host, port, instance) = parse_server(self.server.as_deref().ok_or(E::MissingServer)?)?;
        let auth = match (self.integrated.unwrap_or(false), self.user, self.password) {
            (true, None, None) => {
                if cfg!(windows) {
                    SqlServerAuth::Integrated
                } else {
                    return Err(E::IntegratedSecurityUnsupported);
                }
            }
            (true, _, _) => return Err(E::ConflictingCredentials),
            (false, Some(user), Some(password)) => SqlServerAuth::SqlServer { user, password },
            (false, Some(_), None) => return Err(E::MissingPassword),
            (false, None, _) => return Err(E::MissingCredentials),
        };
        let trust_server_certificate = self.trust_server_certificate.unwrap_or(false);
        if trust_server_certificate && self.trust_server_certificate_ca.is_some() {
            return Err(E::ConflictingTrust);
        }
        Ok(SqlServerConfig {
            host,
            port,
            instance,
            database: self.database,
            auth,
            encrypt: self.encrypt.unwrap_or(Encrypt::Mandatory),
            trust_server_certificate,
            trust_server_certificate_ca: self.trust_server_certificate_ca,
            host_name_in_certificate: self.host_name_in_certificate,
            application_name: self
                .application_name
                .unwrap_or_else(|| DEFAULT_APPLICATION_NAME.into()),
            workstation_id: self.workstation_id,
            connect_timeout: self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT),
            command_timeout: self.command_timeout.unwrap_or(DEFAULT_COMMAND_TIMEOUT),
            read_only_intent: self.read_only_intent.unwrap_or(false),
            multi_subnet_failover: self.multi_subnet_failover.unwrap_or(false),
            packet_size: self.packet_size,
        })
    }
}

fn boolean(key: &'static str, value: &str) -> Result<bool, E> {
    match value.to_lowercase().as_str() {
        "true" | "yes" => Ok(true),
        "false" | "no" => Ok(false),
        _ => Err(E::InvalidValue {
            key: key.into(),
            expected: "true, false, yes or no",
        }),
    }
}

fn timeout(key: &'static str, value: &str) -> Result<Duration, E> {
    value
        .parse::<u64>()
        .ok()
        .filter(|s| (1..=MAX_TIMEOUT_SECONDS).contains(s))
        .map(Duration::from_secs)
        .ok_or(E::InvalidValue {
            key: key.into(),
            expected: "a number of seconds from 1 to 3600 (0, infinite, is not allowed)",
        })
}

/// `[tcp:]host[\instance][,port]`; `.` and `(local)` mean localhost.
fn parse_server(value: &str) -> Result<(String, Option<u16>, Option<String>), E> {
    let mut rest = value.trim();
    if let Some((protocol, after)) = rest.split_once(':') {
        match protocol.trim().to_lowercase().as_str() {
            "tcp" => rest = after.trim(),
            p @ ("np" | "lpc" | "admin" | "via" | "rdma") => {
                return Err(E::UnsupportedProtocol { protocol: p.into() })
            }
            // An IPv6 address or something else with a colon: left to the resolver.
            _ => {}
        }
    }
    let (rest, port) = match rest.rsplit_once(',') {
        Some((host, port)) => {
            let port =
                port.trim()
                    .parse::<u16>()
                    .ok()
                    .filter(|p| *p != 0)
                    .ok_or(E::InvalidValue {
                        key: "Server".into(),
                        expected: "a port from 1 to 65535 after the comma",
                    })?;
            (host.trim(), Some(port))
        }
        None => (rest, None),
    };
    let (host, instance) = match rest.split_once('\\') {
        Some((host, instance)) if !instance.trim().is_empty() => {
            (host.trim(), Some(instance.trim().to_string()))
        }
        Some(_) => {
            return Err(E::InvalidValue {
                key: "Server".into(),
                expected: "an instance name after the backslash",
            })
        }
        None => (rest, None),
    };
    if host.eq_ignore_ascii_case("(localdb)") {
        return Err(E::UnsupportedProtocol {
            protocol: "(localdb)".into(),
        });
    }
    let host = match host {
        "" => return Err(E::MissingServer),
        "." | "(local)" => "localhost".to_string(),
        h if h.eq_ignore_ascii_case("(local)") => "localhost".to_string(),
        h => h.to_string(),
    };
    Ok((host, port, instance))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWORD: &str = "s3cr;t \"pw\"";

    fn parse(s: &str) -> Result<SqlServerConfig, E> {
        SqlServerConfig::parse(s)
    }

    #[test]
    fn parses_a_typical_string_with_defaults() {
        let c = parse("Server=tcp:grnode,1433;Database=ZB;User ID=browse;Password=pw").unwrap();
        assert_eq!(c.host, "grnode");
        assert_eq!(c.port, Some(1433));
        assert_eq!(c.instance, None);
        assert_eq!(c.database.as_deref(), Some("ZB"));
        assert_eq!(
            c.auth,
            SqlServerAuth::SqlServer {
                user: "browse".into(),
                password: "pw".into()
            }
        );
        assert_eq!(c.encrypt, Encrypt::Mandatory);
        assert!(!c.trust_server_certificate);
        assert_eq!(c.connect_timeout, DEFAULT_CONNECT_TIMEOUT);
        assert_eq!(c.command_timeout, DEFAULT_COMMAND_TIMEOUT);
        assert_eq!(c.application_name, DEFAULT_APPLICATION_NAME);
        assert_eq!(c.address(), "grnode:1433");
    }

    #[test]
    fn synonyms_quotes_spacing_and_instances() {
        let c = parse(
            "  data  SOURCE = grnode\\SQLEXPRESS ; initial catalog=ZB;UID=sa;\
             PWD=\"s3cr;t \"\"pw\"\"\";Connect Timeout=3;Command Timeout=7;\
             TrustServerCertificate=yes;Encrypt=strict;App=browser;ApplicationIntent=ReadOnly;\
             Pooling=false;;",
        )
        .unwrap();
        assert_eq!(c.host, "grnode");
        assert_eq!(c.port, None);
        assert_eq!(c.instance.as_deref(), Some("SQLEXPRESS"));
        assert_eq!(c.address(), "grnode\\SQLEXPRESS");
        assert_eq!(
            c.auth,
            SqlServerAuth::SqlServer {
                user: "sa".into(),
                password: PASSWORD.into()
            }
        );
        assert_eq!(c.connect_timeout, Duration::from_secs(3));
        assert_eq!(c.command_timeout, Duration::from_secs(7));
        assert!(c.trust_server_certificate);
        assert_eq!(c.encrypt, Encrypt::Strict);
        assert_eq!(c.application_name, "browser");
        assert!(c.read_only_intent);
        assert_eq!(
            parse("Server=.;User=a;Password='x''y'").unwrap().host,
            "localhost"
        );
        let local = parse("Server=(local),14330;User=a;Password='x''y'").unwrap();
        assert_eq!(
            (local.host.as_str(), local.port),
            ("localhost", Some(14330))
        );
        assert_eq!(
            local.auth,
            SqlServerAuth::SqlServer {
                user: "a".into(),
                password: "x'y".into()
            }
        );
    }

    #[test]
    fn refuses_bad_strings_with_clear_errors() {
        let cases: &[(&str, E)] = &[
            ("", E::Empty),
            (" ; ;", E::Empty),
            ("Server", E::Syntax { position: 0, reason: "a key without '=' and a value" }),
            ("=x", E::Syntax { position: 0, reason: "an empty key" }),
            ("Server='grnode", E::Syntax { position: 7, reason: "an unterminated quoted value" }),
            ("Server='a'b", E::Syntax { position: 10, reason: "text after a quoted value" }),
            ("Server=a;Colour=blue", E::UnknownKey { key: "colour".into() }),
            ("Server=a;Data Source=b", E::DuplicateKey { key: "Server".into() }),
            ("Database=ZB;User=a;Password=b", E::MissingServer),
            ("Server=,1433;User=a;Password=b", E::MissingServer),
            ("Server=np:\\\\grnode\\pipe\\sql\\query;User=a;Password=b", E::UnsupportedProtocol { protocol: "np".into() }),
            ("Server=(localdb)\\MSSQLLocalDB;User=a;Password=b", E::UnsupportedProtocol { protocol: "(localdb)".into() }),
            ("Server=a,99999;User=a;Password=b", E::InvalidValue { key: "Server".into(), expected: "a port from 1 to 65535 after the comma" }),
            ("Server=a\\;User=a;Password=b", E::InvalidValue { key: "Server".into(), expected: "an instance name after the backslash" }),
            ("Server=a", E::MissingCredentials),
            ("Server=a;User ID=u", E::MissingPassword),
            ("Server=a;Integrated Security=true;User ID=u", E::ConflictingCredentials),
            ("Server=a;User=u;Password=p;Encrypt=maybe", E::InvalidValue { key: "Encrypt".into(), expected: "true, false, mandatory, optional or strict" }),
            ("Server=a;User=u;Password=p;Connect Timeout=0", E::InvalidValue { key: "Connect Timeout".into(), expected: "a number of seconds from 1 to 3600 (0, infinite, is not allowed)" }),
            ("Server=a;User=u;Password=p;Command Timeout=abc", E::InvalidValue { key: "Command Timeout".into(), expected: "a number of seconds from 1 to 3600 (0, infinite, is not allowed)" }),
            ("Server=a;User=u;Password=p;TrustServerCertificate=true;TrustServerCertificateCA=/ca.pem", E::ConflictingTrust),
        ];
        for (input, expected) in cases {
            assert_eq!(&parse(input).unwrap_err(), expected, "{input:?}");
        }
    }

    #[test]
    fn integrated_security_needs_windows() {
        let result = parse("Server=grnode;Database=ZB;Integrated Security=SSPI");
        if cfg!(windows) {
            assert_eq!(result.unwrap().auth, SqlServerAuth::Integrated);
        } else {
            let err = result.unwrap_err();
            assert_eq!(err, E::IntegratedSecurityUnsupported);
            assert!(err.to_string().contains("Windows"), "{err}");
        }
    }

    #[test]
    fn the_password_never_shows() {
        let c = parse(&format!(
            "Server=a;User ID=u;Password=\"{}\"",
            PASSWORD.replace('"', "\"\"")
        ))
        .unwrap();
        let debug = format!("{c:?}");
        assert!(!debug.contains("s3cr"), "{debug}");
        assert!(debug.contains("<redacted>"), "{debug}");
        // Errors name keys, never values.
        let err = parse("Server=a;User=u;Password=s3cr;Encrypt=s3cr").unwrap_err();
        assert!(!err.to_string().contains("s3cr"), "{err}");
        let err = parse("Server=a;s3cr=1").unwrap_err();
        assert_eq!(err, E::UnknownKey { key: "s3cr".into() }); // a key, shown on purpose
    }
}
