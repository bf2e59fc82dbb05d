//! A scripted HTTP/1.1 server for fault injection: it answers the n-th
//! request with the n-th reply (the last one repeats), and records when each
//! request arrived. Loopback only; every connection is closed after one
//! exchange.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One scripted answer.
#[derive(Clone, Debug)]
pub enum Reply {
    /// A complete response after `delay`.
    Http {
        status: u16,
        headers: Vec<(&'static str, String)>,
        body: String,
        delay: Duration,
    },
    /// Read the request, then reset the connection without answering.
    Reset,
    /// A 200 whose head promises more body than is sent before the
    /// connection is reset: a break in the middle of the body.
    Truncated {
        /// The part of the body that is sent.
        sent: String,
        /// The `content-length` announced.
        announced: usize,
    },
}

impl Reply {
    /// A JSON response with `status`.
    pub fn json(status: u16, body: &str) -> Self {
        Reply::Http {
            status,
            headers: vec![("content-type", "application/json".into())],
            body: body.to_string(),
            delay: Duration::ZERO,
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &'static str, value: &str) -> Self {
        if let Reply::Http { headers, .. } = &mut self {
            headers.push((name, value.to_string()));
        }
        self
    }

    /// Answers only after `delay`.
    pub fn delayed(mut self, by: Duration) -> Self {
        if let Reply::Http { delay, .. } = &mut self {
            *delay = by;
        }
        self
    }
}

/// A running scripted server.
pub struct Scripted {
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
    arrivals: Arc<Mutex<Vec<Instant>>>,
}

impl Scripted {
    /// Starts serving `replies` on a free loopback port.
    pub async fn start(replies: Vec<Reply>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let base_url = format!("http://{}", listener.local_addr().expect("addr"));
        let arrivals = Arc::new(Mutex::new(Vec::new()));
        let seen = arrivals.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let reply = {
                    let mut seen = seen.lock().unwrap();
                    seen.push(Instant::now());
                    replies[(seen.len() - 1).min(replies.len() - 1)].clone()
                };
                tokio::spawn(answer(stream, reply));
            }
        });
        Self { base_url, arrivals }
    }

    /// How many requests arrived.
    pub fn hits(&self) -> usize {
        self.arrivals.lock().unwrap().len()
    }

    /// When each request arrived.
    pub fn arrivals(&self) -> Vec<Instant> {
        self.arrivals.lock().unwrap().clone()
    }
}

async fn answer(mut stream: TcpStream, reply: Reply) {
    read_request(&mut stream).await;
    match reply {
        Reply::Reset => {
            // Linger 0 turns the close into a TCP reset. The deprecation is
            // about blocking on drop, which a zero linger does not do.
            #[allow(deprecated)]
            let _ = stream.set_linger(Some(Duration::ZERO));
            drop(stream);
        }
        Reply::Truncated { sent, announced } => {
            let head = format!(
                "HTTP/1.1 200 Scripted\r\ncontent-type: application/json\r\ncontent-length: {announced}\r\n\r\n"
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(sent.as_bytes()).await;
            let _ = stream.flush().await;
            tokio::time::sleep(Duration::from_millis(20)).await;
            #[allow(deprecated)]
            let _ = stream.set_linger(Some(Duration::ZERO));
            drop(stream);
        }
        Reply::Http {
            status,
            headers,
            body,
            delay,
        } => {
            tokio::time::sleep(delay).await;
            let mut head = format!(
                "HTTP/1.1 {status} Scripted\r\ncontent-length: {}\r\nconnection: close\r\n",
                body.len()
            );
            for (k, v) in headers {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str("\r\n");
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(body.as_bytes()).await;
            let _ = stream.shutdown().await;
        }
    }
}

/// Reads one request (head and a content-length body).
async fn read_request(stream: &mut TcpStream) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let Ok(n) = stream.read(&mut chunk).await else {
            return;
        };
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                return;
            }
        }
    }
}
