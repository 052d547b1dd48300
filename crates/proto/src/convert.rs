//! Conversions between the generated messages and the `mxgateway-mx` domain model.
//! This is the only place that knows both.

use mxgateway_mx as mx;
use prost_types::{Duration, Timestamp as PbTimestamp};

use crate::v1::{self, mx_value::Kind};

/// A message that cannot become a domain value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConvertError {
    /// A float or double that is NaN or infinite.
    NonFinite(String),
    /// A timestamp or duration outside the representable range.
    OutOfRange(&'static str),
}

impl std::fmt::Display for ConvertError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConvertError::NonFinite(v) => {
                write!(f, "non-finite float ({v}) has no MXAccess representation")
            }
            ConvertError::OutOfRange(what) => write!(f, "{what} is out of range"),
        }
    }
}

impl std::error::Error for ConvertError {}

// === timestamps and durations ===

/// Converts a domain timestamp to protobuf.
pub fn timestamp_to_pb(t: mx::Timestamp) -> PbTimestamp {
    PbTimestamp {
        seconds: t.seconds(),
        nanos: t.subsec_nanos(),
    }
}

/// Converts a protobuf timestamp; `nanos` outside `0..1e9` is rejected.
pub fn timestamp_from_pb(t: &PbTimestamp) -> Result<mx::Timestamp, ConvertError> {
    if !(0..1_000_000_000).contains(&t.nanos) {
        return Err(ConvertError::OutOfRange("timestamp nanos"));
    }
    t.seconds
        .checked_mul(1_000_000_000)
        .and_then(|s| s.checked_add(i64::from(t.nanos)))
        .map(|unix_nanos| mx::Timestamp { unix_nanos })
        .ok_or(ConvertError::OutOfRange("timestamp"))
}

fn duration_to_pb(nanos: i64) -> Duration {
    Duration {
        seconds: nanos / 1_000_000_000,
        nanos: (nanos % 1_000_000_000) as i32,
    }
}

fn duration_from_pb(d: &Duration) -> Result<i64, ConvertError> {
    d.seconds
        .checked_mul(1_000_000_000)
        .and_then(|s| s.checked_add(i64::from(d.nanos)))
        .ok_or(ConvertError::OutOfRange("elapsed time"))
}

// === data types ===

/// Maps a domain data type to the proto enum (same numbers).
pub fn data_type_to_pb(t: mx::DataType) -> v1::MxDataType {
    v1::MxDataType::try_from(t.raw()).unwrap_or(v1::MxDataType::Unknown)
}

/// Maps the proto enum to the domain data type.
pub fn data_type_from_pb(raw: i32) -> mx::DataType {
    mx::DataType::from_raw(raw)
}

// === values ===

impl v1::MxValue {
    /// Wraps a domain value with the attribute's data type.
    pub fn from_domain(value: &mx::MxValue, data_type: mx::DataType) -> Self {
        let kind = match value {
            mx::MxValue::Empty => None,
            mx::MxValue::Bool(v) => Some(Kind::BoolValue(*v)),
            mx::MxValue::Int32(v) => Some(Kind::Int32Value(*v)),
            mx::MxValue::Float(v) => Some(Kind::FloatValue(*v)),
            mx::MxValue::Double(v) => Some(Kind::DoubleValue(*v)),
            mx::MxValue::String(v) => Some(Kind::StringValue(v.clone())),
            mx::MxValue::Time(t) => Some(Kind::TimeValue(timestamp_to_pb(*t))),
            mx::MxValue::ElapsedTime(n) => Some(Kind::ElapsedValue(duration_to_pb(*n))),
            mx::MxValue::BoolArray(v) => Some(Kind::BoolArray(v1::BoolArray { values: v.clone() })),
            mx::MxValue::Int32Array(v) => {
                Some(Kind::Int32Array(v1::Int32Array { values: v.clone() }))
            }
            mx::MxValue::FloatArray(v) => {
                Some(Kind::FloatArray(v1::FloatArray { values: v.clone() }))
            }
            mx::MxValue::DoubleArray(v) => {
                Some(Kind::DoubleArray(v1::DoubleArray { values: v.clone() }))
            }
            mx::MxValue::StringArray(v) => {
                Some(Kind::StringArray(v1::StringArray { values: v.clone() }))
            }
            mx::MxValue::TimeArray(v) => Some(Kind::TimeArray(v1::TimeArray {
                values: v.iter().map(|t| timestamp_to_pb(*t)).collect(),
            })),
            mx::MxValue::ElapsedTimeArray(v) => Some(Kind::ElapsedArray(v1::DurationArray {
                values: v.iter().map(|n| duration_to_pb(*n)).collect(),
            })),
            mx::MxValue::Record(b) => Some(Kind::RecordValue(b.clone())),
        };
        v1::MxValue {
            data_type: data_type_to_pb(data_type) as i32,
            variant_type: value.variant_type(),
            kind,
        }
    }

    /// Unwraps into a domain value, rejecting non-finite floats.
    pub fn to_domain(&self) -> Result<mx::MxValue, ConvertError> {
        let value = match &self.kind {
            None => mx::MxValue::Empty,
            Some(Kind::BoolValue(v)) => mx::MxValue::Bool(*v),
            Some(Kind::Int32Value(v)) => mx::MxValue::Int32(*v),
            Some(Kind::FloatValue(v)) => mx::MxValue::Float(*v),
            Some(Kind::DoubleValue(v)) => mx::MxValue::Double(*v),
            Some(Kind::StringValue(v)) => mx::MxValue::String(v.clone()),
            Some(Kind::TimeValue(t)) => mx::MxValue::Time(timestamp_from_pb(t)?),
            Some(Kind::ElapsedValue(d)) => mx::MxValue::ElapsedTime(duration_from_pb(d)?),
            Some(Kind::BoolArray(a)) => mx::MxValue::BoolArray(a.values.clone()),
            Some(Kind::Int32Array(a)) => mx::MxValue::Int32Array(a.values.clone()),
            Some(Kind::FloatArray(a)) => mx::MxValue::FloatArray(a.values.clone()),
            Some(Kind::DoubleArray(a)) => mx::MxValue::DoubleArray(a.values.clone()),
            Some(Kind::StringArray(a)) => mx::MxValue::StringArray(a.values.clone()),
            Some(Kind::TimeArray(a)) => mx::MxValue::TimeArray(
                a.values
                    .iter()
                    .map(timestamp_from_pb)
                    .collect::<Result<_, _>>()?,
            ),
            Some(Kind::ElapsedArray(a)) => mx::MxValue::ElapsedTimeArray(
                a.values
                    .iter()
                    .map(duration_from_pb)
                    .collect::<Result<_, _>>()?,
            ),
            Some(Kind::RecordValue(b)) => mx::MxValue::Record(b.clone()),
        };
        value.ensure_finite().map_err(|e| match e {
            mx::ValueError::NonFinite(v) => ConvertError::NonFinite(v),
            other => ConvertError::NonFinite(other.to_string()),
        })?;
        Ok(value)
    }
}

// === statuses ===

/// Proto category number for a vendor category.
pub fn category_to_pb(c: mx::StatusCategory) -> v1::MxStatusCategory {
    use mx::StatusCategory as C;
    use v1::MxStatusCategory as P;
    match c {
        C::Unknown => P::Unknown,
        C::Ok => P::Ok,
        C::Pending => P::Pending,
        C::Warning => P::Warning,
        C::CommunicationError => P::CommunicationError,
        C::ConfigurationError => P::ConfigurationError,
        C::OperationalError => P::OperationalError,
        C::SecurityError => P::SecurityError,
        C::SoftwareError => P::SoftwareError,
        C::OtherError => P::OtherError,
    }
}

/// Proto security classification for a vendor one.
pub fn security_to_pb(c: mx::SecurityClassification) -> v1::SecurityClassification {
    use mx::SecurityClassification as C;
    use v1::SecurityClassification as P;
    match c {
        C::Undefined => P::Undefined,
        C::FreeAccess => P::FreeAccess,
        C::Operate => P::Operate,
        C::SecuredWrite => P::SecuredWrite,
        C::VerifiedWrite => P::VerifiedWrite,
        C::Tune => P::Tune,
        C::Configure => P::Configure,
        C::ViewOnly => P::ViewOnly,
    }
}

/// Proto source number for a vendor source.
pub fn source_to_pb(s: mx::StatusSource) -> v1::MxStatusSource {
    use mx::StatusSource as S;
    use v1::MxStatusSource as P;
    match s {
        S::Unknown => P::Unknown,
        S::RequestingLmx => P::RequestingLmx,
        S::RespondingLmx => P::RespondingLmx,
        S::RequestingNmx => P::RequestingNmx,
        S::RespondingNmx => P::RespondingNmx,
        S::RequestingAutomationObject => P::RequestingAutomationObject,
        S::RespondingAutomationObject => P::RespondingAutomationObject,
    }
}

impl From<mx::MxStatus> for v1::MxStatus {
    fn from(s: mx::MxStatus) -> Self {
        v1::MxStatus {
            success: i32::from(s.success),
            category: category_to_pb(s.category) as i32,
            detected_by: source_to_pb(s.detected_by) as i32,
            detail: i32::from(s.detail),
            raw_category: s.category.raw(),
            raw_detected_by: s.detected_by.raw(),
        }
    }
}

impl v1::MxStatus {
    /// Back to the domain status; the `raw_*` fields are authoritative.
    pub fn to_domain(&self) -> mx::MxStatus {
        mx::MxStatus {
            success: i16::try_from(self.success).unwrap_or(1),
            category: mx::StatusCategory::from_raw(self.raw_category),
            detected_by: mx::StatusSource::from_raw(self.raw_detected_by),
            detail: i16::try_from(self.detail).unwrap_or(i16::MAX),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip() {
        let samples = vec![
            (mx::MxValue::Bool(true), mx::DataType::Boolean),
            (mx::MxValue::Int32(-7), mx::DataType::Integer),
            (mx::MxValue::Float(1.5), mx::DataType::Float),
            (mx::MxValue::Double(2.25), mx::DataType::Double),
            (mx::MxValue::String("x".into()), mx::DataType::String),
            (
                mx::MxValue::Time(mx::Timestamp::from_parts(1_700_000_000, 5)),
                mx::DataType::Time,
            ),
            (
                mx::MxValue::ElapsedTime(-1_500_000_000),
                mx::DataType::ElapsedTime,
            ),
            (
                mx::MxValue::Int32Array(vec![1, 2, 3]),
                mx::DataType::Integer,
            ),
            (
                mx::MxValue::Record(vec![1, 2]),
                mx::DataType::QualifiedStruct,
            ),
            (mx::MxValue::Empty, mx::DataType::NoData),
        ];
        for (v, t) in samples {
            let pb = v1::MxValue::from_domain(&v, t);
            assert_eq!(pb.to_domain().unwrap(), v);
            assert_eq!(pb.data_type, t.raw());
        }
    }

    #[test]
    fn non_finite_is_rejected() {
        let pb = v1::MxValue {
            kind: Some(Kind::DoubleValue(f64::NAN)),
            ..Default::default()
        };
        assert!(matches!(pb.to_domain(), Err(ConvertError::NonFinite(_))));
        let pb = v1::MxValue {
            kind: Some(Kind::FloatArray(v1::FloatArray {
                values: vec![1.0, f32::INFINITY],
            })),
            ..Default::default()
        };
        assert!(pb.to_domain().is_err());
    }

    #[test]
    fn status_round_trip_keeps_vendor_numbers() {
        let s = mx::MxStatus::failure(
            mx::StatusCategory::SecurityError,
            mx::StatusSource::RespondingAutomationObject,
            mx::detail::SECURED_WRITE,
        );
        let pb: v1::MxStatus = s.into();
        assert_eq!(pb.raw_category, 6);
        assert_eq!(pb.category, v1::MxStatusCategory::SecurityError as i32);
        assert_eq!(pb.to_domain(), s);
    }
}
