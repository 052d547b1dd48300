//! Statuses (`MXSTATUS_PROXY`), detail codes, HRESULTs, OPC DA quality and security classifications.

/// `MxStatusCategory`, with the vendor's numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusCategory {
    Unknown = -1,
    Ok = 0,
    Pending = 1,
    Warning = 2,
    CommunicationError = 3,
    ConfigurationError = 4,
    OperationalError = 5,
    SecurityError = 6,
    SoftwareError = 7,
    OtherError = 8,
}

impl StatusCategory {
    /// The vendor's number.
    pub fn raw(self) -> i32 {
        self as i32
    }

    /// Maps a vendor number; anything out of range is `Unknown`.
    pub fn from_raw(raw: i32) -> Self {
        match raw {
            0 => Self::Ok,
            1 => Self::Pending,
            2 => Self::Warning,
            3 => Self::CommunicationError,
            4 => Self::ConfigurationError,
            5 => Self::OperationalError,
            6 => Self::SecurityError,
            7 => Self::SoftwareError,
            8 => Self::OtherError,
            _ => Self::Unknown,
        }
    }
}

/// `MxStatusSource` (the `detectedBy` field), with the vendor's numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusSource {
    Unknown = -1,
    RequestingLmx = 0,
    RespondingLmx = 1,
    RequestingNmx = 2,
    RespondingNmx = 3,
    RequestingAutomationObject = 4,
    RespondingAutomationObject = 5,
}

impl StatusSource {
    /// The vendor's number.
    pub fn raw(self) -> i32 {
        self as i32
    }

    /// Maps a vendor number; anything out of range is `Unknown`.
    pub fn from_raw(raw: i32) -> Self {
        match raw {
            0 => Self::RequestingLmx,
            1 => Self::RespondingLmx,
            2 => Self::RequestingNmx,
            3 => Self::RespondingNmx,
            4 => Self::RequestingAutomationObject,
            5 => Self::RespondingAutomationObject,
            _ => Self::Unknown,
        }
    }
}

/// One `MXSTATUS_PROXY` entry.
///
/// The simulator uses `success = 1` for success (the vendor's exact value is
/// unconfirmed; clients must only test it against zero).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MxStatus {
    pub success: i16,
    pub category: StatusCategory,
    pub detected_by: StatusSource,
    pub detail: i16,
}

impl MxStatus {
    /// The status of a successful operation.
    pub const OK: MxStatus = MxStatus {
        success: 1,
        category: StatusCategory::Ok,
        detected_by: StatusSource::RespondingLmx,
        detail: detail::SUCCESS,
    };

    /// A failure with the given category, source and detail code.
    pub const fn failure(category: StatusCategory, detected_by: StatusSource, detail: i16) -> Self {
        MxStatus {
            success: 0,
            category,
            detected_by,
            detail,
        }
    }

    /// True when `success` is non-zero.
    pub fn is_success(&self) -> bool {
        self.success != 0
    }
}

/// `MxStatusDetail` codes used by the gateway and the simulator.
pub mod detail {
    pub const SUCCESS: i16 = 0;
    pub const REQUEST_TIMED_OUT: i16 = 1;
    pub const PLATFORM_COMMUNICATION_ERROR: i16 = 2;
    pub const ENGINE_COMMUNICATION_ERROR: i16 = 5;
    pub const INVALID_REFERENCE: i16 = 6;
    pub const RESOLVING_ATTRIBUTE: i16 = 11;
    pub const RESOLVING_OBJECT: i16 = 12;
    pub const WRONG_DATA_TYPE: i16 = 13;
    pub const WRONG_NUMBER_OF_DIMENSIONS: i16 = 14;
    pub const INVALID_INDEX: i16 = 15;
    pub const CONVERSION_NOT_SUPPORTED: i16 = 18;
    pub const UNABLE_TO_CONVERT_STRING: i16 = 19;
    pub const OVERFLOW: i16 = 20;
    pub const INVALID_PROPERTY_ID: i16 = 1002;
    pub const INDEX_OUT_OF_RANGE: i16 = 1003;
    pub const DATA_OUT_OF_RANGE: i16 = 1004;
    pub const INCORRECT_DATA_TYPE: i16 = 1005;
    pub const NOT_READABLE: i16 = 1006;
    pub const NOT_WRITEABLE: i16 = 1007;
    pub const WRITE_ACCESS_DENIED: i16 = 1008;
    pub const UNKNOWN_ERROR: i16 = 1009;
    pub const OBJECT_INITIALIZING: i16 = 1010;
    pub const SECURED_WRITE: i16 = 1012;
    pub const VERIFIED_WRITE: i16 = 1013;
    pub const NO_ALARM_ACK_PRIVILEGE: i16 = 1014;
    pub const ALARM_ACKED_ALREADY: i16 = 1015;
    pub const USER_NOT_HAVING_ACCESS_RIGHTS: i16 = 1016;
    pub const VERIFIER_NOT_HAVING_VERIFY_RIGHTS: i16 = 1017;
}

/// COM HRESULTs returned by MXAccess calls.
pub mod hresult {
    pub const S_OK: i32 = 0;
    /// `E_INVALIDARG` (0x80070057): unknown handles, writes before the item resolved,
    /// bad credentials. .NET surfaces it as `ArgumentException`.
    pub const E_INVALIDARG: i32 = 0x8007_0057_u32 as i32;
    /// `E_FAIL` (0x80004005).
    pub const E_FAIL: i32 = 0x8000_4005_u32 as i32;
    /// Access denied: the gateway's tag constraints refused a bulk entry.
    pub const E_ACCESSDENIED: i32 = 0x8007_0005_u32 as i32;
}

/// OPC DA 16-bit quality values used by MXAccess (`pwItemQuality`).
pub mod quality {
    pub const GOOD: i32 = 192;
    pub const BAD: i32 = 0;
    pub const BAD_CONFIG_ERROR: i32 = 4;
    pub const BAD_NOT_CONNECTED: i32 = 8;
    pub const BAD_COMM_FAILURE: i32 = 24;
    pub const BAD_OUT_OF_SERVICE: i32 = 28;
    /// Bad / waiting for initial data ("Initializing").
    pub const WAITING_FOR_INITIAL_DATA: i32 = 32;
    pub const UNCERTAIN: i32 = 64;

    /// True for the Good family (192..=255).
    pub fn is_good(q: i32) -> bool {
        (q & 0xC0) == 0xC0
    }
}

/// `MxSecurityClassification`, with the vendor's numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SecurityClassification {
    Undefined = -1,
    #[default]
    FreeAccess = 0,
    Operate = 1,
    SecuredWrite = 2,
    VerifiedWrite = 3,
    Tune = 4,
    Configure = 5,
    ViewOnly = 6,
}

impl SecurityClassification {
    /// The vendor's number.
    pub fn raw(self) -> i32 {
        self as i32
    }

    /// The name used in galaxy model files and JSON output.
    pub fn name(self) -> &'static str {
        match self {
            Self::Undefined => "Undefined",
            Self::FreeAccess => "FreeAccess",
            Self::Operate => "Operate",
            Self::SecuredWrite => "SecuredWrite",
            Self::VerifiedWrite => "VerifiedWrite",
            Self::Tune => "Tune",
            Self::Configure => "Configure",
            Self::ViewOnly => "ViewOnly",
        }
    }

    /// Parses a model-file name, case-insensitively.
    pub fn from_name(name: &str) -> Option<Self> {
        [
            Self::Undefined,
            Self::FreeAccess,
            Self::Operate,
            Self::SecuredWrite,
            Self::VerifiedWrite,
            Self::Tune,
            Self::Configure,
            Self::ViewOnly,
        ]
        .into_iter()
        .find(|c| c.name().eq_ignore_ascii_case(name))
    }
}
