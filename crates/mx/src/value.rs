//! MXAccess data types and values (the VARIANTs MXAccess delivers).

use std::time::{SystemTime, UNIX_EPOCH};

/// `MxDataType`, with the vendor's numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DataType {
    Unknown = -1,
    #[default]
    NoData = 0,
    Boolean = 1,
    Integer = 2,
    Float = 3,
    Double = 4,
    String = 5,
    Time = 6,
    ElapsedTime = 7,
    Reference = 8,
    Status = 9,
    DataTypeEnum = 10,
    SecurityClassificationEnum = 11,
    DataQuality = 12,
    QualifiedEnum = 13,
    QualifiedStruct = 14,
    InternationalizedString = 15,
    BigString = 16,
}

impl DataType {
    /// Every data type, in vendor order.
    pub const ALL: [DataType; 18] = [
        DataType::Unknown,
        DataType::NoData,
        DataType::Boolean,
        DataType::Integer,
        DataType::Float,
        DataType::Double,
        DataType::String,
        DataType::Time,
        DataType::ElapsedTime,
        DataType::Reference,
        DataType::Status,
        DataType::DataTypeEnum,
        DataType::SecurityClassificationEnum,
        DataType::DataQuality,
        DataType::QualifiedEnum,
        DataType::QualifiedStruct,
        DataType::InternationalizedString,
        DataType::BigString,
    ];

    /// The vendor's number.
    pub fn raw(self) -> i32 {
        self as i32
    }

    /// Maps a vendor number; anything out of range is `Unknown`.
    pub fn from_raw(raw: i32) -> Self {
        Self::ALL
            .into_iter()
            .find(|t| t.raw() == raw)
            .unwrap_or(Self::Unknown)
    }

    /// The vendor's name without the `Mx` prefix, as used in model files and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Self::Unknown => "Unknown",
            Self::NoData => "NoData",
            Self::Boolean => "Boolean",
            Self::Integer => "Integer",
            Self::Float => "Float",
            Self::Double => "Double",
            Self::String => "String",
            Self::Time => "Time",
            Self::ElapsedTime => "ElapsedTime",
            Self::Reference => "Reference",
            Self::Status => "Status",
            Self::DataTypeEnum => "DataTypeEnum",
            Self::SecurityClassificationEnum => "SecurityClassificationEnum",
            Self::DataQuality => "DataQuality",
            Self::QualifiedEnum => "QualifiedEnum",
            Self::QualifiedStruct => "QualifiedStruct",
            Self::InternationalizedString => "InternationalizedString",
            Self::BigString => "BigString",
        }
    }

    /// Parses a name as [`DataType::name`] prints it, case-insensitively.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|t| t.name().eq_ignore_ascii_case(name))
    }
}

/// A UTC instant with nanosecond resolution, counted from the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp {
    pub unix_nanos: i64,
}

impl Timestamp {
    /// The current wall-clock time.
    pub fn now() -> Self {
        let since = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        Timestamp {
            unix_nanos: i64::try_from(since.as_nanos()).unwrap_or(i64::MAX),
        }
    }

    /// Builds a timestamp from seconds and nanoseconds since the epoch.
    pub fn from_parts(seconds: i64, nanos: i32) -> Self {
        Timestamp {
            unix_nanos: seconds
                .saturating_mul(1_000_000_000)
                .saturating_add(i64::from(nanos)),
        }
    }

    /// Whole seconds since the epoch (floor).
    pub fn seconds(self) -> i64 {
        self.unix_nanos.div_euclid(1_000_000_000)
    }

    /// The sub-second part, always in `0..1_000_000_000`.
    pub fn subsec_nanos(self) -> i32 {
        self.unix_nanos.rem_euclid(1_000_000_000) as i32
    }
}

/// Why a value cannot be carried or converted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    #[error("non-finite float ({0}) has no MXAccess representation")]
    NonFinite(String),
    #[error("cannot parse {value:?} as {data_type}")]
    Parse {
        value: String,
        data_type: &'static str,
    },
    #[error("{0}")]
    Invalid(String),
}

/// A value as MXAccess carries it: a scalar, an array of scalars, an opaque
/// record, or nothing (VT_EMPTY).
#[derive(Debug, Clone, PartialEq, Default)]
pub enum MxValue {
    #[default]
    Empty,
    Bool(bool),
    Int32(i32),
    Float(f32),
    Double(f64),
    String(String),
    Time(Timestamp),
    /// MxElapsedTime in nanoseconds.
    ElapsedTime(i64),
    BoolArray(Vec<bool>),
    Int32Array(Vec<i32>),
    FloatArray(Vec<f32>),
    DoubleArray(Vec<f64>),
    StringArray(Vec<String>),
    TimeArray(Vec<Timestamp>),
    ElapsedTimeArray(Vec<i64>),
    /// An opaque VT_RECORD pass-through.
    Record(Vec<u8>),
}

/// COM VARIANT type codes.
pub mod vt {
    pub const EMPTY: i32 = 0;
    pub const I4: i32 = 3;
    pub const R4: i32 = 4;
    pub const R8: i32 = 5;
    pub const DATE: i32 = 7;
    pub const BSTR: i32 = 8;
    pub const BOOL: i32 = 11;
    pub const RECORD: i32 = 36;
    pub const ARRAY: i32 = 0x2000;
}

impl MxValue {
    /// The COM VARIANT type this value travels as. Elapsed times travel as
    /// VT_R8 seconds, the common practice (the native type is unconfirmed).
    pub fn variant_type(&self) -> i32 {
        match self {
            MxValue::Empty => vt::EMPTY,
            MxValue::Bool(_) => vt::BOOL,
            MxValue::Int32(_) => vt::I4,
            MxValue::Float(_) => vt::R4,
            MxValue::Double(_) | MxValue::ElapsedTime(_) => vt::R8,
            MxValue::String(_) => vt::BSTR,
            MxValue::Time(_) => vt::DATE,
            MxValue::BoolArray(_) => vt::ARRAY | vt::BOOL,
            MxValue::Int32Array(_) => vt::ARRAY | vt::I4,
            MxValue::FloatArray(_) => vt::ARRAY | vt::R4,
            MxValue::DoubleArray(_) | MxValue::ElapsedTimeArray(_) => vt::ARRAY | vt::R8,
            MxValue::StringArray(_) => vt::ARRAY | vt::BSTR,
            MxValue::TimeArray(_) => vt::ARRAY | vt::DATE,
            MxValue::Record(_) => vt::RECORD,
        }
    }

    /// True for the array variants.
    pub fn is_array(&self) -> bool {
        matches!(
            self,
            MxValue::BoolArray(_)
                | MxValue::Int32Array(_)
                | MxValue::FloatArray(_)
                | MxValue::DoubleArray(_)
                | MxValue::StringArray(_)
                | MxValue::TimeArray(_)
                | MxValue::ElapsedTimeArray(_)
        )
    }

    /// Rejects NaN and infinities, scalar or inside arrays.
    pub fn ensure_finite(&self) -> Result<(), ValueError> {
        let bad = |v: f64| (!v.is_finite()).then(|| ValueError::NonFinite(v.to_string()));
        let found = match self {
            MxValue::Float(v) => bad(f64::from(*v)),
            MxValue::Double(v) => bad(*v),
            MxValue::FloatArray(vs) => vs.iter().find_map(|v| bad(f64::from(*v))),
            MxValue::DoubleArray(vs) => vs.iter().find_map(|v| bad(*v)),
            _ => None,
        };
        found.map_or(Ok(()), Err)
    }
}

/// Value, timestamp and quality: what one data change carries.
#[derive(Debug, Clone, PartialEq)]
pub struct Vtq {
    pub value: MxValue,
    pub quality: i32,
    pub timestamp: Timestamp,
}
