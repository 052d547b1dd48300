//! The alarm RPCs of `MxAccessGateway` on [`GatewayClient`]: the alarm feed
//! ([`GatewayClient::stream_alarms`]), the active alarms
//! ([`GatewayClient::query_active_alarms`]) and acknowledgement
//! ([`GatewayClient::acknowledge_alarm`] and its raw form).
//!
//! These calls take no session. Streaming and querying need the API key's
//! `alarms:read` scope, acknowledging needs `alarms:ack`; a key without it is
//! [`Error::Authorization`]. An unknown alarm reference is
//! [`Error::NotFound`], a malformed filter or an over-long comment
//! [`Error::InvalidArgument`].
//!
//! # Raw and checked acknowledgement
//!
//! A refused acknowledgement (detail 1015: already acknowledged; 1014: the
//! operator may not acknowledge alarms) is not a gRPC error: the gateway
//! answers with a reply whose `status` failed.
//! [`acknowledge_alarm_raw`](GatewayClient::acknowledge_alarm_raw) hands that
//! reply back; [`acknowledge_alarm`](GatewayClient::acknowledge_alarm) checks
//! it with [`check_acknowledge_reply`] and fails with
//! [`Error::AlarmAckRefused`] (kind `mxaccess`), which keeps the reply.
//!
//! # Example
//!
//! ```no_run
//! # async fn demo() -> Result<(), mxgateway_client::Error> {
//! use futures::StreamExt;
//! use mxgateway_client::{AlarmFilter, ClientOptions, GatewayClient};
//!
//! let options = ClientOptions::new("gateway.example:5000").with_api_key("mxgw_id_secret");
//! let client = GatewayClient::connect(options).await?;
//! let urgent = AlarmFilter::new().query(r"\Galaxy!TankFarm").max_priority(500);
//! for alarm in client.query_active_alarms(&urgent).await? {
//!     println!("{} {}", alarm.reference, alarm.priority);
//! }
//! let mut feed = client.stream_alarms(&urgent).await?;
//! while let Some(event) = feed.next().await {
//!     println!("{:?}", event?);
//! }
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::Stream;
use mxgateway_proto::v1;

use crate::check;
use crate::client::GatewayClient;
use crate::error::Error;
use crate::stream::RpcStream;

/// Which alarms a stream or query covers: alarm queries (any of which may
/// match) and an inclusive priority range. The default covers every alarm.
///
/// The gateway validates the filter (query syntax, priorities within
/// 1..=999, minimum not above maximum) and refuses a bad one with
/// [`Error::InvalidArgument`]; this type sends what it is given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlarmFilter {
    queries: Vec<String>,
    min_priority: u32,
    max_priority: u32,
}

impl AlarmFilter {
    /// A filter that covers every alarm of the galaxy.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an alarm query in the System Platform syntax: `\Galaxy!Area`
    /// (the area and its sub-areas) or `\Galaxy!Area!Filter*` (`*` only at
    /// the start or the end of the filter). See `alarms.proto`.
    pub fn query(mut self, query: impl Into<String>) -> Self {
        self.queries.push(query.into());
        self
    }

    /// Adds several alarm queries (see [`query`](Self::query)).
    pub fn queries<I, S>(mut self, queries: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.queries.extend(queries.into_iter().map(Into::into));
        self
    }

    /// Only alarms with priority `>= min` (1 is the most urgent, 999 the
    /// least; 0 leaves this end open).
    pub fn min_priority(mut self, min: u32) -> Self {
        self.min_priority = min;
        self
    }

    /// Only alarms with priority `<= max` (0 leaves this end open).
    pub fn max_priority(mut self, max: u32) -> Self {
        self.max_priority = max;
        self
    }

    /// The queries, in the order they were added.
    pub fn query_list(&self) -> &[String] {
        &self.queries
    }

    /// The lower priority bound (0: open).
    pub fn min(&self) -> u32 {
        self.min_priority
    }

    /// The upper priority bound (0: open).
    pub fn max(&self) -> u32 {
        self.max_priority
    }

    /// The filter as the wire message.
    pub fn to_proto(&self) -> v1::AlarmFilter {
        v1::AlarmFilter {
            queries: self.queries.clone(),
            min_priority: self.min_priority,
            max_priority: self.max_priority,
        }
    }
}

impl From<&AlarmFilter> for v1::AlarmFilter {
    fn from(filter: &AlarmFilter) -> Self {
        filter.to_proto()
    }
}

impl From<AlarmFilter> for v1::AlarmFilter {
    fn from(filter: AlarmFilter) -> Self {
        v1::AlarmFilter {
            queries: filter.queries,
            min_priority: filter.min_priority,
            max_priority: filter.max_priority,
        }
    }
}

impl GatewayClient {
    /// Opens the alarm feed: the active alarms matching `filter` (one
    /// `SNAPSHOT` event each), a `SNAPSHOT_END`, then one `TRANSITION` per
    /// state change. A later snapshot with `resync` set replaces everything
    /// seen before it. Scope `alarms:read`.
    ///
    /// The stream has no deadline; the client's timeout bounds only the wait
    /// for the gateway to accept it. Dropping the stream cancels the call.
    pub async fn stream_alarms(&self, filter: &AlarmFilter) -> Result<AlarmEvents, Error> {
        let mut rpc = self.rpc.clone();
        let streaming = self
            .transport
            .open_stream(
                move |req| async move { rpc.stream_alarms(req).await },
                v1::StreamAlarmsRequest {
                    filter: Some(filter.to_proto()),
                },
            )
            .await?;
        Ok(AlarmEvents {
            inner: RpcStream::new(streaming, self.transport.redactor().clone()),
        })
    }

    /// The active alarms (`UNACK_ALM`, `ACK_ALM`, `UNACK_RTN`) matching
    /// `filter`, most urgent first, as the gateway orders them. Scope
    /// `alarms:read`.
    ///
    /// The whole call, to the last record, follows the unary timeout policy
    /// (see [`ClientOptions::timeout`](crate::ClientOptions::timeout)).
    pub async fn query_active_alarms(
        &self,
        filter: &AlarmFilter,
    ) -> Result<Vec<v1::AlarmRecord>, Error> {
        let mut rpc = self.rpc.clone();
        self.transport
            .collect(
                move |req| async move { rpc.query_active_alarms(req).await },
                v1::QueryActiveAlarmsRequest {
                    filter: Some(filter.to_proto()),
                },
            )
            .await
    }

    /// Acknowledges the alarm `reference` (`TagName.AlarmName`) for the
    /// galaxy user `operator`, writing `comment` (at most 256 characters,
    /// may be empty) to its `.AckMsg`. Scope `alarms:ack`.
    ///
    /// Fails only for gateway-level problems (transport, auth,
    /// [`Error::NotFound`] for an unknown alarm, [`Error::InvalidArgument`]);
    /// a refusal by the alarm runtime is a reply whose `status` failed.
    pub async fn acknowledge_alarm_raw(
        &self,
        reference: &str,
        comment: &str,
        operator: &str,
    ) -> Result<v1::AcknowledgeAlarmReply, Error> {
        let mut rpc = self.rpc.clone();
        self.transport
            .unary(
                move |req| async move { rpc.acknowledge_alarm(req).await },
                v1::AcknowledgeAlarmRequest {
                    reference: reference.to_string(),
                    comment: comment.to_string(),
                    operator: operator.to_string(),
                },
            )
            .await
    }

    /// Acknowledges an alarm as [`acknowledge_alarm_raw`] does and returns
    /// the alarm after the call. A refusal (detail 1015: already
    /// acknowledged; 1014: no acknowledge privilege) is
    /// [`Error::AlarmAckRefused`] carrying the reply; see
    /// [`check_acknowledge_reply`].
    ///
    /// [`acknowledge_alarm_raw`]: GatewayClient::acknowledge_alarm_raw
    pub async fn acknowledge_alarm(
        &self,
        reference: &str,
        comment: &str,
        operator: &str,
    ) -> Result<v1::AlarmRecord, Error> {
        let reply = self
            .acknowledge_alarm_raw(reference, comment, operator)
            .await?;
        let reply = check_acknowledge_reply(reply)?;
        // check_acknowledge_reply guarantees the record.
        reply
            .alarm
            .ok_or_else(|| Error::protocol("the gateway's acknowledgement reply carries no alarm"))
    }
}

/// The checked rule of an acknowledgement reply:
///
/// - a reply without its `status` or its `alarm` breaks the protocol (both
///   are always set): [`Error::Command`] without code or reply;
/// - a failed status (see [`check::status_is_failure`]) is
///   [`Error::AlarmAckRefused`], which keeps the reply;
/// - anything else passes through unchanged.
pub fn check_acknowledge_reply(
    reply: v1::AcknowledgeAlarmReply,
) -> Result<v1::AcknowledgeAlarmReply, Error> {
    let Some(status) = reply.status else {
        return Err(Error::protocol(
            "the gateway's acknowledgement reply carries no status",
        ));
    };
    if reply.alarm.is_none() {
        return Err(Error::protocol(
            "the gateway's acknowledgement reply carries no alarm",
        ));
    }
    if check::status_is_failure(&status) {
        return Err(Error::AlarmAckRefused {
            reply: Box::new(reply),
            status,
        });
    }
    Ok(reply)
}

/// The alarm feed from [`GatewayClient::stream_alarms`]: a snapshot, then
/// transitions (see `AlarmEvent` in `alarms.proto`). The first error ends
/// the stream; dropping it cancels the call at the gateway.
pub struct AlarmEvents {
    inner: RpcStream<v1::AlarmEvent>,
}

impl fmt::Debug for AlarmEvents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AlarmEvents")
            .field("done", &self.inner.is_done())
            .finish_non_exhaustive()
    }
}

impl Stream for AlarmEvents {
    type Item = Result<v1::AlarmEvent, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(&mut self.inner).poll_next(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(success: i32, category: v1::MxStatusCategory, detail: i32) -> v1::MxStatus {
        v1::MxStatus {
            success,
            category: category as i32,
            detail,
            ..Default::default()
        }
    }

    fn reply(status: Option<v1::MxStatus>, alarm: bool) -> v1::AcknowledgeAlarmReply {
        v1::AcknowledgeAlarmReply {
            status,
            alarm: alarm.then(|| v1::AlarmRecord {
                reference: "TestChildObject.TestDouble.Hi".into(),
                ..Default::default()
            }),
        }
    }

    #[test]
    fn the_builder_fills_the_wire_filter() {
        let f = AlarmFilter::new()
            .query(r"\Galaxy!TankFarm")
            .queries([r"\Galaxy!Utilities!Comp*"])
            .min_priority(100)
            .max_priority(500);
        assert_eq!(
            f.to_proto(),
            v1::AlarmFilter {
                queries: vec![
                    r"\Galaxy!TankFarm".into(),
                    r"\Galaxy!Utilities!Comp*".into()
                ],
                min_priority: 100,
                max_priority: 500,
            }
        );
        assert_eq!(v1::AlarmFilter::from(f.clone()), f.to_proto());
        assert_eq!(
            v1::AlarmFilter::from(AlarmFilter::new()),
            v1::AlarmFilter::default()
        );
    }

    #[test]
    fn an_ok_reply_passes() {
        let ok = reply(Some(status(1, v1::MxStatusCategory::Ok, 0)), true);
        assert_eq!(check_acknowledge_reply(ok.clone()).unwrap(), ok);
    }

    #[test]
    fn a_failed_status_is_a_refusal_that_keeps_the_reply() {
        let refused = status(0, v1::MxStatusCategory::OperationalError, 1015);
        let e = check_acknowledge_reply(reply(Some(refused), true)).unwrap_err();
        match &e {
            Error::AlarmAckRefused { reply, status } => {
                assert_eq!(*status, refused);
                assert_eq!(reply.status, Some(refused));
                assert!(reply.alarm.is_some());
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(e.kind(), "mxaccess");
    }

    #[test]
    fn an_unpopulated_status_is_not_a_refusal() {
        let placeholder = status(0, v1::MxStatusCategory::Unspecified, 0);
        assert!(check_acknowledge_reply(reply(Some(placeholder), true)).is_ok());
    }

    #[test]
    fn a_reply_without_status_or_alarm_breaks_the_protocol() {
        for broken in [
            reply(None, true),
            reply(Some(status(1, v1::MxStatusCategory::Ok, 0)), false),
        ] {
            let e = check_acknowledge_reply(broken).unwrap_err();
            assert!(
                matches!(
                    e,
                    Error::Command {
                        reply: None,
                        code: None,
                        ..
                    }
                ),
                "{e:?}"
            );
        }
    }
}
