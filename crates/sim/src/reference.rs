//! Item reference resolution (`mxaccess-semantics.md` §5): from the string a client
//! passes to AddItem (plus the AddItem2 context) to one attribute point and a
//! selector (scalar, whole array, or one element).
//!
//! Supported today:
//! - `TagName.Attribute`, where attribute names may contain dots; the whole
//!   remainder is tried as an attribute name before contained names, so the
//!   longest attribute name wins;
//! - hierarchical names through contained names (`Parent.Child.Attr`);
//! - a bare object (`TagName`, `Parent.Child`) meaning its `PV` attribute;
//! - relative anchors resolved against the context object: `Me`, `MyContainer`,
//!   `MyArea`, `MyHost`, `MyEngine`, `MyPlatform` (case-insensitive);
//! - `Attr[]` (whole array) and `Attr[i]` (1-based element).
//!
//! Planned (a later issue): properties (`.Quality`, `.Dimension1`, ...), bit fields
//! (`.00`–`.31`), `PROPERTY(x)`. They will be parsed after the attribute match,
//! which is why the attribute part is matched before anything else.
//!
//! Status conventions (guesses where the semantics are unconfirmed, listed in
//! `docs/galaxy-model.md`): failures are `ConfigurationError`; object-level failures
//! (unknown object, bad syntax) are detected by the requesting LMX, attribute-level
//! ones (unknown attribute, array misuse) by the responding automation object.

use mxgateway_mx::{detail, MxStatus, StatusCategory, StatusSource};

use crate::galaxy::{Galaxy, ObjectId, ObjectKind, PointId};

/// Which part of an attribute's value a reference designates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Selector {
    /// A scalar attribute.
    Value,
    /// `Attr[]` on an array attribute.
    WholeArray,
    /// `Attr[i]`, stored 0-based.
    Element(u32),
}

/// A reference resolved against a galaxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Resolved {
    pub object: ObjectId,
    pub attr: u16,
    pub point: PointId,
    pub selector: Selector,
}

fn object_error(code: i16) -> MxStatus {
    MxStatus::failure(
        StatusCategory::ConfigurationError,
        StatusSource::RequestingLmx,
        code,
    )
}

fn attribute_error(code: i16) -> MxStatus {
    MxStatus::failure(
        StatusCategory::ConfigurationError,
        StatusSource::RespondingAutomationObject,
        code,
    )
}

/// The bracket suffix of a reference.
enum Index {
    None,
    Whole,
    /// 1-based as written.
    At(u32),
}

/// Splits `base[...]` into the base and its index; syntax errors are statuses.
fn split_index(reference: &str) -> Result<(&str, Index), MxStatus> {
    let Some(body) = reference.strip_suffix(']') else {
        if reference.contains(['[', ']']) {
            return Err(object_error(detail::INVALID_REFERENCE));
        }
        return Ok((reference, Index::None));
    };
    let open = body
        .rfind('[')
        .ok_or(object_error(detail::INVALID_REFERENCE))?;
    let (base, inner) = (&body[..open], body[open + 1..].trim());
    if base.contains(['[', ']']) {
        return Err(object_error(detail::INVALID_REFERENCE));
    }
    if inner.is_empty() {
        return Ok((base, Index::Whole));
    }
    // Index 0, negatives and non-numbers are invalid indexes; numbers past the
    // array's end are "out of range" and are judged once the attribute is known.
    match inner.parse::<i64>() {
        Ok(i) if i >= 1 => Ok((base, Index::At(u32::try_from(i).unwrap_or(u32::MAX)))),
        _ => Err(attribute_error(detail::INVALID_INDEX)),
    }
}

/// Resolves the object a relative keyword names, from the context object.
fn relative_anchor(
    galaxy: &Galaxy,
    keyword: &str,
    context: &str,
) -> Option<Result<ObjectId, MxStatus>> {
    const KEYWORDS: [&str; 6] = [
        "me",
        "mycontainer",
        "myarea",
        "myhost",
        "myengine",
        "myplatform",
    ];
    let kw = KEYWORDS.iter().find(|k| k.eq_ignore_ascii_case(keyword))?;
    let unresolved = || object_error(detail::RESOLVING_OBJECT);
    let me = match resolve_object_path(galaxy, context.trim()) {
        Some(id) => id,
        None => return Some(Err(unresolved())),
    };
    let up_to = |kind: ObjectKind| {
        let mut cur = galaxy.object(me).host;
        while let Some(id) = cur {
            if galaxy.object(id).kind == kind {
                return Some(id);
            }
            cur = galaxy.object(id).host;
        }
        None
    };
    let found = match *kw {
        "me" => Some(me),
        "mycontainer" => galaxy.object(me).container,
        "myarea" => galaxy.object(me).area,
        "myhost" => galaxy.object(me).host,
        "myengine" => up_to(ObjectKind::Engine),
        _ => up_to(ObjectKind::Platform),
    };
    Some(found.ok_or_else(unresolved))
}

/// Resolves `Tag{.Contained}` to an object (used for contexts).
pub(crate) fn resolve_object_path(galaxy: &Galaxy, path: &str) -> Option<ObjectId> {
    let mut parts = path.split('.');
    let mut id = galaxy.object_by_tag(parts.next()?)?;
    for part in parts {
        id = galaxy.child(id, part)?;
    }
    Some(id)
}

/// Resolves a reference; `context` is the AddItem2 context (an object tag name or
/// hierarchical name) and may be empty.
pub(crate) fn resolve(
    galaxy: &Galaxy,
    reference: &str,
    context: &str,
) -> Result<Resolved, MxStatus> {
    let reference = reference.trim();
    if reference.is_empty() {
        return Err(object_error(detail::INVALID_REFERENCE));
    }
    let (base, index) = split_index(reference)?;
    if base.split('.').any(str::is_empty) {
        return Err(object_error(detail::INVALID_REFERENCE));
    }
    let (first, mut rest) = match base.split_once('.') {
        Some((f, r)) => (f, r),
        None => (base, ""),
    };
    let mut object = match relative_anchor(galaxy, first, context) {
        Some(r) => r?,
        None => galaxy
            .object_by_tag(first)
            .ok_or(object_error(detail::RESOLVING_OBJECT))?,
    };
    // Walk down contained names until the remainder names an attribute.
    let attr = loop {
        let schema = &galaxy.object(object).schema;
        if rest.is_empty() {
            // A bare object means its PV (`.PV` is assumed by the grammar).
            break schema
                .find("PV")
                .ok_or(attribute_error(detail::RESOLVING_ATTRIBUTE))?;
        }
        if let Some(a) = schema.find(rest) {
            break a;
        }
        let (head, tail) = rest.split_once('.').unwrap_or((rest, ""));
        match galaxy.child(object, head) {
            Some(child) => {
                object = child;
                rest = tail;
            }
            None => return Err(attribute_error(detail::RESOLVING_ATTRIBUTE)),
        }
    };
    let obj = galaxy.object(object);
    let meta = &obj.schema.attrs[usize::from(attr)];
    let selector = match (meta.array_len, index) {
        (None, Index::None) => Selector::Value,
        // Brackets on a scalar: the attribute has no dimension to index.
        (None, _) => return Err(attribute_error(detail::WRONG_NUMBER_OF_DIMENSIONS)),
        // An array without brackets, as observed on real galaxies.
        (Some(_), Index::None) => return Err(attribute_error(detail::INDEX_OUT_OF_RANGE)),
        (Some(_), Index::Whole) => Selector::WholeArray,
        (Some(len), Index::At(i)) if i <= len => Selector::Element(i - 1),
        (Some(_), Index::At(_)) => return Err(attribute_error(detail::INDEX_OUT_OF_RANGE)),
    };
    Ok(Resolved {
        object,
        attr,
        point: obj.first_point + u32::from(attr),
        selector,
    })
}
