//! The accept loop: admits a socket only within the limits (all sockets, sockets per address),
//! serves HTTP on it with a deadline for the request headers, and lets a WebSocket keep its
//! admission for as long as it lives. A socket over a limit gets a bare 503 and is closed, so
//! the server keeps answering while file descriptors remain.

use super::Shared;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

/// Live sockets, in all and per address.
#[derive(Default)]
pub struct SocketCount {
    total: AtomicUsize,
    per_address: Mutex<HashMap<IpAddr, usize>>,
}

/// One admitted socket; dropping it gives the place back. An upgraded WebSocket carries it
/// (through the request's extensions) until it closes.
pub struct Admission {
    shared: Arc<Shared>,
    /// Counted against its address's limit.
    ip: Option<IpAddr>,
    peer: IpAddr,
}

impl Admission {
    /// The address the socket came from.
    pub fn peer(&self) -> IpAddr {
        self.peer
    }
}

impl Drop for Admission {
    fn drop(&mut self) {
        let count = &self.shared.sockets;
        count.total.fetch_sub(1, Ordering::Relaxed);
        if let Some(ip) = self.ip {
            let mut map = count.per_address.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(n) = map.get_mut(&ip) {
                *n -= 1;
                if *n == 0 {
                    map.remove(&ip);
                }
            }
        }
    }
}

/// Why a socket was refused at the door.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Every socket, reserve included, is in use.
    Full,
    /// This address holds its share.
    PerAddress,
}

impl Refusal {
    pub fn label(self) -> &'static str {
        match self {
            Refusal::Full => "sockets",
            Refusal::PerAddress => "per_address",
        }
    }
}

/// Takes a place for a socket from `peer`, or says why there is none.
pub fn admit(shared: &Arc<Shared>, peer: IpAddr) -> Result<Admission, Refusal> {
    let c = &shared.config;
    let cap = c.max_connections + c.socket_reserve;
    if shared.sockets.total.fetch_add(1, Ordering::Relaxed) >= cap {
        shared.sockets.total.fetch_sub(1, Ordering::Relaxed);
        return Err(Refusal::Full);
    }
    let limited = c.max_connections_per_address > 0 && (c.limit_loopback || !peer.is_loopback());
    if limited {
        let mut map = shared
            .sockets
            .per_address
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let n = map.entry(peer).or_insert(0);
        if *n >= c.max_connections_per_address {
            drop(map);
            shared.sockets.total.fetch_sub(1, Ordering::Relaxed);
            return Err(Refusal::PerAddress);
        }
        *n += 1;
    }
    Ok(Admission {
        shared: shared.clone(),
        ip: limited.then_some(peer),
        peer,
    })
}

/// Answers a refused socket without reading from it, and closes it.
async fn refuse(mut stream: TcpStream, why: Refusal) {
    let body = match why {
        Refusal::Full => r#"{"detail":"Server is at its connection limit"}"#,
        Refusal::PerAddress => r#"{"detail":"Too many connections from this address"}"#,
    };
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\nretry-after: 5\r\n\r\n{body}",
        body.len()
    );
    let write = async {
        stream.write_all(response.as_bytes()).await?;
        stream.shutdown().await
    };
    let _ = tokio::time::timeout(Duration::from_secs(2), write).await;
}

/// Whether an accept error means the process is out of file descriptors (or the system is).
fn out_of_descriptors(e: &std::io::Error) -> bool {
    matches!(e.raw_os_error(), Some(code) if code == libc::EMFILE || code == libc::ENFILE)
}

/// Accepts until `stop` resolves.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shared: Arc<Shared>,
    stop: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(stop);
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = &mut stop => return,
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                if out_of_descriptors(&e) {
                    tracing::warn!("out of file descriptors; accepting again shortly");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                continue;
            }
        };
        // No Nagle: a reply queued behind an event frame must not wait ~40 ms for the client's
        // delayed ACK (writes are batched per connection instead).
        let _ = stream.set_nodelay(true);
        // A bounded kernel send buffer: what a client leaves unread stays countable.
        let _ = socket2::SockRef::from(&stream)
            .set_send_buffer_size(shared.config.socket_send_buffer_bytes);
        match admit(&shared, peer.ip()) {
            Ok(admission) => {
                tokio::spawn(serve_http(stream, peer, router.clone(), admission));
            }
            Err(why) => {
                shared.metrics.refused(why.label());
                tokio::spawn(refuse(stream, why));
            }
        }
    }
}

async fn serve_http(stream: TcpStream, peer: SocketAddr, router: Router, admission: Admission) {
    let timeout = admission.shared.config.handshake_timeout;
    let admission = Arc::new(admission);
    let service = hyper::service::service_fn(move |mut request| {
        request.extensions_mut().insert(admission.clone());
        let mut router = router.clone();
        async move { tower_service::Service::call(&mut router, request).await }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(timeout);
    let connection = builder
        .serve_connection(TokioIo::new(stream), service)
        .with_upgrades();
    if let Err(e) = connection.await {
        tracing::debug!(error = %e, %peer, "HTTP connection ended");
    }
}

/// Descriptors the process needs besides sockets: the store, its log files, the runtime's.
const OTHER_DESCRIPTORS: u64 = 64;

/// Raises the soft limit on open files as far as allowed, and lowers `max_connections` if the
/// sockets it allows (with the reserve) would still not fit: the 503 at the limit must come
/// before the process runs out of descriptors.
pub fn fit_descriptor_limit(config: &mut super::NetConfig) {
    let wanted = (config.max_connections + config.socket_reserve) as u64 + OTHER_DESCRIPTORS;
    let limit = match rlimit::increase_nofile_limit(wanted) {
        Ok(limit) => limit,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the open-file limit");
            return;
        }
    };
    if limit < wanted {
        let fits = limit.saturating_sub(OTHER_DESCRIPTORS + config.socket_reserve as u64) as usize;
        tracing::warn!(
            open_file_limit = limit,
            max_connections = fits,
            configured = config.max_connections,
            "the open-file limit is too low for max_connections; lowering it (raise `ulimit -n`)"
        );
        config.max_connections = fits.max(1);
    }
}
