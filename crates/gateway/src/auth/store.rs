//! The persistent API key store: `<state_dir>/keys.json`.
//!
//! The file holds, per key, its public id, name, scopes, salt, `SHA-256(salt || secret)` (hex),
//! creation time (unix seconds), revocation time and the tag allow-lists. It never holds
//! a secret. Writes go to a temp file in the same directory, are fsynced and renamed over the
//! old file, so a crash leaves either the old or the new store, never a torn one. On Unix the
//! file is mode 0600 and a state directory created here is 0700.
//!
//! Concurrency: `verify` runs on every RPC, so it only takes a read lock long enough to clone an
//! `Arc` of the current snapshot. Mutations are serialised by a separate mutex, rebuild the
//! snapshot, persist it and only then publish it, so memory never shows a key the disk lacks.
//! Each mutation re-reads the file first so that keys written by another process (the CLI
//! operating on the same state dir) are not overwritten. There is no cross-process file lock
//! (std's `File::lock` needs a newer Rust than our MSRV), so two processes mutating at the same
//! instant can still lose one update; key management is rare and manual, which makes that
//! acceptable for now.

use std::collections::HashMap;
use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::keys::{
    constant_time_eq, fill_random, hash_secret, new_salt, split_key, HASH_LEN, SALT_LEN,
};
use super::{is_valid_id, redact, AuthError, Principal, Scope, SecretKey};

/// Name of the keys file inside the state directory.
pub const KEYS_FILE_NAME: &str = "keys.json";
/// Name of the file that receives the zero-config admin key.
pub const BOOTSTRAP_FILE_NAME: &str = "bootstrap-admin.key";
/// Name given to the zero-config admin key.
pub const BOOTSTRAP_KEY_NAME: &str = "bootstrap-admin";

/// Current on-disk format version.
const FORMAT_VERSION: u32 = 1;
/// Longest accepted key name, in characters.
const MAX_NAME_CHARS: usize = 128;

/// On-disk layout of `keys.json`.
///
/// `deny_unknown_fields` (here and on [`StoredKey`]) makes an older gateway refuse a file
/// written by a newer one instead of silently dropping fields it does not know on the next
/// rewrite: losing, say, a constraint field would widen a key's access.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoreFile {
    version: u32,
    keys: Vec<StoredKey>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredKey {
    id: String,
    name: String,
    scopes: Vec<Scope>,
    /// Hex of the 16-byte random salt.
    salt: String,
    /// Hex of SHA-256(salt || secret).
    hash: String,
    /// Unix seconds.
    created_at: u64,
    /// Unix seconds; `None` while the key is active.
    #[serde(default)]
    revoked_at: Option<u64>,
    #[serde(default)]
    allow_read: Vec<String>,
    #[serde(default)]
    allow_write: Vec<String>,
}

/// Optional per-key settings for [`KeyStore::create_with_options`].
///
/// The allow-lists are the tag constraints: glob patterns a key may read / write.
/// Empty means unconstrained. They are validated, stored and listed, but **not enforced yet**.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyOptions {
    /// Glob patterns of tags this key may read (empty = any).
    pub allow_read: Vec<String>,
    /// Glob patterns of tags this key may write (empty = any).
    pub allow_write: Vec<String>,
}

/// Public description of a key: everything except the salt and hash (and, of course, the
/// secret, which is never stored). Safe to print and to serialise to clients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyInfo {
    /// Public id (the `<id>` in `mxgw_<id>_<secret>`).
    pub id: String,
    /// Human-readable name given at creation.
    pub name: String,
    /// Scopes, sorted and de-duplicated.
    pub scopes: Vec<Scope>,
    /// Creation time, unix seconds.
    pub created_at: u64,
    /// Revocation time, unix seconds; `None` while active.
    pub revoked_at: Option<u64>,
    /// Read allow-list (glob patterns; empty = any tag).
    pub allow_read: Vec<String>,
    /// Write allow-list (glob patterns; empty = any tag).
    pub allow_write: Vec<String>,
}

impl KeyInfo {
    /// Whether the key has been revoked.
    pub fn is_revoked(&self) -> bool {
        self.revoked_at.is_some()
    }
}

/// The result of creating a key: its public record and the full key, to be shown exactly once.
#[derive(Debug, Clone)]
pub struct CreatedKey {
    /// The stored description.
    pub record: KeyInfo,
    /// The full key; prints redacted, use [`SecretKey::expose`] to show it to the owner.
    pub key: SecretKey,
}

/// One key as held in memory, decoded once at load so `verify` does no parsing.
struct Entry {
    stored: StoredKey,
    salt: [u8; SALT_LEN],
    hash: [u8; HASH_LEN],
    principal: Principal,
}

/// An immutable view of all keys; replaced wholesale on every mutation.
#[derive(Default)]
struct Snapshot {
    entries: Vec<Entry>,
    by_id: HashMap<String, usize>,
}

impl Snapshot {
    /// Validates stored records and decodes them. Used both for the file on disk and for the
    /// result of a mutation, so memory and disk go through the same checks.
    fn build(keys: Vec<StoredKey>, path: &Path) -> Result<Snapshot, AuthError> {
        let corrupt = |detail: String| AuthError::Corrupt {
            path: path.to_owned(),
            detail,
        };
        let mut snap = Snapshot::default();
        for (index, mut stored) in keys.into_iter().enumerate() {
            if !is_valid_id(&stored.id) {
                return Err(corrupt(format!(
                    "key #{index}: id `{}` is not 12 characters of [a-z0-9]",
                    redact(&stored.id)
                )));
            }
            let id = stored.id.clone();
            let salt: [u8; SALT_LEN] = decode_hex(&stored.salt)
                .ok_or_else(|| corrupt(format!("key `{id}`: salt is not {SALT_LEN} hex bytes")))?;
            let hash: [u8; HASH_LEN] = decode_hex(&stored.hash)
                .ok_or_else(|| corrupt(format!("key `{id}`: hash is not {HASH_LEN} hex bytes")))?;
            stored.scopes = Scope::normalize(&stored.scopes);
            let principal = Principal::with_constraints(
                &stored.id,
                &stored.name,
                &stored.scopes,
                &KeyOptions {
                    allow_read: stored.allow_read.clone(),
                    allow_write: stored.allow_write.clone(),
                },
            );
            if snap.by_id.insert(id.clone(), snap.entries.len()).is_some() {
                return Err(corrupt(format!("duplicate key id `{id}`")));
            }
            snap.entries.push(Entry {
                stored,
                salt,
                hash,
                principal,
            });
        }
        Ok(snap)
    }

    fn get(&self, id: &str) -> Option<&Entry> {
        self.by_id.get(id).and_then(|&i| self.entries.get(i))
    }

    fn stored_keys(&self) -> Vec<StoredKey> {
        self.entries.iter().map(|e| e.stored.clone()).collect()
    }
}

fn decode_hex<const N: usize>(text: &str) -> Option<[u8; N]> {
    hex::decode(text).ok()?.try_into().ok()
}

fn info(stored: &StoredKey) -> KeyInfo {
    KeyInfo {
        id: stored.id.clone(),
        name: stored.name.clone(),
        scopes: stored.scopes.clone(),
        created_at: stored.created_at,
        revoked_at: stored.revoked_at,
        allow_read: stored.allow_read.clone(),
        allow_write: stored.allow_write.clone(),
    }
}

/// The API key store. See the module docs for persistence and concurrency.
pub struct KeyStore {
    state_dir: PathBuf,
    keys_path: PathBuf,
    /// The published snapshot; `verify` clones the `Arc` and releases the lock at once.
    current: RwLock<Arc<Snapshot>>,
    /// Serialises mutations (read file, modify, write file, publish).
    write_lock: Mutex<()>,
    /// When `keys.json` was last looked at, and its modification time then.
    file_check: Mutex<FileCheck>,
}

/// How often `verify` looks at `keys.json` for changes made by another
/// process (`mxgateway keys create|revoke` while the gateway runs), so a new
/// key works and a revoked key stops working within about this long.
pub const KEYS_FILE_RECHECK: std::time::Duration = std::time::Duration::from_secs(1);

struct FileCheck {
    checked_at: std::time::Instant,
    modified: Option<std::time::SystemTime>,
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

impl fmt::Debug for KeyStore {
    /// Deliberately shows no records: even hashes and salts stay out of logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyStore")
            .field("keys_path", &self.keys_path)
            .field("keys", &self.snapshot().entries.len())
            .finish_non_exhaustive()
    }
}

impl KeyStore {
    /// Opens (or starts) the store in `state_dir`, creating the directory if needed. A missing
    /// keys file means an empty store; an unreadable or invalid one is an error (never treated as
    /// empty, which would mint a fresh bootstrap admin key).
    pub fn open(state_dir: &Path) -> Result<KeyStore, AuthError> {
        create_state_dir(state_dir)?;
        let keys_path = state_dir.join(KEYS_FILE_NAME);
        let snapshot = Snapshot::build(read_keys_file(&keys_path)?, &keys_path)?;
        warn_if_too_open(&keys_path);
        Ok(KeyStore {
            state_dir: state_dir.to_owned(),
            current: RwLock::new(Arc::new(snapshot)),
            write_lock: Mutex::new(()),
            file_check: Mutex::new(FileCheck {
                checked_at: std::time::Instant::now(),
                modified: modified(&keys_path),
            }),
            keys_path,
        })
    }

    /// Reloads the snapshot when `keys.json` changed on disk since the last
    /// look (at most every [`KEYS_FILE_RECHECK`]). A file that cannot be read
    /// keeps the current snapshot: a half-written or broken file must never
    /// lock everyone out or let a revoked key back in.
    fn refresh_if_changed(&self) {
        {
            let mut check = self.file_check.lock().unwrap_or_else(|p| p.into_inner());
            if check.checked_at.elapsed() < KEYS_FILE_RECHECK {
                return;
            }
            check.checked_at = std::time::Instant::now();
            let now = modified(&self.keys_path);
            if now == check.modified {
                return;
            }
            check.modified = now;
        }
        let _guard = self.lock_writes();
        match read_keys_file(&self.keys_path)
            .and_then(|keys| Snapshot::build(keys, &self.keys_path))
        {
            Ok(snapshot) => {
                *self.current.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(snapshot)
            }
            Err(e) => {
                tracing::warn!(error = %e, "keys file changed but could not be reloaded; keeping the keys in memory")
            }
        }
    }

    /// The state directory this store lives in.
    pub fn state_dir(&self) -> &Path {
        &self.state_dir
    }

    /// Path of `keys.json`.
    pub fn keys_path(&self) -> &Path {
        &self.keys_path
    }

    /// Path where [`KeyStore::ensure_bootstrap`] writes the bootstrap admin key.
    pub fn bootstrap_path(&self) -> PathBuf {
        self.state_dir.join(BOOTSTRAP_FILE_NAME)
    }

    /// Creates a key with the given name and scopes (at least one) and no tag constraints.
    pub fn create(&self, name: &str, scopes: &[Scope]) -> Result<CreatedKey, AuthError> {
        self.create_with_options(name, scopes, KeyOptions::default())
    }

    /// Creates a key with tag allow-lists.
    pub fn create_with_options(
        &self,
        name: &str,
        scopes: &[Scope],
        options: KeyOptions,
    ) -> Result<CreatedKey, AuthError> {
        let name = validate_name(name)?;
        if scopes.is_empty() {
            return Err(AuthError::NoScopes);
        }
        for pattern in options.allow_read.iter().chain(&options.allow_write) {
            validate_pattern(pattern)?;
        }
        let _guard = self.lock_writes();
        let mut keys = self.reload_for_write()?;
        let created = new_record(&keys, name, scopes, options)?;
        keys.push(created.1);
        self.commit(keys)?;
        Ok(created.0)
    }

    /// All keys, revoked ones included, in creation order. Never contains secrets, salts or
    /// hashes.
    pub fn list(&self) -> Vec<KeyInfo> {
        self.snapshot()
            .entries
            .iter()
            .map(|e| info(&e.stored))
            .collect()
    }

    /// Revokes a key. `id` is the key id; a full key string is accepted too (handy when
    /// revoking a leaked key) and only its id is used. Revoking a revoked key is a no-op that
    /// returns the record unchanged. If the bootstrap file holds this key it is deleted, since
    /// the secret in it no longer grants anything.
    pub fn revoke(&self, id: &str) -> Result<KeyInfo, AuthError> {
        let id = id.trim();
        let id = split_key(id).map_or(id, |(key_id, _)| key_id);
        let _guard = self.lock_writes();
        let mut keys = self.reload_for_write()?;
        let Some(stored) = keys.iter_mut().find(|k| k.id == id) else {
            return Err(AuthError::NoSuchKey { id: redact(id) });
        };
        if stored.revoked_at.is_some() {
            return Ok(info(stored));
        }
        stored.revoked_at = Some(now_unix());
        let result = info(stored);
        self.commit(keys)?;
        self.remove_bootstrap_file_if_holds(&result.id);
        tracing::info!(key_id = %result.id, name = %result.name, "API key revoked");
        Ok(result)
    }

    /// Checks a presented key and returns who it belongs to.
    ///
    /// Order matters: the secret is checked before the revoked flag, so only someone holding the
    /// real secret learns (in logs; clients always get "invalid API key") that a key is revoked.
    pub fn verify(&self, presented: &str) -> Result<Principal, AuthError> {
        let (id, secret) = split_key(presented.trim()).ok_or(AuthError::MalformedKey)?;
        self.refresh_if_changed();
        let snapshot = self.snapshot();
        let Some(entry) = snapshot.get(id) else {
            // Spend the same hashing work as a known id, so timing does not reveal which ids
            // exist (ids are random and not secret, but there is no reason to offer an oracle).
            std::hint::black_box(hash_secret(&[0u8; SALT_LEN], secret));
            return Err(AuthError::UnknownKeyId { id: id.to_owned() });
        };
        let computed = hash_secret(&entry.salt, secret);
        if !constant_time_eq(&computed, &entry.hash) {
            return Err(AuthError::WrongSecret { id: id.to_owned() });
        }
        if entry.stored.revoked_at.is_some() {
            return Err(AuthError::Revoked { id: id.to_owned() });
        }
        Ok(entry.principal.clone())
    }

    /// Zero-config start: if the store has no keys at all (revoked ones count as keys), creates
    /// an `admin` key named `bootstrap-admin` and writes it to `<state_dir>/bootstrap-admin.key`
    /// (mode 0600 on Unix). Returns the path of that file if it exists, whether created now or
    /// earlier; `None` once it has been deleted (by the operator, or by revoking its key).
    ///
    /// The file is written before the store, so a crash in between leaves a store that is still
    /// empty and the next start simply mints a new key; never a store with an admin key whose
    /// secret nobody has.
    pub fn ensure_bootstrap(&self) -> Result<Option<PathBuf>, AuthError> {
        let path = self.bootstrap_path();
        let _guard = self.lock_writes();
        let mut keys = self.reload_for_write()?;
        if keys.is_empty() {
            let (created, stored) = new_record(
                &keys,
                BOOTSTRAP_KEY_NAME,
                &[Scope::Admin],
                KeyOptions::default(),
            )?;
            let contents = format!("{}\n", created.key.expose());
            atomic_write(&self.state_dir, &path, contents.as_bytes())?;
            keys.push(stored);
            self.commit(keys)?;
            tracing::warn!(
                key_id = %created.record.id,
                path = %path.display(),
                "no API keys configured: created a bootstrap admin key; create real keys and revoke it"
            );
            return Ok(Some(path));
        }
        Ok(path.exists().then_some(path))
    }

    fn snapshot(&self) -> Arc<Snapshot> {
        // A poisoned lock can only come from a panic while swapping an `Arc`, which cannot leave
        // the snapshot half-updated, so recovering the guard is safe.
        let guard = self.current.read().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(&guard)
    }

    fn lock_writes(&self) -> MutexGuard<'_, ()> {
        // Poisoning carries no meaning for a `()` guard; the data it protects is on disk.
        self.write_lock
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The records to modify: the file as it is now (another process may have changed it).
    fn reload_for_write(&self) -> Result<Vec<StoredKey>, AuthError> {
        let keys = read_keys_file(&self.keys_path)?;
        // Validate before modifying so a corrupt file is reported, not overwritten.
        Snapshot::build(keys, &self.keys_path).map(|s| s.stored_keys())
    }

    /// Validates, persists and publishes a new key list. Must hold the write lock.
    fn commit(&self, keys: Vec<StoredKey>) -> Result<(), AuthError> {
        let snapshot = Snapshot::build(keys, &self.keys_path)?;
        let file = StoreFile {
            version: FORMAT_VERSION,
            keys: snapshot.stored_keys(),
        };
        let mut bytes = serde_json::to_vec_pretty(&file).map_err(|e| AuthError::Corrupt {
            path: self.keys_path.clone(),
            detail: format!("cannot serialise: {e}"),
        })?;
        bytes.push(b'\n');
        atomic_write(&self.state_dir, &self.keys_path, &bytes)?;
        let mut guard = self.current.write().unwrap_or_else(PoisonError::into_inner);
        *guard = Arc::new(snapshot);
        Ok(())
    }

    /// Deletes the bootstrap file if it contains the key `id`. Best effort: failure is logged,
    /// the revocation itself already succeeded.
    fn remove_bootstrap_file_if_holds(&self, id: &str) {
        let path = self.bootstrap_path();
        let Ok(contents) = fs::read_to_string(&path) else {
            return;
        };
        let holds = split_key(contents.trim()).is_some_and(|(key_id, _)| key_id == id);
        if holds {
            if let Err(e) = fs::remove_file(&path) {
                tracing::warn!(path = %path.display(), error = %e, "cannot remove bootstrap key file");
            }
        }
    }
}

/// Generates a new key and its stored record, avoiding id collisions with `existing`.
fn new_record(
    existing: &[StoredKey],
    name: &str,
    scopes: &[Scope],
    options: KeyOptions,
) -> Result<(CreatedKey, StoredKey), AuthError> {
    // 36^12 ids make a collision astronomically unlikely; the loop is just for correctness.
    let key = loop {
        let candidate = SecretKey::generate()?;
        if !existing.iter().any(|k| k.id == candidate.id()) {
            break candidate;
        }
    };
    let salt = new_salt()?;
    let stored = StoredKey {
        id: key.id().to_owned(),
        name: name.to_owned(),
        scopes: Scope::normalize(scopes),
        salt: hex::encode(salt),
        hash: hex::encode(hash_secret(&salt, key.secret())),
        created_at: now_unix(),
        revoked_at: None,
        allow_read: options.allow_read,
        allow_write: options.allow_write,
    };
    let created = CreatedKey {
        record: info(&stored),
        key,
    };
    Ok((created, stored))
}

fn validate_name(name: &str) -> Result<&str, AuthError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(AuthError::InvalidName("name must not be empty".into()));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(AuthError::InvalidName(format!(
            "name is longer than {MAX_NAME_CHARS} characters"
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(AuthError::InvalidName(
            "name must not contain control characters".into(),
        ));
    }
    // Names end up in logs and listings; refuse names that carry a key.
    if redact(name) != name {
        return Err(AuthError::InvalidName(
            "name must not contain an API key".into(),
        ));
    }
    Ok(name)
}

fn validate_pattern(pattern: &str) -> Result<(), AuthError> {
    if pattern.trim().is_empty() {
        return Err(AuthError::InvalidPattern(
            "pattern must not be empty".into(),
        ));
    }
    if pattern.chars().any(char::is_control) {
        return Err(AuthError::InvalidPattern(
            "pattern must not contain control characters".into(),
        ));
    }
    Ok(())
}

fn now_unix() -> u64 {
    // A clock before 1970 is a broken host; 0 is a harmless, visible placeholder.
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn read_keys_file(path: &Path) -> Result<Vec<StoredKey>, AuthError> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(AuthError::Io {
                op: "read",
                path: path.to_owned(),
                source,
            })
        }
    };
    let file: StoreFile = serde_json::from_slice(&bytes).map_err(|e| AuthError::Corrupt {
        path: path.to_owned(),
        detail: e.to_string(),
    })?;
    if file.version != FORMAT_VERSION {
        return Err(AuthError::Corrupt {
            path: path.to_owned(),
            detail: format!(
                "unsupported format version {} (this gateway reads version {FORMAT_VERSION})",
                file.version
            ),
        });
    }
    Ok(file.keys)
}

fn create_state_dir(dir: &Path) -> Result<(), AuthError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        // Only applies to directories created here; an existing directory is left as the
        // operator configured it.
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|source| AuthError::Io {
        op: "create directory",
        path: dir.to_owned(),
        source,
    })
}

/// Writes `bytes` to `path` atomically: a uniquely named temp file in `dir` (same filesystem),
/// fsync, rename over `path`, fsync the directory. On Unix the file is 0600 from the moment it
/// exists, so the contents are never readable by others, even briefly.
fn atomic_write(dir: &Path, path: &Path, bytes: &[u8]) -> Result<(), AuthError> {
    let io_err = |op: &'static str, p: &Path| {
        let p = p.to_owned();
        move |source| AuthError::Io {
            op,
            path: p,
            source,
        }
    };
    let mut nonce = [0u8; 8];
    fill_random(&mut nonce)?;
    let file_name = path
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy());
    let tmp = dir.join(format!(
        ".{file_name}.{}.{}.tmp",
        std::process::id(),
        hex::encode(nonce)
    ));

    let write = || -> Result<(), AuthError> {
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&tmp).map_err(io_err("create", &tmp))?;
        #[cfg(unix)]
        {
            // The umask can only clear bits from 0600, but set it exactly anyway so the result
            // does not depend on the environment.
            use std::os::unix::fs::PermissionsExt;
            file.set_permissions(fs::Permissions::from_mode(0o600))
                .map_err(io_err("set permissions on", &tmp))?;
        }
        file.write_all(bytes).map_err(io_err("write", &tmp))?;
        file.sync_all().map_err(io_err("sync", &tmp))?;
        drop(file);
        fs::rename(&tmp, path).map_err(io_err("replace", path))
    };
    if let Err(e) = write() {
        // Best effort: do not leave a partial temp file behind.
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    #[cfg(unix)]
    {
        // Make the rename itself durable. Failure here is not fatal: the data is written and
        // the rename done; only durability across a power cut is at stake.
        if let Err(e) = fs::File::open(dir).and_then(|d| d.sync_all()) {
            tracing::debug!(dir = %dir.display(), error = %e, "cannot fsync state directory");
        }
    }
    Ok(())
}

/// Warns if the keys file is readable by group/others (e.g. restored from a backup). It holds
/// only hashes, but there is no reason for anyone else to read it; the next write fixes it.
fn warn_if_too_open(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = fs::metadata(path) {
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                tracing::warn!(path = %path.display(), mode = format!("{mode:o}"), "keys file is accessible to other users; expected 0600");
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, KeyStore) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = KeyStore::open(dir.path()).expect("open store");
        (dir, store)
    }

    /// A well-formed key string for the same id as `key` but a different secret.
    fn with_other_secret(key: &SecretKey) -> String {
        let mut secret: Vec<u8> = key.secret().bytes().collect();
        secret[0] = if secret[0] == b'A' { b'B' } else { b'A' };
        format!(
            "mxgw_{}_{}",
            key.id(),
            String::from_utf8(secret).expect("ascii")
        )
    }

    #[test]
    fn create_then_verify_gives_the_right_principal() {
        let (_dir, store) = store();
        let created = store
            .create("reader", &[Scope::MetadataRead, Scope::MxRead])
            .expect("create");
        assert_eq!(created.record.name, "reader");
        assert_eq!(created.record.scopes, [Scope::MxRead, Scope::MetadataRead]);
        assert!(!created.record.is_revoked());
        assert_eq!(created.record.id, created.key.id());

        let p = store.verify(created.key.expose()).expect("verify");
        assert_eq!(p.key_id(), created.key.id());
        assert_eq!(p.name(), "reader");
        assert_eq!(p.scopes(), [Scope::MxRead, Scope::MetadataRead]);
        assert!(p.has(Scope::MxRead));
        assert!(p.has(Scope::MetadataRead));
        assert!(!p.has(Scope::MxWrite));
        assert!(!p.has(Scope::Admin));
        // Whitespace around a presented key (e.g. from a file) is tolerated.
        assert!(store
            .verify(&format!(" {}\n", created.key.expose()))
            .is_ok());
    }

    #[test]
    fn verify_rejections_have_distinct_kinds_and_no_secret() {
        let (_dir, store) = store();
        let created = store.create("k", &[Scope::MxRead]).expect("create");
        let secret = created.key.secret().to_owned();

        let wrong = store
            .verify(&with_other_secret(&created.key))
            .expect_err("wrong secret");
        assert!(matches!(wrong, AuthError::WrongSecret { .. }), "{wrong:?}");

        let unknown_key = format!("mxgw_zzzzzzzzzzzz_{secret}");
        let unknown = store.verify(&unknown_key).expect_err("unknown id");
        assert!(
            matches!(unknown, AuthError::UnknownKeyId { .. }),
            "{unknown:?}"
        );

        for bad in ["", "Bearer x", "mxgw_short_secret", &secret] {
            let e = store.verify(bad).expect_err("malformed");
            assert!(matches!(e, AuthError::MalformedKey), "{bad:?}: {e:?}");
        }

        store.revoke(created.key.id()).expect("revoke");
        let revoked = store.verify(created.key.expose()).expect_err("revoked");
        assert!(matches!(revoked, AuthError::Revoked { .. }), "{revoked:?}");
        // A revoked key with a wrong secret is reported as a wrong secret (no revocation oracle).
        let e = store
            .verify(&with_other_secret(&created.key))
            .expect_err("x");
        assert!(matches!(e, AuthError::WrongSecret { .. }));

        for e in [&wrong, &unknown, &revoked] {
            let text = format!("{e} {e:?} {}", e.client_message());
            assert!(!text.contains(&secret), "{text}");
            assert_eq!(e.client_message(), crate::auth::INVALID_API_KEY);
        }
    }

    #[test]
    fn keys_file_contains_no_secret_and_is_private() {
        let (dir, store) = store();
        let created = store.create("k", &[Scope::Admin]).expect("create");
        let path = dir.path().join(KEYS_FILE_NAME);
        let text = fs::read_to_string(&path).expect("read keys file");
        assert!(!text.contains(created.key.secret()), "{text}");
        assert!(!text.contains(created.key.expose()));
        assert!(text.contains(created.key.id()));
        assert!(text.contains("\"admin\""));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{mode:o}");
        }
        // No temp files left behind.
        let names: Vec<String> = fs::read_dir(dir.path())
            .expect("read dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, [KEYS_FILE_NAME]);
    }

    #[test]
    fn reopened_store_sees_keys_and_revocations() {
        let (dir, store) = store();
        let options = KeyOptions {
            allow_read: vec!["Area1.*".into()],
            allow_write: vec!["Area1.Setpoint*".into()],
        };
        let a = store
            .create_with_options("a", &[Scope::MxWrite], options.clone())
            .expect("create a");
        let b = store.create("b", &[Scope::AlarmsAck]).expect("create b");
        store.revoke(b.key.id()).expect("revoke");

        let reopened = KeyStore::open(dir.path()).expect("reopen");
        assert_eq!(reopened.list(), store.list());
        let listed = reopened.list();
        assert_eq!(listed.len(), 2);
        assert_eq!(listed[0].id, a.record.id);
        assert_eq!(listed[0].allow_read, options.allow_read);
        assert_eq!(listed[0].allow_write, options.allow_write);
        assert!(listed[1].is_revoked());

        let p = reopened.verify(a.key.expose()).expect("verify a");
        assert!(p.has(Scope::MxWrite));
        assert_eq!(p.allow_read(), options.allow_read);
        assert!(matches!(
            reopened.verify(b.key.expose()),
            Err(AuthError::Revoked { .. })
        ));
    }

    #[test]
    fn open_creates_missing_state_dir() {
        let dir = tempfile::tempdir().expect("tempdir");
        let nested = dir.path().join("a").join("b");
        let store = KeyStore::open(&nested).expect("open");
        assert!(store.list().is_empty());
        store.create("k", &[Scope::MxRead]).expect("create");
        assert!(nested.join(KEYS_FILE_NAME).is_file());
    }

    #[test]
    fn writes_merge_keys_created_by_another_process() {
        let (dir, first) = store();
        let second = KeyStore::open(dir.path()).expect("second handle");
        let a = first.create("a", &[Scope::MxRead]).expect("a");
        let b = second.create("b", &[Scope::MxRead]).expect("b");
        // `second` re-read the file before writing, so `a` survived.
        let reopened = KeyStore::open(dir.path()).expect("reopen");
        assert!(reopened.verify(a.key.expose()).is_ok());
        assert!(reopened.verify(b.key.expose()).is_ok());
    }

    #[test]
    fn corrupt_store_is_an_error_not_an_empty_store() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(KEYS_FILE_NAME);
        for bad in [
            "not json",
            r#"{"version": 2, "keys": []}"#,
            r#"{"version": 1, "keys": [], "extra": 1}"#,
            r#"{"version": 1, "keys": [{"id": "BAD", "name": "x", "scopes": [], "salt": "00", "hash": "00", "created_at": 0}]}"#,
            r#"{"version": 1, "keys": [{"id": "abcdefghij12", "name": "x", "scopes": ["nope"], "salt": "00", "hash": "00", "created_at": 0}]}"#,
            r#"{"version": 1, "keys": [{"id": "abcdefghij12", "name": "x", "scopes": [], "salt": "00", "hash": "00", "created_at": 0}]}"#,
        ] {
            fs::write(&path, bad).expect("write");
            let err = KeyStore::open(dir.path()).expect_err(bad);
            assert!(matches!(err, AuthError::Corrupt { .. }), "{bad}: {err:?}");
        }
    }

    #[test]
    fn create_validates_input() {
        let (_dir, store) = store();
        assert!(matches!(store.create("k", &[]), Err(AuthError::NoScopes)));
        for name in ["", "   ", "a\nb", &"x".repeat(MAX_NAME_CHARS + 1)] {
            assert!(
                matches!(
                    store.create(name, &[Scope::MxRead]),
                    Err(AuthError::InvalidName(_))
                ),
                "{name:?}"
            );
        }
        let key = SecretKey::generate().expect("generate");
        let err = store
            .create(&format!("oops {}", key.expose()), &[Scope::MxRead])
            .expect_err("key in name");
        assert!(!err.to_string().contains(key.secret()));
        let bad_pattern = KeyOptions {
            allow_write: vec![String::new()],
            ..KeyOptions::default()
        };
        assert!(matches!(
            store.create_with_options("k", &[Scope::MxWrite], bad_pattern),
            Err(AuthError::InvalidPattern(_))
        ));
        assert!(store.list().is_empty(), "failed creates must not persist");
        // Names are trimmed; duplicates are allowed (ids are the identity).
        let a = store.create("  same ", &[Scope::MxRead]).expect("a");
        let b = store.create("same", &[Scope::MxRead]).expect("b");
        assert_eq!(a.record.name, "same");
        assert_ne!(a.record.id, b.record.id);
    }

    #[test]
    fn revoke_by_id_or_full_key_is_idempotent_and_redacts_errors() {
        let (_dir, store) = store();
        let a = store.create("a", &[Scope::MxRead]).expect("a");
        let b = store.create("b", &[Scope::MxRead]).expect("b");
        let first = store.revoke(a.key.id()).expect("revoke");
        assert!(first.is_revoked());
        let again = store.revoke(a.key.id()).expect("revoke again");
        assert_eq!(again, first);
        // A full key works too (only its id is used).
        assert!(store.revoke(b.key.expose()).expect("by key").is_revoked());

        let stranger = SecretKey::generate().expect("generate");
        let err = store.revoke(stranger.expose()).expect_err("unknown");
        assert!(matches!(err, AuthError::NoSuchKey { .. }));
        assert!(!err.to_string().contains(stranger.secret()));
        // Garbage that merely contains a key is redacted in the error too.
        let err = store
            .revoke(&format!("x{}", stranger.expose()))
            .expect_err("unknown");
        assert!(!format!("{err} {err:?}").contains(stranger.secret()));
    }

    #[test]
    fn ensure_bootstrap_creates_once_and_only_when_empty() {
        let (dir, store) = store();
        let path = store
            .ensure_bootstrap()
            .expect("bootstrap")
            .expect("file created");
        assert_eq!(path, dir.path().join(BOOTSTRAP_FILE_NAME));
        let contents = fs::read_to_string(&path).expect("read bootstrap file");
        let p = store
            .verify(contents.trim())
            .expect("bootstrap key verifies");
        assert_eq!(p.name(), BOOTSTRAP_KEY_NAME);
        assert_eq!(p.scopes(), [Scope::Admin]);
        for scope in Scope::ALL {
            assert!(p.has(scope));
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{mode:o}");
        }

        // Second call: no new key, same file, same contents.
        assert_eq!(store.ensure_bootstrap().expect("again"), Some(path.clone()));
        assert_eq!(store.list().len(), 1);
        assert_eq!(fs::read_to_string(&path).expect("read"), contents);

        // A fresh handle on the same dir does not bootstrap again either.
        let reopened = KeyStore::open(dir.path()).expect("reopen");
        assert_eq!(
            reopened.ensure_bootstrap().expect("reopened"),
            Some(path.clone())
        );
        assert_eq!(reopened.list().len(), 1);

        // Revoking the bootstrap key removes the file and does not trigger a new bootstrap
        // (the store is not empty: revoked keys count).
        reopened.revoke(p.key_id()).expect("revoke");
        assert!(!path.exists());
        assert_eq!(reopened.ensure_bootstrap().expect("after revoke"), None);
        assert_eq!(reopened.list().len(), 1);
    }

    #[test]
    fn ensure_bootstrap_does_nothing_when_keys_exist() {
        let (dir, store) = store();
        store.create("ops", &[Scope::MxRead]).expect("create");
        assert_eq!(store.ensure_bootstrap().expect("bootstrap"), None);
        assert!(!dir.path().join(BOOTSTRAP_FILE_NAME).exists());
        assert_eq!(store.list().len(), 1);
    }

    #[test]
    fn debug_output_never_contains_secrets_or_hashes() {
        let (dir, store) = store();
        let created = store.create("k", &[Scope::Admin]).expect("create");
        let file = fs::read_to_string(dir.path().join(KEYS_FILE_NAME)).expect("read");
        let parsed: StoreFile = serde_json::from_str(&file).expect("parse");
        let hash = &parsed.keys[0].hash;
        let salt = &parsed.keys[0].salt;

        let principal = store.verify(created.key.expose()).expect("verify");
        let shown = format!(
            "{store:?} {created:?} {} {:?} {principal:?} {:?}",
            created.key,
            created.key,
            store.list()
        );
        assert!(!shown.contains(created.key.secret()), "{shown}");
        assert!(!shown.contains(hash.as_str()), "{shown}");
        assert!(!shown.contains(salt.as_str()), "{shown}");
        let json = serde_json::to_string(&store.list()).expect("serialize list");
        assert!(!json.contains(hash.as_str()) && !json.contains(created.key.secret()));
    }

    #[test]
    fn concurrent_verify_and_create() {
        let (_dir, store) = store();
        let store = Arc::new(store);
        let first = store.create("first", &[Scope::MxRead]).expect("create");
        let key = first.key.expose().to_owned();
        let readers: Vec<_> = (0..4)
            .map(|_| {
                let store = Arc::clone(&store);
                let key = key.clone();
                std::thread::spawn(move || {
                    for _ in 0..200 {
                        assert!(store.verify(&key).is_ok());
                    }
                })
            })
            .collect();
        let writers: Vec<_> = (0..2)
            .map(|i| {
                let store = Arc::clone(&store);
                std::thread::spawn(move || {
                    for j in 0..5 {
                        store
                            .create(&format!("w{i}-{j}"), &[Scope::MxWrite])
                            .expect("create");
                    }
                })
            })
            .collect();
        for t in readers.into_iter().chain(writers) {
            t.join().expect("thread");
        }
        assert_eq!(store.list().len(), 11);
    }
}

#[cfg(test)]
mod refresh_tests {
    use super::*;
    use crate::auth::Scope;

    #[test]
    fn keys_created_or_revoked_by_another_process_take_effect_while_running() {
        let dir = tempfile::tempdir().unwrap();
        let running = KeyStore::open(dir.path()).unwrap();
        let cli = KeyStore::open(dir.path()).unwrap();
        let created = cli.create("late", &[Scope::MxRead]).unwrap();
        // Within one recheck interval the running store may not have looked yet;
        // after it, the new key must verify.
        std::thread::sleep(KEYS_FILE_RECHECK + std::time::Duration::from_millis(50));
        assert!(running.verify(created.key.expose()).is_ok());
        cli.revoke(&created.record.id).unwrap();
        std::thread::sleep(KEYS_FILE_RECHECK + std::time::Duration::from_millis(50));
        assert!(
            running.verify(created.key.expose()).is_err(),
            "a revoked key stops working"
        );
    }
}
