//! The domain types of a browse: deployed objects with their attributes, as the
//! hierarchy query returns them. They mirror `mxgateway.v1.GalaxyObject` and
//! `GalaxyAttribute` field by field; the gateway converts them to protobuf.

use mxgateway_mx::{DataType, SecurityClassification, Timestamp};

/// `template_definition.category_id` values (GRAccess `ECATEGORY`,
/// `mxaccess-semantics.md` §7) that this crate writes or browses.
pub mod category {
    pub const PLATFORM: i32 = 1;
    pub const APPLICATION_ENGINE: i32 = 3;
    pub const VIEW_ENGINE: i32 = 4;
    pub const APPLICATION_OBJECT: i32 = 10;
    pub const IO_NETWORK: i32 = 11;
    pub const AREA: i32 = 13;
    pub const VIEW_APP: i32 = 17;
    pub const POST_IO: i32 = 24;
    pub const INTOUCH_VIEW_APP: i32 = 26;

    /// The categories the hierarchy query lists (the set real browse tools use).
    pub const BROWSABLE: [i32; 9] = [
        PLATFORM,
        APPLICATION_ENGINE,
        VIEW_ENGINE,
        APPLICATION_OBJECT,
        IO_NETWORK,
        AREA,
        VIEW_APP,
        POST_IO,
        INTOUCH_VIEW_APP,
    ];

    /// The `ECATEGORY` name without its prefix, e.g. `"Area"`; `"Undefined"` for
    /// numbers outside the enum.
    pub fn name(category_id: i32) -> &'static str {
        const NAMES: [&str; 29] = [
            "Undefined",
            "PlatformEngine",
            "ClusterEngine",
            "ApplicationEngine",
            "ViewEngine",
            "ProductEngine",
            "HistoryEngine",
            "PrintEngine",
            "Outpost",
            "QueryEngine",
            "ApplicationObject",
            "IONetwork",
            "IODevice",
            "Area",
            "UserProfile",
            "Display",
            "Symbol",
            "ViewApp",
            "ProductionObject",
            "Report",
            "SharedProcedure",
            "InsertablePrimitive",
            "IDEMacro",
            "Galaxy",
            "PostIO",
            "Custom",
            "InTouchViewApp",
            "VisualElement",
            "Widget",
        ];
        usize::try_from(category_id)
            .ok()
            .and_then(|i| NAMES.get(i).copied())
            .unwrap_or("Undefined")
    }
}

/// A deployed instance (`gobject` with `is_template = 0`) as the browse shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GalaxyObject {
    pub gobject_id: i32,
    /// Globally unique; runtime references are `tag_name.attribute`.
    pub tag_name: String,
    /// The name inside its container; empty for uncontained objects.
    pub contained_name: String,
    /// `Container.ContainedName` for contained objects (recursively), the tag name
    /// otherwise. Areas are not part of it (see the crate docs).
    pub hierarchical_name: String,
    /// `contained_name`, or `tag_name` when that is empty.
    pub browse_name: String,
    /// The container if there is one, else the area; 0 is the galaxy root.
    pub parent_gobject_id: i32,
    /// Empty when the parent is the galaxy root.
    pub parent_tag_name: String,
    /// The area the object belongs to; empty for objects outside any area.
    pub area_tag_name: String,
    /// Template tag names, nearest first, e.g. `["$Tank", "$UserDefined"]`.
    pub template_chain: Vec<String>,
    pub category_id: i32,
    /// [`category::name`] of `category_id`.
    pub category: String,
    /// Sorted by name (case-insensitively).
    pub attributes: Vec<GalaxyAttribute>,
}

/// A user-defined attribute (`dynamic_attribute`) of a deployed object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GalaxyAttribute {
    /// May contain dots (`Level.Hi`).
    pub attribute_name: String,
    /// The runtime reference that subscribes the whole attribute:
    /// `tag_name.attribute_name`, with `[]` appended for arrays (MXAccess refuses an
    /// array without brackets).
    pub full_tag_reference: String,
    pub data_type: DataType,
    pub is_array: bool,
    /// `Undefined` for numbers outside `MxSecurityClassification`.
    pub security: SecurityClassification,
    /// The vendor's number as stored (`-1` undefined).
    pub raw_security_classification: i32,
    /// An `AlarmExtension` primitive is attached.
    pub is_alarm: bool,
    /// A `HistoryExtension` primitive is attached.
    pub is_historized: bool,
}

/// Everything one hierarchy query returns: the deploy it was read at and the
/// objects, parents before children.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Hierarchy {
    /// `galaxy.time_of_last_deploy`; `None` when the galaxy was never deployed.
    pub time_of_last_deploy: Option<Timestamp>,
    pub objects: Vec<GalaxyObject>,
}

impl Hierarchy {
    /// Attributes over all objects.
    pub fn attribute_count(&self) -> usize {
        self.objects.iter().map(|o| o.attributes.len()).sum()
    }
}

/// Maps a stored `security_classification`; numbers outside the enum are `Undefined`.
pub(crate) fn security_from_raw(raw: i32) -> SecurityClassification {
    use SecurityClassification as S;
    [
        S::Undefined,
        S::FreeAccess,
        S::Operate,
        S::SecuredWrite,
        S::VerifiedWrite,
        S::Tune,
        S::Configure,
        S::ViewOnly,
    ]
    .into_iter()
    .find(|s| s.raw() == raw)
    .unwrap_or(S::Undefined)
}
