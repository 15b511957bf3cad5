//! Tells systemd how `mleg run` is doing (`Type=notify`, sd_notify(3)).
//!
//! systemd hands the service a datagram socket in `$NOTIFY_SOCKET`; a line
//! `READY=1` there means "started", and only then does `systemctl start`
//! return: a config or database that cannot be opened shows up as a failed
//! start, not as a service that is "active" for a moment. `STATUS=` is the
//! line `systemctl status mleg` shows, and `STOPPING=1` says a SIGTERM is
//! being honoured. Without `$NOTIFY_SOCKET` (a terminal, cron, the tests
//! that do not ask for it) nothing is sent.
//!
//! The protocol is one datagram per message, so this is a few lines of std
//! rather than a crate. Nothing personal ever goes in a status line.

use std::os::unix::net::UnixDatagram;

use tracing::debug;

/// The environment variable systemd sets for `Type=notify` services.
const SOCKET_ENV: &str = "NOTIFY_SOCKET";

/// Sends `message` (e.g. `"READY=1\nSTATUS=waiting for mail"`) to systemd,
/// if it listens. A failure is logged at debug and otherwise ignored: the
/// service's work never depends on systemd hearing about it.
pub fn notify(message: &str) {
    let Some(path) = std::env::var_os(SOCKET_ENV) else {
        return;
    };
    if let Err(e) = send(&path.to_string_lossy(), message) {
        debug!(error = %e, "could not notify systemd");
    }
}

fn send(path: &str, message: &str) -> std::io::Result<()> {
    let socket = UnixDatagram::unbound()?;
    match path.strip_prefix('@') {
        // "@name" is a socket in Linux's abstract namespace.
        #[cfg(target_os = "linux")]
        Some(name) => {
            use std::os::linux::net::SocketAddrExt;
            let addr = std::os::unix::net::SocketAddr::from_abstract_name(name)?;
            socket.send_to_addr(message.as_bytes(), &addr)?;
        }
        _ => {
            socket.send_to(message.as_bytes(), path)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_reaches_a_socket_by_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify");
        let listener = UnixDatagram::bind(&path).unwrap();
        send(path.to_str().unwrap(), "READY=1\nSTATUS=waiting for mail").unwrap();
        let mut buf = [0u8; 128];
        let n = listener.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"READY=1\nSTATUS=waiting for mail");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_message_reaches_an_abstract_socket() {
        use std::os::linux::net::SocketAddrExt;
        let name = format!("mleg-notify-test-{}", std::process::id());
        let addr = std::os::unix::net::SocketAddr::from_abstract_name(&name).unwrap();
        let listener = UnixDatagram::bind_addr(&addr).unwrap();
        send(&format!("@{name}"), "STOPPING=1").unwrap();
        let mut buf = [0u8; 32];
        let n = listener.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"STOPPING=1");
    }

    #[test]
    fn no_listener_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        assert!(send(dir.path().join("absent").to_str().unwrap(), "READY=1").is_err());
    }
}
