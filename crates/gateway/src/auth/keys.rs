//! The API key format `mxgw_<id>_<secret>`: generation, parsing, hashing and redaction.
//!
//! * `id`: 12 characters from `[a-z0-9]`. Public; it names the key in the store, in logs and in
//!   `list` output.
//! * `secret`: 32 characters from `[A-Za-z0-9]`, drawn from the operating system CSPRNG.
//!   32 * log2(62) ≈ 190 bits of entropy.
//!
//! Only `SHA-256(salt || secret)` is stored, with a per-key random 16-byte salt. A fast hash is
//! deliberate: slow password hashes (argon2, bcrypt) exist to protect *low-entropy* human
//! passwords against offline guessing. A 190-bit random secret cannot be brute-forced whatever
//! the hash speed, and a fast hash keeps `verify` cheap on every RPC. The salt is defence in
//! depth: identical secrets never produce identical hashes and precomputed tables are useless.

use std::fmt;

use rand::rngs::OsRng;
use rand::TryRngCore;
use sha2::{Digest, Sha256};

use super::AuthError;

/// Every key starts with this prefix (also what [`redact`] looks for).
pub const KEY_PREFIX: &str = "mxgw_";
/// Length of the public key id.
pub const ID_LEN: usize = 12;
/// Length of the secret part.
pub const SECRET_LEN: usize = 32;
/// Length of the per-key salt, in bytes.
pub const SALT_LEN: usize = 16;
/// Length of a SHA-256 digest, in bytes.
pub const HASH_LEN: usize = 32;
/// Total length of a well-formed key: `mxgw_` + id + `_` + secret.
pub const KEY_LEN: usize = KEY_PREFIX.len() + ID_LEN + 1 + SECRET_LEN;

/// What [`SecretKey`]'s `Debug`/`Display` and [`redact`] print instead of the secret.
pub const REDACTED: &str = "<redacted>";

const ID_ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
const SECRET_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A full API key (`mxgw_<id>_<secret>`), as shown to its owner exactly once.
///
/// `Debug` and `Display` print `mxgw_<id>_<redacted>`, so a key that ends up in a log line, an
/// error or a `{:?}` of a containing struct does not leak. Use [`SecretKey::expose`] for the one
/// place that must print the real key (the creation output).
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey {
    full: String,
}

impl SecretKey {
    /// Parses and validates a presented key string (surrounding whitespace is ignored).
    pub fn parse(presented: &str) -> Result<SecretKey, AuthError> {
        let (id, secret) = split_key(presented.trim()).ok_or(AuthError::MalformedKey)?;
        Ok(SecretKey::from_parts(id, secret))
    }

    /// Generates a fresh key from the OS CSPRNG.
    pub(crate) fn generate() -> Result<SecretKey, AuthError> {
        let id = random_string(ID_ALPHABET, ID_LEN)?;
        let secret = random_string(SECRET_ALPHABET, SECRET_LEN)?;
        Ok(SecretKey::from_parts(&id, &secret))
    }

    fn from_parts(id: &str, secret: &str) -> SecretKey {
        SecretKey {
            full: format!("{KEY_PREFIX}{id}_{secret}"),
        }
    }

    /// The public id part.
    pub fn id(&self) -> &str {
        &self.full[KEY_PREFIX.len()..KEY_PREFIX.len() + ID_LEN]
    }

    /// The secret part (crate-internal: only hashing needs it).
    pub(crate) fn secret(&self) -> &str {
        &self.full[KEY_PREFIX.len() + ID_LEN + 1..]
    }

    /// The full key, secret included. Call this only to hand the key to its owner.
    pub fn expose(&self) -> &str {
        &self.full
    }
}

impl fmt::Display for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{KEY_PREFIX}{}_{REDACTED}", self.id())
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey({self})")
    }
}

/// Splits a well-formed key into `(id, secret)`; `None` if the shape is wrong in any way.
/// Checks are exact (length and alphabet) so nothing odd reaches the store lookup or the logs.
pub(crate) fn split_key(key: &str) -> Option<(&str, &str)> {
    let rest = key.strip_prefix(KEY_PREFIX)?;
    if key.len() != KEY_LEN {
        return None;
    }
    // All bytes are checked as ASCII below, so slicing at these offsets is on char boundaries
    // whenever the checks pass; `get` avoids panicking when they would not be.
    let id = rest.get(..ID_LEN)?;
    let sep = rest.get(ID_LEN..ID_LEN + 1)?;
    let secret = rest.get(ID_LEN + 1..)?;
    if sep == "_" && is_valid_id(id) && secret.bytes().all(is_secret_byte) {
        Some((id, secret))
    } else {
        None
    }
}

/// Whether `id` has the shape of a key id (12 × `[a-z0-9]`).
pub fn is_valid_id(id: &str) -> bool {
    id.len() == ID_LEN && id.bytes().all(is_id_byte)
}

fn is_id_byte(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

fn is_secret_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// Draws `len` characters uniformly from `alphabet` using the OS CSPRNG. Rejection sampling
/// (discard bytes at or above the largest multiple of the alphabet size) avoids modulo bias.
fn random_string(alphabet: &[u8], len: usize) -> Result<String, AuthError> {
    debug_assert!(!alphabet.is_empty() && alphabet.len() <= 256);
    let limit = 256 - (256 % alphabet.len());
    let mut out = String::with_capacity(len);
    let mut buf = [0u8; 64];
    while out.len() < len {
        fill_random(&mut buf)?;
        for &b in &buf {
            if usize::from(b) < limit && out.len() < len {
                out.push(char::from(alphabet[usize::from(b) % alphabet.len()]));
            }
        }
    }
    Ok(out)
}

/// Fills `buf` from the OS CSPRNG; failure is reported rather than panicking or falling back to
/// a weaker generator.
pub(crate) fn fill_random(buf: &mut [u8]) -> Result<(), AuthError> {
    OsRng
        .try_fill_bytes(buf)
        .map_err(|e| AuthError::Random(e.to_string()))
}

/// A fresh random salt.
pub(crate) fn new_salt() -> Result<[u8; SALT_LEN], AuthError> {
    let mut salt = [0u8; SALT_LEN];
    fill_random(&mut salt)?;
    Ok(salt)
}

/// `SHA-256(salt || secret)`.
pub(crate) fn hash_secret(salt: &[u8; SALT_LEN], secret: &str) -> [u8; HASH_LEN] {
    let mut hasher = Sha256::new();
    hasher.update(salt);
    hasher.update(secret.as_bytes());
    hasher.finalize().into()
}

/// Compares two byte strings in time that depends only on their lengths, not on where they
/// first differ, so response timing does not reveal how much of a guessed hash matched.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    // `black_box` stops the optimiser from turning the fold into an early-exit comparison.
    std::hint::black_box(diff) == 0
}

/// Replaces the secret of every key-shaped substring (`mxgw_` + 12 × `[a-z0-9]` + `_` +
/// alphanumerics) with `<redacted>`, keeping the id so the log line stays useful.
///
/// This is a safety net for log lines and error text, so it is deliberately greedy: any
/// non-empty alphanumeric run after `mxgw_<id>_` is hidden, even if shorter or longer than a real
/// secret (a truncated or mangled key is still mostly secret). Applying it twice is harmless.
pub fn redact(text: &str) -> String {
    let bytes = text.as_bytes();
    let prefix = KEY_PREFIX.as_bytes();
    let mut out = String::with_capacity(text.len());
    // `copied` marks how much of `text` has been appended to `out`; all cut points are at ASCII
    // bytes, hence valid char boundaries.
    let mut copied = 0;
    let mut i = 0;
    while let Some(pos) = find(&bytes[i..], prefix).map(|p| p + i) {
        let id_start = pos + prefix.len();
        let sep = id_start + ID_LEN;
        let id_ok = bytes
            .get(id_start..sep)
            .is_some_and(|id| id.iter().all(|&b| is_id_byte(b)));
        if id_ok && bytes.get(sep) == Some(&b'_') {
            let secret_start = sep + 1;
            let mut secret_end = bytes[secret_start..]
                .iter()
                .position(|&b| !is_secret_byte(b))
                .map_or(bytes.len(), |p| p + secret_start);
            // Two keys glued together (`...secretmxgw_<id>_...`): stop before the second
            // prefix so the next iteration redacts the second key too.
            if bytes.get(secret_end) == Some(&b'_')
                && bytes[secret_start..secret_end].ends_with(&prefix[..prefix.len() - 1])
            {
                secret_end -= prefix.len() - 1;
            }
            if secret_end > secret_start {
                out.push_str(&text[copied..secret_start]);
                out.push_str(REDACTED);
                copied = secret_end;
                i = secret_end;
                continue;
            }
        }
        i = pos + 1;
    }
    out.push_str(&text[copied..]);
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "mxgw_abcdefghij12_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef";
    const SECRET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef";

    #[test]
    fn generated_keys_have_the_documented_shape() {
        let mut ids = std::collections::HashSet::new();
        for _ in 0..50 {
            let key = SecretKey::generate().expect("generate");
            let full = key.expose();
            assert_eq!(full.len(), KEY_LEN);
            let (id, secret) = split_key(full).expect("well-formed");
            assert_eq!(id, key.id());
            assert_eq!(secret, key.secret());
            assert!(id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
            assert_eq!(secret.len(), SECRET_LEN);
            assert!(secret.bytes().all(|b| b.is_ascii_alphanumeric()));
            assert!(ids.insert(id.to_owned()), "duplicate id");
        }
    }

    #[test]
    fn parse_accepts_well_formed_and_trims() {
        let key = SecretKey::parse(&format!("  {KEY}\n")).expect("parse");
        assert_eq!(key.expose(), KEY);
        assert_eq!(key.id(), "abcdefghij12");
        assert_eq!(key.secret(), SECRET);
    }

    #[test]
    fn parse_rejects_malformed() {
        let bad = [
            "",
            "mxgw_",
            "mxgw__",
            "abcd_abcdefghij12_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef",
            "mxgw_ABCDEFGHIJ12_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef", // uppercase id
            "mxgw_abcdefghij12-ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef", // wrong separator
            "mxgw_abcdefghij12_ABCDEFGHIJKLMNOPQRSTUVWXYZabcde",  // short secret
            "mxgw_abcdefghij12_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg", // long secret
            "mxgw_abcdefghij12_ABCDEFGHIJKLMNOPQRSTUVWXYZabcd-f", // bad char
            "mxgw_abcdefghij1_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg", // short id
            "mxgw_abcdefghijé_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef",  // multibyte
            "mxgw_abcdefghij12_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdé",
        ];
        for b in bad {
            assert!(
                matches!(SecretKey::parse(b), Err(AuthError::MalformedKey)),
                "{b:?}"
            );
        }
    }

    #[test]
    fn debug_and_display_hide_the_secret() {
        let key = SecretKey::parse(KEY).expect("parse");
        let shown = format!("{key} {key:?} {:?}", Some(&key));
        assert!(!shown.contains(SECRET), "{shown}");
        assert!(shown.contains("mxgw_abcdefghij12_<redacted>"), "{shown}");
    }

    #[test]
    fn hashing_is_salted() {
        let s1 = [1u8; SALT_LEN];
        let s2 = [2u8; SALT_LEN];
        assert_eq!(hash_secret(&s1, SECRET), hash_secret(&s1, SECRET));
        assert_ne!(hash_secret(&s1, SECRET), hash_secret(&s2, SECRET));
        assert_ne!(hash_secret(&s1, SECRET), hash_secret(&s1, "other"));
    }

    #[test]
    fn constant_time_eq_semantics() {
        assert!(constant_time_eq(b"", b""));
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"xbc"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }

    #[test]
    fn redact_hides_secrets_in_arbitrary_text() {
        let other = SecretKey::generate().expect("generate");
        let text = format!(
            "auth failed for {KEY}; header=\"Bearer {}\" ünïcödé {KEY}{KEY},end",
            other.expose()
        );
        let red = redact(&text);
        assert!(!red.contains(SECRET), "{red}");
        assert!(!red.contains(other.secret()), "{red}");
        assert!(red.contains("mxgw_abcdefghij12_<redacted>"), "{red}");
        assert!(red.contains(&format!("mxgw_{}_<redacted>", other.id())));
        assert!(red.contains("ünïcödé"));
        assert!(red.ends_with(",end"));
        // Idempotent.
        assert_eq!(redact(&red), red);
        // Two keys glued together are both redacted.
        assert_eq!(
            redact(&format!("{KEY}{KEY}")),
            "mxgw_abcdefghij12_<redacted>mxgw_abcdefghij12_<redacted>"
        );
    }

    #[test]
    fn redact_is_greedy_about_near_keys_and_leaves_other_text() {
        // Truncated and over-long secrets are still hidden.
        let truncated = "key=mxgw_abcdefghij12_ABCDEFG.";
        assert_eq!(redact(truncated), "key=mxgw_abcdefghij12_<redacted>.");
        let long = format!("{KEY}XYZ");
        assert_eq!(redact(&long), "mxgw_abcdefghij12_<redacted>");
        // Key at the very start and end; overlapping prefixes.
        assert_eq!(
            redact(&format!("mxgw_mxgw_{KEY}")),
            "mxgw_mxgw_mxgw_abcdefghij12_<redacted>"
        );
        // Text without keys is unchanged.
        for plain in [
            "",
            "mxgw",
            "mxgw_",
            "mxgw_short_x",
            "no keys here",
            "ä mxgw_ ö",
        ] {
            assert_eq!(redact(plain), plain);
        }
    }
}
