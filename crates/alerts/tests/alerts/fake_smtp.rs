//! A minimal SMTP server on 127.0.0.1 speaking the real dialogue (RFC 5321, AUTH PLAIN/LOGIN
//! of RFC 4954): 220 greeting, EHLO, optional AUTH, MAIL FROM, RCPT TO, DATA / 354 / message
//! up to `<CRLF>.<CRLF>` / 250, QUIT / 221. It captures each accepted message.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::net::tcp::OwnedWriteHalf;

#[derive(Debug, Clone, Default)]
pub struct Mail {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    /// The authenticated (user, password), if the client authenticated.
    pub auth: Option<(String, String)>,
    /// The message as sent in DATA, dot-unstuffed, lines joined with `\n`.
    pub data: String,
}

#[derive(Debug, Clone)]
pub struct SmtpOptions {
    /// Mechanisms advertised in EHLO (empty: no AUTH).
    pub auth: &'static [&'static str],
    /// The only credentials accepted.
    pub credentials: Option<(&'static str, &'static str)>,
}

pub struct FakeSmtp {
    pub port: u16,
    mails: Arc<Mutex<Vec<Mail>>>,
}

impl FakeSmtp {
    pub async fn start(options: SmtpOptions) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mails: Arc<Mutex<Vec<Mail>>> = Arc::default();
        let store = mails.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (store, options) = (store.clone(), options.clone());
                tokio::spawn(async move {
                    let _ = session(stream, options, store).await;
                });
            }
        });
        FakeSmtp { port, mails }
    }

    pub fn mails(&self) -> Vec<Mail> {
        self.mails.lock().unwrap().clone()
    }

    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Mail> {
        let deadline = tokio::time::Instant::now() + within;
        while self.mails().len() < n && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        self.mails()
    }
}

async fn reply(w: &mut OwnedWriteHalf, line: &str) -> std::io::Result<()> {
    w.write_all(line.as_bytes()).await?;
    w.write_all(b"\r\n").await
}

async fn session(
    stream: tokio::net::TcpStream,
    options: SmtpOptions,
    store: Arc<Mutex<Vec<Mail>>>,
) -> std::io::Result<()> {
    let (r, mut w) = stream.into_split();
    let mut lines = BufReader::new(r).lines();
    reply(&mut w, "220 fake.smtp.test ESMTP ready").await?;
    let mut mail = Mail::default();
    while let Some(line) = lines.next_line().await? {
        let upper = line.to_ascii_uppercase();
        if upper.starts_with("EHLO") {
            reply(&mut w, "250-fake.smtp.test greets you").await?;
            if !options.auth.is_empty() {
                reply(&mut w, &format!("250-AUTH {}", options.auth.join(" "))).await?;
            }
            reply(&mut w, "250 8BITMIME").await?;
        } else if upper.starts_with("HELO")
            || upper.starts_with("NOOP")
            || upper.starts_with("RSET")
        {
            reply(&mut w, "250 OK").await?;
        } else if upper.starts_with("AUTH ") {
            let (user, pass) = read_credentials(&line, &mut lines, &mut w).await?;
            auth_result(&mut w, &options, &mut mail, user, pass).await?;
        } else if upper.starts_with("MAIL FROM:") {
            mail.mail_from = line[10..].trim().to_owned();
            reply(&mut w, "250 2.1.0 OK").await?;
        } else if upper.starts_with("RCPT TO:") {
            mail.rcpt_to.push(line[8..].trim().to_owned());
            reply(&mut w, "250 2.1.5 OK").await?;
        } else if upper == "DATA" {
            reply(&mut w, "354 End data with <CR><LF>.<CR><LF>").await?;
            let mut data = Vec::new();
            while let Some(l) = lines.next_line().await? {
                if l == "." {
                    break;
                }
                data.push(l.strip_prefix('.').map(str::to_owned).unwrap_or(l));
            }
            mail.data = data.join("\n");
            store.lock().unwrap().push(mail.clone());
            reply(&mut w, "250 2.0.0 queued as FAKE1").await?;
        } else if upper == "QUIT" {
            reply(&mut w, "221 2.0.0 bye").await?;
            return Ok(());
        } else {
            reply(&mut w, "502 5.5.2 command not recognized").await?;
        }
    }
    Ok(())
}

type Lines = tokio::io::Lines<BufReader<tokio::net::tcp::OwnedReadHalf>>;

/// The (user, password) of `AUTH PLAIN [initial-response]` or `AUTH LOGIN`.
async fn read_credentials(
    line: &str,
    lines: &mut Lines,
    w: &mut OwnedWriteHalf,
) -> std::io::Result<(Option<String>, Option<String>)> {
    let mut words = line.split_whitespace().skip(1);
    let mechanism = words.next().unwrap_or("").to_ascii_uppercase();
    if mechanism == "LOGIN" {
        reply(w, "334 VXNlcm5hbWU6").await?;
        let user = lines.next_line().await?.map(|l| text(&decode(&l)));
        reply(w, "334 UGFzc3dvcmQ6").await?;
        let pass = lines.next_line().await?.map(|l| text(&decode(&l)));
        return Ok((user, pass));
    }
    let b64 = match words.next() {
        Some(initial) => initial.to_owned(),
        None => {
            reply(w, "334 ").await?;
            lines.next_line().await?.unwrap_or_default()
        }
    };
    let decoded = decode(&b64);
    let mut parts = decoded.split(|b| *b == 0).map(text);
    let _authzid = parts.next();
    Ok((parts.next(), parts.next()))
}

async fn auth_result(
    w: &mut OwnedWriteHalf,
    options: &SmtpOptions,
    mail: &mut Mail,
    user: Option<String>,
    pass: Option<String>,
) -> std::io::Result<()> {
    let (user, pass) = (user.unwrap_or_default(), pass.unwrap_or_default());
    let accepted = options
        .credentials
        .is_some_and(|(u, p)| u == user && p == pass);
    if accepted {
        mail.auth = Some((user, pass));
        reply(w, "235 2.7.0 Authentication successful").await
    } else {
        reply(w, "535 5.7.8 Authentication credentials invalid").await
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Standard base64 (the only encoding SMTP AUTH uses); invalid characters are skipped.
fn decode(s: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.trim().bytes() {
        let Some(v) = ALPHABET.iter().position(|a| *a == c) else {
            continue;
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}
