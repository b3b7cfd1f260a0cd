//! Response bodies written on a blocking thread as they are made, so that an output as large
//! as a round (the adoption table) goes out in pieces instead of being built whole in memory:
//! for the API's downloads and the desk's alike.

use std::io;
use std::time::{Duration, Instant};

use actix_web::http::header;
use actix_web::web::Bytes;
use futures_util::Stream;
use tokio::sync::mpsc;

use crate::db::{Db, DbConnection};
use crate::service::error::ServiceError;

/// The `Content-Disposition` of a download: `ascii` for clients that read only plain names,
/// `name` (Chinese, say) as UTF-8 for the rest.
pub fn attachment(ascii: &str, name: &str) -> header::ContentDisposition {
    header::ContentDisposition {
        disposition: header::DispositionType::Attachment,
        parameters: vec![
            header::DispositionParam::Filename(ascii.to_owned()),
            header::DispositionParam::FilenameExt(header::ExtendedValue {
                charset: header::Charset::Ext("UTF-8".into()),
                language_tag: None,
                value: name.as_bytes().to_vec(),
            }),
        ],
    }
}

/// How much is sent at a time.
const PIECE: usize = 64 * 1024;
/// How many pieces wait for a slow reader before the writer waits too: the memory a response
/// holds is this many pieces, whatever its size.
const WAITING: usize = 4;

/// The writing end: an [`io::Write`] for the blocking thread. Writing fails once the reader has
/// gone away, which ends the work that writes.
pub struct Pieces {
    tx: mpsc::Sender<io::Result<Bytes>>,
    piece: Vec<u8>,
    stall: Duration,
}

/// A body that `write` fills on the blocking thread pool, in one snapshot read, as the reader
/// takes it: the response starts with the first pieces, and memory holds a few of them whatever
/// the output's size. A failure half-way cuts the body off (its status is sent already) and is
/// logged as `what` cut off.
pub fn written<F>(
    db: &Db,
    stall: Duration,
    what: &'static str,
    write: F,
) -> impl Stream<Item = io::Result<Bytes>> + 'static
where
    F: FnOnce(&mut DbConnection, &mut Pieces) -> Result<(), ServiceError> + Send + 'static,
{
    use std::io::Write;
    let (mut pieces, body) = body(stall);
    let cutter = pieces.cutter();
    let db = db.clone();
    actix_web::rt::spawn(async move {
        let done = db
            .read_snapshot(move |conn| -> Result<(), ServiceError> {
                write(conn, &mut pieces)?;
                pieces.flush().map_err(ServiceError::internal)
            })
            .await;
        match done {
            Ok(()) => drop(cutter),
            Err(failed) => {
                tracing::warn!(error = %failed.describe(), "{what} was cut off");
                cutter.cut(&failed.describe()).await;
            }
        }
    });
    body
}

/// A body and the writer that fills it. Writing fails once the pieces waiting have waited
/// `stall` for a reader that reads nothing, so that such a reader does not hold what the writer
/// holds (a database connection and its snapshot) for as long as its connection stays open.
fn body(stall: Duration) -> (Pieces, impl Stream<Item = io::Result<Bytes>> + 'static) {
    let (tx, rx) = mpsc::channel(WAITING);
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|piece| (piece, rx))
    });
    let pieces = Pieces {
        tx,
        piece: Vec::with_capacity(PIECE),
        stall,
    };
    (pieces, stream)
}

impl Pieces {
    fn send(&mut self, piece: io::Result<Bytes>) -> io::Result<()> {
        let started = Instant::now();
        let mut piece = piece;
        loop {
            match self.tx.try_send(piece) {
                Ok(()) => return Ok(()),
                Err(mpsc::error::TrySendError::Closed(_)) => {
                    return Err(io::Error::new(
                        io::ErrorKind::BrokenPipe,
                        "the reader went away",
                    ));
                }
                Err(mpsc::error::TrySendError::Full(back)) if started.elapsed() < self.stall => {
                    piece = back;
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(mpsc::error::TrySendError::Full(_)) => {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "the reader stopped reading",
                    ));
                }
            }
        }
    }

    /// A handle that can cut the body off after the writer is gone: the body ends only when
    /// both are dropped, so a failure that stops the writer before it wrote anything still
    /// reaches the reader.
    fn cutter(&self) -> Cutter {
        Cutter(self.tx.clone())
    }
}

/// Ends a body with an error, so that the reader sees the response cut off instead of a short
/// file that looks whole.
struct Cutter(mpsc::Sender<io::Result<Bytes>>);

impl Cutter {
    async fn cut(self, cause: &dyn std::fmt::Display) {
        // The reader may be gone already; there is nobody left to tell.
        let _ = self.0.send(Err(io::Error::other(cause.to_string()))).await;
    }
}

impl io::Write for Pieces {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.piece.extend_from_slice(bytes);
        if self.piece.len() >= PIECE {
            self.flush()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.piece.is_empty() {
            return Ok(());
        }
        let piece = std::mem::replace(&mut self.piece, Vec::with_capacity(PIECE));
        self.send(Ok(Bytes::from(piece)))
    }
}
