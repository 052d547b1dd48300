//! Item reference resolution (`mxaccess-semantics.md` §5): from the string a client
//! passes to AddItem (plus the AddItem2 context) to one attribute point and a
//! [`Selector`] saying which view of that point the item delivers.
//!
//! The grammar, as implemented (`docs/galaxy-model.md` §6 is the user-facing table):
//! - `TagName.Attribute`, where attribute names may contain dots; the whole
//!   remainder is tried as an attribute name before anything else, so the longest
//!   attribute name wins (`Level.Hi.Category` is an alarm sub-attribute, not the
//!   `Category` property of `Level.Hi`);
//! - hierarchical names through contained names (`Parent.Child.Attr`) and through
//!   an area's members (`Area.Object.Attr`);
//! - a bare object (`TagName`, `Parent.Child`) meaning its `PV` attribute;
//! - relative anchors resolved against the context object: `Me`, `MyContainer`,
//!   `MyArea`, `MyHost`, `MyEngine`, `MyPlatform` (case-insensitive);
//! - `Attr[]` (whole array) and `Attr[i]` (1-based element);
//! - properties after an attribute, case-insensitive: `.Value`, `.Quality`, `.Type`,
//!   `.Dimension1`, `.SecurityClassification`, `.Locked`, `.Category`, also written
//!   `.PROPERTY(Quality)`;
//! - bit fields `.00`–`.31` of a scalar Integer attribute;
//! - `Obj._Attributes`, the object's attribute names.
//!
//! Everything is decided here, once, at subscribe time: the delivery path only
//! looks at the small `Selector` stored with each subscriber, so properties and bit
//! fields cost no memory on the million points nobody watches them on.
//!
//! Status conventions (guesses where the semantics are unconfirmed, listed in
//! `docs/galaxy-model.md`): failures are `ConfigurationError`; object-level failures
//! (unknown object, bad syntax) are detected by the requesting LMX, attribute-level
//! ones (unknown attribute, array misuse, bad property or bit) by the responding
//! automation object.

use mxgateway_mx::{detail, DataType, MxStatus, StatusCategory, StatusSource};

use crate::galaxy::{Galaxy, ObjectId, ObjectKind, PointId, SCAN_STATE};

/// The pseudo-attribute listing an object's attribute names (`Obj._Attributes`).
pub const ATTRIBUTE_LIST: &str = "_Attributes";

/// A property of an attribute (`Attr.Quality`...). `.Value` is not one of them: it
/// is the attribute itself and resolves to [`Selector::Value`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Property {
    /// The attribute's OPC quality as its own subscribers see it (Integer).
    Quality,
    /// The attribute's `MxDataType` number (Integer).
    Type,
    /// The array length; 0 on a scalar (Integer).
    Dimension1,
    /// The `MxSecurityClassification` number (Integer).
    SecurityClassification,
    /// Always false: the simulator has no locked attributes (Boolean).
    Locked,
    /// The attribute category (Integer, see `attribute_category`).
    Category,
}

impl Property {
    /// Property names as references spell them (matched case-insensitively).
    const NAMES: [(&'static str, Property); 6] = [
        ("Quality", Property::Quality),
        ("Type", Property::Type),
        ("Dimension1", Property::Dimension1),
        ("SecurityClassification", Property::SecurityClassification),
        ("Locked", Property::Locked),
        ("Category", Property::Category),
    ];

    /// The data type the property item is delivered with.
    pub(crate) fn data_type(self) -> DataType {
        match self {
            Property::Locked => DataType::Boolean,
            _ => DataType::Integer,
        }
    }
}

/// Which view of an attribute point a reference designates. Small and `Copy`: it
/// is stored with every subscriber of a point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Selector {
    /// A scalar attribute (also `Attr.Value`).
    Value,
    /// `Attr[]` on an array attribute.
    WholeArray,
    /// `Attr[i]`, stored 0-based.
    Element(u32),
    /// `Attr.00`–`Attr.31` on a scalar Integer: that bit as a Boolean.
    Bit(u8),
    /// `Attr.Quality`, `Attr.Type`...
    Property(Property),
    /// `Obj._Attributes`, anchored on the object's `ScanState` point (every object
    /// has one), so it needs no point of its own.
    AttributeNames,
}

/// Why a point's subscribers are being told about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change {
    /// The stored value (and timestamp) changed; `quality_changed` when the stored
    /// quality changed with it.
    Value { quality_changed: bool },
    /// Only the quality the point is delivered with changed (scan state).
    Quality,
}

impl Selector {
    /// Whether a subscriber with this selector sees `change` at all. Properties
    /// other than `.Quality` and the attribute list never change while a galaxy
    /// runs, so they are delivered only on subscribe, on runtime (dis)connection and
    /// when a deploy changes them; spurious updates would be noise on a hot path.
    pub(crate) fn follows(self, change: Change) -> bool {
        match self {
            Selector::Value | Selector::WholeArray | Selector::Element(_) | Selector::Bit(_) => {
                true
            }
            Selector::Property(Property::Quality) => match change {
                Change::Value { quality_changed } => quality_changed,
                Change::Quality => true,
            },
            Selector::Property(_) | Selector::AttributeNames => false,
        }
    }

    /// Whether writes through this selector can change the attribute. Properties
    /// and the attribute list are read-only (detail 1007).
    pub(crate) fn is_writable(self) -> bool {
        matches!(
            self,
            Selector::Value | Selector::WholeArray | Selector::Element(_) | Selector::Bit(_)
        )
    }
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

/// What follows an attribute name in a reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Suffix {
    /// Nothing: the attribute itself.
    None,
    /// `.Value`: the attribute itself, spelled out.
    Value,
    Property(Property),
    /// `.NN`, two digits as written (range-checked against the attribute later).
    Bit(u8),
    /// `PROPERTY(x)` with an `x` that is no property.
    UnknownProperty,
    /// `._Attributes` on the object.
    AttributeNames,
}

/// A property name (`Quality`, `value`...), case-insensitively.
fn named_property(name: &str) -> Option<Suffix> {
    if name.eq_ignore_ascii_case("Value") {
        return Some(Suffix::Value);
    }
    Property::NAMES
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|&(_, p)| Suffix::Property(p))
}

/// Parses the last dotted part of a reference as a property, `PROPERTY(x)` or a
/// bit field; `None` when it is none of them (then it may be a name).
fn parse_suffix(part: &str) -> Option<Suffix> {
    const FUNCTION: &str = "property(";
    if part.len() > FUNCTION.len()
        && part.is_char_boundary(FUNCTION.len())
        && part[..FUNCTION.len()].eq_ignore_ascii_case(FUNCTION)
    {
        let inner = part[FUNCTION.len()..].strip_suffix(')')?;
        return Some(named_property(inner.trim()).unwrap_or(Suffix::UnknownProperty));
    }
    // The grammar writes bit fields with exactly two digits (`.00`...`.31`).
    if part.len() == 2 && part.bytes().all(|b| b.is_ascii_digit()) {
        return part.parse().ok().map(Suffix::Bit);
    }
    named_property(part)
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
    // Walk down contained names until the remainder names an attribute, possibly
    // followed by one property or bit field. At each level the attribute wins:
    // first the whole remainder as an attribute name, then all but its last part
    // with a property, and only then a contained object.
    let (attr, suffix) = loop {
        let schema = &galaxy.object(object).schema;
        if rest.is_empty() {
            // A bare object means its PV (`.PV` is assumed by the grammar).
            let pv = schema
                .find("PV")
                .ok_or(attribute_error(detail::RESOLVING_ATTRIBUTE))?;
            break (pv, Suffix::None);
        }
        if let Some(a) = schema.find(rest) {
            break (a, Suffix::None);
        }
        if rest.eq_ignore_ascii_case(ATTRIBUTE_LIST) {
            let scan_state = schema
                .find(SCAN_STATE)
                .ok_or(attribute_error(detail::RESOLVING_ATTRIBUTE))?;
            break (scan_state, Suffix::AttributeNames);
        }
        if let Some((name, last)) = rest.rsplit_once('.') {
            if let (Some(a), Some(suffix)) = (schema.find(name), parse_suffix(last)) {
                break (a, suffix);
            }
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
    let scalar_only = |selector: Selector| match index {
        Index::None => Ok(selector),
        // Properties and bits are scalars: there is no dimension to index.
        Index::Whole | Index::At(_) => Err(attribute_error(detail::WRONG_NUMBER_OF_DIMENSIONS)),
    };
    let selector = match suffix {
        Suffix::None | Suffix::Value => match (meta.array_len, index) {
            (None, Index::None) => Selector::Value,
            // Brackets on a scalar: the attribute has no dimension to index.
            (None, _) => return Err(attribute_error(detail::WRONG_NUMBER_OF_DIMENSIONS)),
            // An array without brackets, as observed on real galaxies (`.Value`
            // is the attribute itself, so it fails the same way).
            (Some(_), Index::None) => return Err(attribute_error(detail::INDEX_OUT_OF_RANGE)),
            (Some(_), Index::Whole) => Selector::WholeArray,
            (Some(len), Index::At(i)) if i <= len => Selector::Element(i - 1),
            (Some(_), Index::At(_)) => return Err(attribute_error(detail::INDEX_OUT_OF_RANGE)),
        },
        Suffix::Property(p) => scalar_only(Selector::Property(p))?,
        Suffix::UnknownProperty => return Err(attribute_error(detail::INVALID_PROPERTY_ID)),
        Suffix::Bit(n) => {
            // Bit fields exist only on scalar MxInteger (not on the other types
            // stored as integers, such as enums).
            if meta.data_type != DataType::Integer || meta.array_len.is_some() {
                return Err(attribute_error(detail::INCORRECT_DATA_TYPE));
            }
            if n > 31 {
                return Err(attribute_error(detail::INDEX_OUT_OF_RANGE));
            }
            scalar_only(Selector::Bit(n))?
        }
        Suffix::AttributeNames => match index {
            Index::None | Index::Whole => Selector::AttributeNames,
            // The list is read whole; its length is not a configured dimension.
            Index::At(_) => return Err(attribute_error(detail::INVALID_INDEX)),
        },
    };
    Ok(Resolved {
        object,
        attr,
        point: obj.first_point + u32::from(attr),
        selector,
    })
}
