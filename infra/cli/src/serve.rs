//! The HTTP server of `vigie local`, configured as a production server would be: a client
//! that sends its request headers too slowly, or keeps a connection idle between requests,
//! is disconnected; a request that takes too long (a body trickled byte by byte) gets 408;
//! and the number of open connections is capped below the process's file limit, so a flood
//! of connections can never take the descriptors the store and the exporter need.
//! Connections beyond the cap wait in the kernel's queue until a slot frees.

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tracing::{debug, warn};

/// How long a client has to send a request's headers, and how long a kept-alive connection
/// may stay idle before its next request.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a request may take from its headers to the start of its answer (reading its
/// body included).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// The connection cap by default, lowered when the process's file limit is lower.
pub const DEFAULT_MAX_CONNECTIONS: u32 = 1024;
/// Descriptors kept for everything but client connections (the store, the exporter,
/// collectors' outgoing connections, the public files).
const RESERVED_FILES: u64 = 128;
/// How long a stop waits for requests in progress.
const DRAIN: Duration = Duration::from_secs(5);

#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub header_timeout: Duration,
    pub request_timeout: Duration,
    pub max_connections: usize,
}

impl Limits {
    /// The limits for `wanted` connections at most, lowered to fit the file limit, which is
    /// first raised to its hard maximum where the system allows it.
    pub fn fitting(wanted: usize) -> Limits {
        let files = raise_file_limit();
        let room = files.saturating_sub(RESERVED_FILES).max(16);
        let max_connections = wanted
            .min(usize::try_from(room).unwrap_or(usize::MAX))
            .max(1);
        if max_connections < wanted {
            warn!(
                wanted,
                max_connections, "the open-file limit lowers the connection cap"
            );
        }
        Limits {
            header_timeout: HEADER_TIMEOUT,
            request_timeout: REQUEST_TIMEOUT,
            max_connections,
        }
    }
}

/// The soft limit on open files after raising it to the hard limit (unchanged where the
/// system refuses).
fn raise_file_limit() -> u64 {
    // SAFETY: getrlimit and setrlimit only read and write the struct passed by pointer.
    unsafe {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return 1024;
        }
        if lim.rlim_cur < lim.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: lim.rlim_max,
                rlim_max: lim.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                lim.rlim_cur = lim.rlim_max;
            }
        }
        #[allow(clippy::unnecessary_cast)] // rlim_t is not u64 on every target
        let files = lim.rlim_cur as u64;
        files
    }
}

/// Serves `router` on `listener` until `stop` resolves, then lets requests in progress end
/// (for a few seconds at most).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    stop: impl Future<Output = ()>,
) {
    let router = router.layer(tower_http::timeout::TimeoutLayer::with_status_code(
        axum::http::StatusCode::REQUEST_TIMEOUT,
        limits.request_timeout,
    ));
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut stop = std::pin::pin!(stop);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
            () = &mut stop => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of descriptors or a connection reset before it was accepted: wait a
                    // little rather than spin, and go on serving the connections held.
                    debug!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let _ = stream.set_nodelay(true);
        let connection = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_timeout)
            .keep_alive(true)
            .serve_connection(
                TokioIo::new(stream),
                TowerToHyperService::new(router.clone()),
            );
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // A client gone, a timeout or a malformed request ends the connection: normal.
            if let Err(e) = connection.await {
                debug!(error = %e, "connection ended");
            }
            drop(slot);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(DRAIN) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    const QUICK: Limits = Limits {
        header_timeout: Duration::from_millis(300),
        request_timeout: Duration::from_millis(600),
        max_connections: 4,
    };

    /// A server with `limits` on a free loopback port: `/` answers "ok", `/echo` reads the body.
    async fn start(limits: Limits) -> std::net::SocketAddr {
        let router = Router::new()
            .route("/", axum::routing::get(|| async { "ok" }))
            .route(
                "/echo",
                axum::routing::post(|body: String| async move { body }),
            );
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(serve(listener, router, limits, std::future::pending()));
        addr
    }

    /// Everything the server sends until it closes the connection (bounded by `limit`, so a
    /// server that never closes fails the test rather than hanging it).
    async fn until_closed(stream: &mut TcpStream, limit: Duration) -> String {
        let mut out = Vec::new();
        let read = tokio::time::timeout(limit, stream.read_to_end(&mut out)).await;
        assert!(read.is_ok(), "the server kept the connection open");
        String::from_utf8_lossy(&out).into_owned()
    }

    async fn get(addr: std::net::SocketAddr) -> String {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        until_closed(&mut s, Duration::from_secs(10)).await
    }

    #[tokio::test]
    async fn a_connection_that_sends_nothing_is_closed() {
        let addr = start(QUICK).await;
        let mut idle = TcpStream::connect(addr).await.unwrap();
        assert_eq!(until_closed(&mut idle, Duration::from_secs(10)).await, "");
    }

    #[tokio::test]
    async fn headers_sent_slowly_are_cut_off() {
        let addr = start(QUICK).await;
        let mut slow = TcpStream::connect(addr).await.unwrap();
        // One byte every 100 ms: each arrives in time, the whole head never does.
        let head = b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaa";
        let mut closed = false;
        for b in head {
            if slow.write_all(&[*b]).await.is_err() {
                closed = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if !closed {
            let answer = until_closed(&mut slow, Duration::from_secs(10)).await;
            assert!(!answer.contains("200 OK"), "{answer}");
        }
    }

    #[tokio::test]
    async fn a_kept_alive_connection_left_idle_is_closed_after_its_answer() {
        let addr = start(QUICK).await;
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let answer = until_closed(&mut s, Duration::from_secs(10)).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.ends_with("ok"), "{answer}");
    }

    #[tokio::test]
    async fn a_body_trickled_too_slowly_gets_408() {
        let addr = start(QUICK).await;
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
            .await
            .unwrap();
        let answer = until_closed(&mut s, Duration::from_secs(10)).await;
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    }

    #[tokio::test]
    async fn idle_connections_up_to_the_cap_leave_others_served_and_beyond_it_wait() {
        let addr = start(QUICK).await;
        // Three idle connections of four: a fourth client is served at once.
        let mut idle = Vec::new();
        for _ in 0..3 {
            idle.push(TcpStream::connect(addr).await.unwrap());
        }
        assert!(get(addr).await.ends_with("ok"));
        // Ten more idle ones: the cap holds them in the queue, the idle ones are dropped
        // by the header timeout, and a client is served once slots free.
        for _ in 0..10 {
            idle.push(TcpStream::connect(addr).await.unwrap());
        }
        assert!(get(addr).await.ends_with("ok"));
        for mut s in idle {
            assert_eq!(until_closed(&mut s, Duration::from_secs(10)).await, "");
        }
    }

    #[test]
    fn the_cap_fits_under_the_file_limit() {
        let limits = Limits::fitting(u32::MAX as usize);
        let files = raise_file_limit();
        assert!(limits.max_connections as u64 <= files.saturating_sub(RESERVED_FILES).max(16));
        assert!(limits.max_connections >= 1);
        assert_eq!(Limits::fitting(3).max_connections, 3);
    }
}
