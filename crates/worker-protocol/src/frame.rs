//! Length-prefixed protobuf frames over any async byte stream.

use bytes::{Buf, Bytes, BytesMut};
use prost::Message;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Largest frame either side accepts; a bigger length prefix means a corrupt
/// or hostile stream, and the connection is dropped rather than allocating.
pub const MAX_FRAME_BYTES: usize = 64 * 1024 * 1024;

/// Why a frame could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("pipe I/O failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("frame of {0} bytes exceeds the {MAX_FRAME_BYTES}-byte limit")]
    TooLarge(usize),
    #[error("malformed frame: {0}")]
    Decode(#[from] prost::DecodeError),
    #[error("stream ended in the middle of a frame")]
    Truncated,
}

/// Reads frames, reusing one buffer.
pub struct FrameReader<R> {
    inner: R,
    buf: BytesMut,
}

impl<R: AsyncRead + Unpin> FrameReader<R> {
    pub fn new(inner: R) -> Self {
        FrameReader {
            inner,
            buf: BytesMut::with_capacity(64 * 1024),
        }
    }

    /// The next message, or `None` at a clean end of stream.
    pub async fn read<M: Message + Default>(&mut self) -> Result<Option<M>, FrameError> {
        match self.read_frame().await? {
            Some(frame) => Ok(Some(M::decode(frame)?)),
            None => Ok(None),
        }
    }

    /// The next frame's encoded message, for a reader that parses only part
    /// of it (the gateway's pass-through, `mxgateway_proto::passthrough`),
    /// or `None` at a clean end of stream.
    pub async fn read_frame(&mut self) -> Result<Option<Bytes>, FrameError> {
        loop {
            if self.buf.len() >= 4 {
                let len = u32::from_le_bytes([self.buf[0], self.buf[1], self.buf[2], self.buf[3]])
                    as usize;
                if len > MAX_FRAME_BYTES {
                    return Err(FrameError::TooLarge(len));
                }
                if self.buf.len() >= 4 + len {
                    self.buf.advance(4);
                    return Ok(Some(self.buf.split_to(len).freeze()));
                }
                self.buf.reserve(4 + len - self.buf.len());
            } else {
                self.buf.reserve(64 * 1024);
            }
            let n = self.inner.read_buf(&mut self.buf).await?;
            if n == 0 {
                return if self.buf.is_empty() {
                    Ok(None)
                } else {
                    Err(FrameError::Truncated)
                };
            }
        }
    }
}

/// Writes frames through one reusable encode buffer.
pub struct FrameWriter<W> {
    inner: W,
    buf: Vec<u8>,
}

impl<W: AsyncWrite + Unpin> FrameWriter<W> {
    pub fn new(inner: W) -> Self {
        FrameWriter {
            inner,
            buf: Vec::with_capacity(64 * 1024),
        }
    }

    /// Encodes and writes one message without flushing.
    pub async fn write<M: Message>(&mut self, message: &M) -> Result<(), FrameError> {
        let len = message.encoded_len();
        if len > MAX_FRAME_BYTES {
            return Err(FrameError::TooLarge(len));
        }
        self.buf.clear();
        self.buf.reserve(4 + len);
        self.buf.extend_from_slice(&(len as u32).to_le_bytes());
        message
            .encode(&mut self.buf)
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        self.inner.write_all(&self.buf).await?;
        // Keep a large one-off frame from pinning memory forever.
        if self.buf.capacity() > 4 * 1024 * 1024 {
            self.buf = Vec::with_capacity(64 * 1024);
        }
        Ok(())
    }

    /// Writes one already-encoded message without flushing (for a sender
    /// that encodes off the writer, e.g. the worker's event batches).
    pub async fn write_encoded(&mut self, message: &[u8]) -> Result<(), FrameError> {
        if message.len() > MAX_FRAME_BYTES {
            return Err(FrameError::TooLarge(message.len()));
        }
        self.inner
            .write_all(&(message.len() as u32).to_le_bytes())
            .await?;
        self.inner.write_all(message).await?;
        Ok(())
    }

    /// Flushes buffered bytes to the peer.
    pub async fn flush(&mut self) -> Result<(), FrameError> {
        self.inner.flush().await?;
        Ok(())
    }

    /// Writes and flushes one message.
    pub async fn send<M: Message>(&mut self, message: &M) -> Result<(), FrameError> {
        self.write(message).await?;
        self.flush().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mxgateway_proto::worker::{gateway_to_worker, GatewayToWorker, Heartbeat};

    fn heartbeat(n: u64) -> GatewayToWorker {
        GatewayToWorker {
            message: Some(gateway_to_worker::Message::Heartbeat(Heartbeat {
                sequence: n,
            })),
        }
    }

    #[tokio::test]
    async fn frames_round_trip_across_partial_reads() {
        let (a, b) = tokio::io::duplex(7); // tiny buffer forces partial reads and writes
        let writer = tokio::spawn(async move {
            let mut w = FrameWriter::new(a);
            for n in 0..100 {
                w.send(&heartbeat(n)).await.unwrap();
            }
        });
        let mut r = FrameReader::new(b);
        for n in 0..100 {
            let m: GatewayToWorker = r.read().await.unwrap().unwrap();
            assert_eq!(m, heartbeat(n));
        }
        writer.await.unwrap();
        assert!(r.read::<GatewayToWorker>().await.unwrap().is_none());
    }

    #[tokio::test]
    async fn oversized_length_is_rejected_without_allocating() {
        let bytes = (u32::MAX).to_le_bytes().to_vec();
        let mut r = FrameReader::new(&bytes[..]);
        assert!(matches!(
            r.read::<GatewayToWorker>().await,
            Err(FrameError::TooLarge(_))
        ));
    }

    #[tokio::test]
    async fn truncated_frame_is_an_error() {
        let mut bytes = 10u32.to_le_bytes().to_vec();
        bytes.extend_from_slice(&[1, 2, 3]);
        let mut r = FrameReader::new(&bytes[..]);
        assert!(matches!(
            r.read::<GatewayToWorker>().await,
            Err(FrameError::Truncated)
        ));
    }

    #[tokio::test]
    async fn garbage_is_a_decode_error_not_a_panic() {
        let mut bytes = 3u32.to_le_bytes().to_vec();
        bytes.extend_from_slice(&[0xff, 0xff, 0xff]);
        let mut r = FrameReader::new(&bytes[..]);
        assert!(matches!(
            r.read::<GatewayToWorker>().await,
            Err(FrameError::Decode(_))
        ));
    }
}
