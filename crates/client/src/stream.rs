//! The event streams. One type owns the gRPC call ([`EventBatches`]) and the
//! flattening stream is built on it, so there is exactly one place where a
//! stream is cancelled: dropping either stream drops the call, which resets
//! the HTTP/2 stream and ends the gateway's handler.

use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::Stream;
use mxgateway_proto::v1;

use crate::error::{from_status, Error, Redactor};

/// A server stream of one RPC with its statuses mapped to [`Error`]. The one
/// stream type of the crate: every public stream wraps it, and dropping it
/// drops the call.
pub(crate) struct RpcStream<T> {
    inner: tonic::Streaming<T>,
    redactor: Redactor,
    done: bool,
}

impl<T> RpcStream<T> {
    pub(crate) fn new(inner: tonic::Streaming<T>, redactor: Redactor) -> Self {
        RpcStream {
            inner,
            redactor,
            done: false,
        }
    }

    /// True once the stream ended (cleanly or with an error).
    pub(crate) fn is_done(&self) -> bool {
        self.done
    }
}

impl<T> Stream for RpcStream<T> {
    type Item = Result<T, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        match Pin::new(&mut self.inner).poll_next(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(None) => {
                self.done = true;
                Poll::Ready(None)
            }
            Poll::Ready(Some(Ok(message))) => Poll::Ready(Some(Ok(message))),
            // An error ends the stream: the call is over.
            Poll::Ready(Some(Err(status))) => {
                self.done = true;
                Poll::Ready(Some(Err(from_status(&status, &self.redactor))))
            }
        }
    }
}

/// The wire batches of a session's event stream, as the gateway sends them.
pub struct EventBatches {
    inner: RpcStream<v1::StreamEventsReply>,
}

impl EventBatches {
    pub(crate) fn new(inner: tonic::Streaming<v1::StreamEventsReply>, redactor: Redactor) -> Self {
        EventBatches {
            inner: RpcStream::new(inner, redactor),
        }
    }
}

impl std::fmt::Debug for EventBatches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventBatches")
            .field("done", &self.inner.is_done())
            .finish_non_exhaustive()
    }
}

impl Stream for EventBatches {
    type Item = Result<v1::StreamEventsReply, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(&mut self.inner).poll_next(cx)
    }
}

/// A session's events one at a time (batches flattened), with the gateway's
/// conflation counters of the latest batch.
#[derive(Debug)]
pub struct EventStream {
    batches: EventBatches,
    pending: VecDeque<v1::MxEvent>,
    conflated_total: u64,
    conflated_since_start: u64,
}

impl EventStream {
    pub(crate) fn new(batches: EventBatches) -> Self {
        EventStream {
            batches,
            pending: VecDeque::new(),
            conflated_total: 0,
            conflated_since_start: 0,
        }
    }

    /// The gateway's total of conflated data changes for the session, as of
    /// the latest batch received.
    pub fn conflated_total(&self) -> u64 {
        self.conflated_total
    }

    /// Data changes the gateway conflated away since this stream opened.
    pub fn conflated_since_start(&self) -> u64 {
        self.conflated_since_start
    }
}

impl Stream for EventStream {
    type Item = Result<v1::MxEvent, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Poll::Ready(Some(Ok(event)));
            }
            match Pin::new(&mut self.batches).poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                // An empty batch (e.g. only counters) yields nothing and we poll on.
                Poll::Ready(Some(Ok(batch))) => {
                    self.conflated_total = batch.conflated_total;
                    self.conflated_since_start = self
                        .conflated_since_start
                        .saturating_add(batch.conflated_since_last);
                    self.pending.extend(batch.events);
                }
            }
        }
    }
}
