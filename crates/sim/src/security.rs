//! Galaxy users, `AuthenticateUser`, and the write rules of security classifications
//! (`mxaccess-semantics.md` §4; the chosen status codes are listed in
//! `docs/galaxy-model.md`, Write semantics).

use std::collections::HashMap;

use mxgateway_mx::{detail, MxStatus, SecurityClassification, StatusCategory, StatusSource};

use crate::model::{Permission, UserDef};

/// The id `AuthenticateUser` returns for any credentials when security is disabled,
/// as observed on real galaxies.
pub const OPEN_SECURITY_USER_ID: i32 = 1;

/// User ids handed out when security is enabled: `FIRST_USER_ID + position in the
/// model`. Starting well above 1 keeps the "no security" id (1) and the common
/// placeholder ids 0 and 1 from ever naming a real user.
pub const FIRST_USER_ID: i32 = 100;

/// A bit set of [`Permission`]s.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Permissions(u8);

impl Permissions {
    fn bit(p: Permission) -> u8 {
        match p {
            Permission::Operate => 1,
            Permission::Tune => 2,
            Permission::Configure => 4,
            Permission::Verify => 8,
            Permission::AckAlarms => 16,
        }
    }

    pub(crate) fn from_list(list: &[Permission]) -> Self {
        Permissions(list.iter().fold(0, |acc, p| acc | Self::bit(*p)))
    }

    pub(crate) fn has(self, p: Permission) -> bool {
        self.0 & Self::bit(p) != 0
    }
}

pub(crate) struct User {
    /// The lower-cased name: who this is, across deploys.
    key: String,
    /// The name as the model spells it (for acknowledgements).
    pub name: String,
    password: String,
    /// For `ArchestrAUserToId`, and to tell users apart across deploys.
    pub guid: String,
    pub permissions: Permissions,
}

/// The galaxy's users, looked up case-insensitively by name.
#[derive(Default)]
pub(crate) struct Users {
    users: Vec<User>,
    by_name: HashMap<String, usize>,
}

impl Users {
    /// Builds the user table; returns problems (duplicates, empty names).
    pub(crate) fn compile(defs: &[UserDef], problems: &mut Vec<String>) -> Users {
        let mut users = Users::default();
        for def in defs {
            let key = def.name.to_ascii_lowercase();
            if def.name.trim().is_empty() {
                problems.push("users: a user has an empty name".into());
                continue;
            }
            if users.by_name.contains_key(&key) {
                problems.push(format!("users: duplicate user {:?}", def.name));
                continue;
            }
            let guid = def
                .guid
                .clone()
                .unwrap_or_else(|| derived_guid(&def.name.to_ascii_lowercase()));
            users.by_name.insert(key.clone(), users.users.len());
            users.users.push(User {
                key,
                name: def.name.clone(),
                password: def.password.clone(),
                guid,
                permissions: Permissions::from_list(&def.permissions),
            });
        }
        users
    }

    /// Checks credentials; the id on success.
    pub(crate) fn authenticate(&self, name: &str, password: &str) -> Option<i32> {
        let idx = *self.by_name.get(&name.to_ascii_lowercase())?;
        let user = &self.users[idx];
        constant_time_eq(user.password.as_bytes(), password.as_bytes())
            .then_some(FIRST_USER_ID + idx as i32)
    }

    /// The user behind an id handed out by [`Users::authenticate`].
    pub(crate) fn by_id(&self, id: i32) -> Option<&User> {
        let idx = id.checked_sub(FIRST_USER_ID)?;
        self.users.get(usize::try_from(idx).ok()?)
    }

    /// `ArchestrAUserToId`: the id [`Users::authenticate`] gives the user with
    /// this GUID (compared in [`normalize_guid`] form), without authenticating it.
    pub(crate) fn id_by_guid(&self, guid: &str) -> Option<i32> {
        let wanted = normalize_guid(guid)?;
        let idx = self
            .users
            .iter()
            .position(|u| normalize_guid(&u.guid).is_some_and(|g| g == wanted))?;
        Some(FIRST_USER_ID + i32::try_from(idx).ok()?)
    }

    /// A user by name, case-insensitively.
    pub(crate) fn by_name(&self, name: &str) -> Option<&User> {
        self.users
            .get(*self.by_name.get(&name.to_ascii_lowercase())?)
    }

    /// Whether `id` names the same user (name, case-insensitively, and GUID) in
    /// `self` and in `other`: a deploy keeps an authenticated id valid only then.
    pub(crate) fn same_user(&self, other: &Users, id: i32) -> bool {
        match (self.by_id(id), other.by_id(id)) {
            (Some(a), Some(b)) => a.key == b.key && a.guid == b.guid,
            _ => false,
        }
    }

    /// Number of users.
    pub(crate) fn len(&self) -> usize {
        self.users.len()
    }
}

/// A GUID in canonical form (lower-case `8-4-4-4-12` hex), accepting upper
/// case and surrounding braces; `None` when `text` is not a GUID.
pub(crate) fn normalize_guid(text: &str) -> Option<String> {
    let text = text.trim();
    let inner = match text.strip_prefix('{') {
        Some(rest) => rest.strip_suffix('}')?,
        None => text,
    };
    let groups: Vec<&str> = inner.split('-').collect();
    let shaped = groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && g.bytes().all(|b| b.is_ascii_hexdigit()));
    shaped.then(|| inner.to_ascii_lowercase())
}

/// A GUID-shaped, stable identifier for users the model gives none.
fn derived_guid(name: &str) -> String {
    let a = fnv1a(name.as_bytes(), 0xcbf2_9ce4_8422_2325);
    let b = fnv1a(name.as_bytes(), 0x8422_2325_cbf2_9ce4);
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xffff,
        b >> 48,
        b & 0xffff_ffff_ffff
    )
}

fn fnv1a(bytes: &[u8], basis: u64) -> u64 {
    bytes.iter().fold(basis, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Compares without an early exit, so timing does not leak how much of a password matched.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0);
        diff |= usize::from(x ^ y);
    }
    diff == 0
}

/// Who is writing, as the write call states it.
pub(crate) struct WriteIdentity {
    pub user_id: i32,
    pub verifier_user_id: i32,
    pub secured: bool,
}

fn security_error(code: i16) -> MxStatus {
    MxStatus::failure(
        StatusCategory::SecurityError,
        StatusSource::RespondingAutomationObject,
        code,
    )
}

/// Applies the classification rules of a writable attribute.
///
/// `authenticated` tells whether an id was handed out by `AuthenticateUser` on the
/// writing connection; ids from elsewhere count as nobody, so a client cannot
/// borrow another user's rights by guessing an id.
pub(crate) fn authorize_write(
    classification: SecurityClassification,
    security_enabled: bool,
    users: &Users,
    who: &WriteIdentity,
    authenticated: impl Fn(i32) -> bool,
) -> Result<(), MxStatus> {
    if !security_enabled {
        return Ok(());
    }
    let user_with = |id: i32, p: Permission| {
        authenticated(id) && users.by_id(id).is_some_and(|u| u.permissions.has(p))
    };
    let need = |p: Permission| {
        if user_with(who.user_id, p) {
            Ok(())
        } else {
            Err(security_error(detail::USER_NOT_HAVING_ACCESS_RIGHTS))
        }
    };
    match classification {
        SecurityClassification::FreeAccess | SecurityClassification::Undefined => Ok(()),
        SecurityClassification::Operate => need(Permission::Operate),
        SecurityClassification::Tune => need(Permission::Tune),
        SecurityClassification::Configure => need(Permission::Configure),
        SecurityClassification::SecuredWrite => {
            if !who.secured {
                return Err(security_error(detail::SECURED_WRITE));
            }
            need(Permission::Operate)
        }
        SecurityClassification::VerifiedWrite => {
            if !who.secured {
                return Err(security_error(detail::VERIFIED_WRITE));
            }
            need(Permission::Operate)?;
            if who.verifier_user_id == who.user_id
                || !user_with(who.verifier_user_id, Permission::Verify)
            {
                return Err(security_error(detail::VERIFIER_NOT_HAVING_VERIFY_RIGHTS));
            }
            Ok(())
        }
        // Never writable; the caller rejects it with NOT_WRITEABLE before asking.
        SecurityClassification::ViewOnly => Err(MxStatus::failure(
            StatusCategory::OperationalError,
            StatusSource::RespondingAutomationObject,
            detail::NOT_WRITEABLE,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_compare_exactly() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(!constant_time_eq(b"", b"a"));
    }

    #[test]
    fn guids_normalize_with_braces_and_case() {
        let g = "6f1d2a3b-0001-4c5d-8e9f-0a1b2c3d4e01";
        assert_eq!(normalize_guid(g).as_deref(), Some(g));
        assert_eq!(
            normalize_guid("{6F1D2A3B-0001-4C5D-8E9F-0A1B2C3D4E01}").as_deref(),
            Some(g)
        );
        for bad in [
            "",
            "operator",
            "{6f1d2a3b-0001-4c5d-8e9f-0a1b2c3d4e01",
            "6f1d2a3b-0001-4c5d-8e9f-0a1b2c3d4e0",
            "6f1d2a3b-0001-4c5d-8e9f-0a1b2c3d4e0g",
            "6f1d2a3b00014c5d8e9f0a1b2c3d4e01",
        ] {
            assert_eq!(normalize_guid(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn derived_guids_are_stable_and_guid_shaped() {
        let g = derived_guid("operator");
        assert_eq!(g, derived_guid("operator"));
        assert_ne!(g, derived_guid("engineer"));
        assert_eq!(g.len(), 36);
        assert_eq!(g.matches('-').count(), 4);
    }
}
