//! Converting domain values to and from the wire, with the client-side checks.
//!
//! Non-finite floats (`NaN`, `inf`, `-inf`), scalar or inside arrays, are
//! rejected before anything is sent: MXAccess has no defined representation
//! for them, and sending one would fail (or worse, succeed oddly) far away
//! from the caller's mistake.

use mxgateway_mx::{DataType, MxValue, Timestamp};
use mxgateway_proto::v1;

use crate::error::Error;

/// The MXAccess data type a value naturally belongs to, used when the caller
/// does not name one: the element type for arrays, `QualifiedStruct` for an
/// opaque record and `NoData` for an empty value.
pub fn natural_data_type(value: &MxValue) -> DataType {
    match value {
        MxValue::Empty => DataType::NoData,
        MxValue::Bool(_) | MxValue::BoolArray(_) => DataType::Boolean,
        MxValue::Int32(_) | MxValue::Int32Array(_) => DataType::Integer,
        MxValue::Float(_) | MxValue::FloatArray(_) => DataType::Float,
        MxValue::Double(_) | MxValue::DoubleArray(_) => DataType::Double,
        MxValue::String(_) | MxValue::StringArray(_) => DataType::String,
        MxValue::Time(_) | MxValue::TimeArray(_) => DataType::Time,
        MxValue::ElapsedTime(_) | MxValue::ElapsedTimeArray(_) => DataType::ElapsedTime,
        MxValue::Record(_) => DataType::QualifiedStruct,
    }
}

/// Wraps a domain value for sending with its natural data type, rejecting
/// non-finite floats.
pub fn to_wire(value: &MxValue) -> Result<v1::MxValue, Error> {
    to_wire_as(value, natural_data_type(value))
}

/// Wraps a domain value for sending with an explicit data type, rejecting
/// non-finite floats.
pub fn to_wire_as(value: &MxValue, data_type: DataType) -> Result<v1::MxValue, Error> {
    value
        .ensure_finite()
        .map_err(|e| Error::invalid_value(e.to_string()))?;
    Ok(v1::MxValue::from_domain(value, data_type))
}

/// Unwraps a received value (rejecting non-finite floats and out-of-range
/// times).
pub fn from_wire(value: &v1::MxValue) -> Result<MxValue, Error> {
    value
        .to_domain()
        .map_err(|e| Error::invalid_value(e.to_string()))
}

/// A domain timestamp as a protobuf timestamp.
pub fn timestamp_to_wire(t: Timestamp) -> prost_types::Timestamp {
    mxgateway_proto::timestamp_to_pb(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_finite_floats_are_rejected_scalar_and_in_arrays() {
        let bad = [
            MxValue::Float(f32::NAN),
            MxValue::Float(f32::INFINITY),
            MxValue::Double(f64::NEG_INFINITY),
            MxValue::Double(f64::NAN),
            MxValue::FloatArray(vec![1.0, f32::NAN]),
            MxValue::DoubleArray(vec![f64::INFINITY]),
        ];
        for v in bad {
            let e = to_wire(&v).unwrap_err();
            assert!(matches!(e, Error::InvalidValue { .. }), "{v:?}");
            assert!(e.to_string().contains("non-finite"), "{e}");
        }
    }

    #[test]
    fn natural_types_and_variants() {
        let wire = to_wire(&MxValue::Int32(5)).unwrap();
        assert_eq!(wire.data_type, v1::MxDataType::Integer as i32);
        assert_eq!(wire.variant_type, 3);
        let wire = to_wire(&MxValue::DoubleArray(vec![1.0])).unwrap();
        assert_eq!(wire.data_type, v1::MxDataType::Double as i32);
        assert_eq!(wire.variant_type, 0x2000 | 5);
        assert_eq!(from_wire(&wire).unwrap(), MxValue::DoubleArray(vec![1.0]));
    }
}
