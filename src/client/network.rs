//! Why a request got no answer, kept as a [`NetworkCause`] next to the words: the error's source
//! chain (reqwest → hyper → io → rustls) is read once, where the failure happens, so that callers can
//! say what went wrong and what fixes it without parsing error texts.

use std::error::Error as StdError;
use std::fmt;

use rustls::CertificateError;

/// What stopped a request from getting an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkCause {
    /// Nothing listens at the address: the connection was refused.
    Refused,
    /// The host name does not resolve.
    UnknownHost,
    /// No answer in time.
    TimedOut,
    /// The connection was reset or closed before the answer came.
    Dropped,
    /// TLS: the server's certificate is signed by a CA that is not trusted here.
    UnknownIssuer,
    /// TLS: the server's certificate does not name the host connected to.
    NameMismatch,
    /// TLS: the server's certificate has expired.
    Expired,
    /// TLS: the server's certificate is not valid yet.
    NotYetValid,
    /// TLS: the server's certificate is malformed, badly signed, revoked or not meant for a server.
    BadCertificate,
    /// TLS was spoken to a server that does not speak it (`https://` to a plain HTTP port).
    NotTls,
    /// Plain HTTP was spoken to a server that answered in something else, such as TLS (`http://` to
    /// an HTTPS port).
    NotHttp,
    /// Another TLS failure.
    Tls,
    /// Anything else.
    Other,
}

impl NetworkCause {
    /// Whether the server's certificate was refused.
    pub fn is_certificate(self) -> bool {
        matches!(
            self,
            NetworkCause::UnknownIssuer
                | NetworkCause::NameMismatch
                | NetworkCause::Expired
                | NetworkCause::NotYetValid
                | NetworkCause::BadCertificate
        )
    }
}

/// A request that got no answer: why, where to, and the words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkError {
    pub cause: NetworkCause,
    /// `scheme://host[:port]` of the server, when known: never a path or query, which may carry tokens.
    pub origin: Option<String>,
    text: String,
}

impl NetworkError {
    pub fn new(cause: NetworkCause, origin: Option<String>, text: impl Into<String>) -> Self {
        NetworkError {
            cause,
            origin,
            text: text.into(),
        }
    }
}

impl fmt::Display for NetworkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)?;
        // The usual trouble with a local emulator, so the text alone already says what to do.
        if self.cause == NetworkCause::UnknownIssuer {
            f.write_str(" (for the emulator, pass its emulator-ca.pem with --ca-cert)")?;
        }
        Ok(())
    }
}

/// A failure whose cause was not read from an error.
impl From<String> for NetworkError {
    fn from(text: String) -> Self {
        NetworkError::new(NetworkCause::Other, None, text)
    }
}

impl From<&str> for NetworkError {
    fn from(text: &str) -> Self {
        NetworkError::from(text.to_string())
    }
}

/// Walks `error` and its sources for the most telling cause: a certificate problem or a refused
/// connection deep inside wins over the outer layers, which only name the stage.
pub fn classify(error: &(dyn StdError + 'static)) -> NetworkCause {
    let mut found = NetworkCause::Other;
    let mut next = Some(error);
    while let Some(e) = next {
        let cause = cause_of(e);
        if rank(cause) > rank(found) {
            found = cause;
        }
        next = e.source();
    }
    found
}

/// The cause a rustls error stands for.
pub fn tls_cause(error: &rustls::Error) -> NetworkCause {
    use rustls::InvalidMessage;
    match error {
        rustls::Error::InvalidCertificate(c) => match c {
            CertificateError::UnknownIssuer => NetworkCause::UnknownIssuer,
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                NetworkCause::NameMismatch
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                NetworkCause::Expired
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                NetworkCause::NotYetValid
            }
            _ => NetworkCause::BadCertificate,
        },
        // A plain HTTP answer read as a TLS record.
        rustls::Error::InvalidMessage(
            InvalidMessage::InvalidContentType | InvalidMessage::UnknownProtocolVersion,
        ) => NetworkCause::NotTls,
        _ => NetworkCause::Tls,
    }
}

/// What one layer of the chain says by itself.
fn cause_of(e: &(dyn StdError + 'static)) -> NetworkCause {
    if let Some(tls) = e.downcast_ref::<rustls::Error>() {
        return tls_cause(tls);
    }
    if let Some(io) = e.downcast_ref::<std::io::Error>() {
        // An io::Error's `source` skips the error it wraps, so look inside it here.
        if let Some(inner) = io.get_ref() {
            let inner: &(dyn StdError + 'static) = inner;
            let cause = classify(inner);
            if cause != NetworkCause::Other {
                return cause;
            }
        }
        use std::io::ErrorKind as K;
        return match io.kind() {
            K::ConnectionRefused => NetworkCause::Refused,
            K::TimedOut => NetworkCause::TimedOut,
            K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::UnexpectedEof => {
                NetworkCause::Dropped
            }
            _ => NetworkCause::Other,
        };
    }
    // hyper and hyper-util keep these types private; their texts are stable.
    let text = e.to_string();
    if text.starts_with("dns error") || text.contains("failed to lookup address") {
        NetworkCause::UnknownHost
    } else if text.contains("invalid HTTP version parsed") {
        NetworkCause::NotHttp
    } else if text.contains("connection closed before message completed") {
        NetworkCause::Dropped
    } else {
        NetworkCause::Other
    }
}

/// How much a cause tells: the most specific one found in a chain is the one reported.
fn rank(cause: NetworkCause) -> u8 {
    match cause {
        NetworkCause::Other => 0,
        NetworkCause::Dropped => 1,
        NetworkCause::TimedOut => 2,
        NetworkCause::Tls => 3,
        NetworkCause::Refused | NetworkCause::UnknownHost => 4,
        NetworkCause::UnknownIssuer
        | NetworkCause::NameMismatch
        | NetworkCause::Expired
        | NetworkCause::NotYetValid
        | NetworkCause::BadCertificate
        | NetworkCause::NotTls
        | NetworkCause::NotHttp => 5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io;

    /// An outer layer that names only the stage, like reqwest's and hyper's.
    #[derive(Debug)]
    struct Layer(&'static str, Box<dyn StdError + Send + Sync>);

    impl fmt::Display for Layer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
    }

    impl StdError for Layer {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            Some(&*self.1)
        }
    }

    fn through_layers(inner: io::Error) -> Layer {
        Layer(
            "error sending request",
            Box::new(Layer("client error (Connect)", Box::new(inner))),
        )
    }

    fn tls(e: CertificateError) -> io::Error {
        io::Error::new(
            io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(e),
        )
    }

    #[test]
    fn certificate_problems_are_found_inside_io_errors() {
        let cases = [
            (CertificateError::UnknownIssuer, NetworkCause::UnknownIssuer),
            (
                CertificateError::NotValidForName,
                NetworkCause::NameMismatch,
            ),
            (CertificateError::Expired, NetworkCause::Expired),
            (CertificateError::NotValidYet, NetworkCause::NotYetValid),
            (CertificateError::BadSignature, NetworkCause::BadCertificate),
        ];
        for (error, cause) in cases {
            assert_eq!(classify(&through_layers(tls(error))), cause);
        }
        assert!(NetworkCause::UnknownIssuer.is_certificate());
        assert!(!NetworkCause::Refused.is_certificate());
    }

    #[test]
    fn refused_connections_and_plain_http_answers_are_told_apart() {
        let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
        assert_eq!(classify(&through_layers(refused)), NetworkCause::Refused);
        let plain = io::Error::new(
            io::ErrorKind::InvalidData,
            rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType),
        );
        assert_eq!(classify(&through_layers(plain)), NetworkCause::NotTls);
        let tls_answer = Layer(
            "invalid HTTP version parsed",
            Box::new(io::Error::other("x")),
        );
        assert_eq!(classify(&tls_answer), NetworkCause::NotHttp);
        let dns = Layer("dns error", Box::new(io::Error::other("no such host")));
        assert_eq!(classify(&dns), NetworkCause::UnknownHost);
        assert_eq!(classify(&io::Error::other("odd")), NetworkCause::Other);
    }

    #[test]
    fn an_untrusted_certificate_names_the_flag_that_fixes_it() {
        let e = NetworkError::new(
            NetworkCause::UnknownIssuer,
            Some("https://127.0.0.1:7880".into()),
            "cannot connect to https://127.0.0.1:7880: invalid peer certificate: UnknownIssuer",
        );
        assert!(e.to_string().ends_with("with --ca-cert)"), "{e}");
        let plain = NetworkError::from("connection reset");
        assert_eq!(plain.to_string(), "connection reset");
        assert_eq!(plain.cause, NetworkCause::Other);
    }
}
