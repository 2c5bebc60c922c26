use bytes::Bytes;

use super::{
    form::{parse_text_plain, parse_urlencoded},
    json::parse_json,
    multipart::parse_multipart,
    Submission,
};

/// The body formats accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyFormat {
    /// `application/x-www-form-urlencoded`
    UrlEncoded,
    /// `multipart/form-data`
    Multipart,
    /// `application/json` (and `+json` types)
    Json,
    /// `text/plain` carrying JSON (or `name=value` pairs)
    TextPlain,
}

impl BodyFormat {
    /// The format named by a `Content-Type` value, or `None` when unsupported.
    pub(crate) fn from_content_type(content_type: &str) -> Option<Self> {
        let essence = content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        match essence.as_str() {
            "application/x-www-form-urlencoded" => Some(Self::UrlEncoded),
            "multipart/form-data" => Some(Self::Multipart),
            "application/json" => Some(Self::Json),
            "text/plain" => Some(Self::TextPlain),
            other if other.starts_with("application/") && other.ends_with("+json") => {
                Some(Self::Json)
            }
            _ => None,
        }
    }

    /// A guess from the body itself, for requests without a `Content-Type`.
    fn guess(body: &[u8]) -> Self {
        match body.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'{' | b'[') => Self::Json,
            _ => Self::UrlEncoded,
        }
    }
}

/// Limits applied while parsing.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most inputs (answers) a sender may send; sub-keys of one input count once.
    pub max_fields: usize,
    /// Longest value, in bytes.
    pub max_field_bytes: usize,
}

/// Why a body could not be read (the status each is answered with is on its variant).
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    /// The `Content-Type` is not one we read: 415.
    #[error("unsupported content type {0:?}: send application/x-www-form-urlencoded, multipart/form-data, application/json or text/plain")]
    UnsupportedMediaType(String),
    /// The body does not parse as its declared format: 400.
    #[error("malformed body: {0}")]
    Malformed(String),
    /// More inputs than `server.max_fields`: 413.
    #[error("too many inputs: at most {max} are accepted")]
    TooManyFields {
        /// The configured limit.
        max: usize,
    },
    /// Fields that, read out of a body, would take far more room than the
    /// body itself (deeply nested JSON repeats its keys in every path): 413.
    #[error("reading the body's nested keys would take over {max} bytes: send flatter JSON")]
    Sprawling {
        /// The room the body was allowed, in bytes.
        max: usize,
    },
    /// A field name or value longer than `server.max_field_bytes`: 413.
    #[error("field {name:?} is too long: at most {max} bytes are accepted")]
    FieldTooLong {
        /// The field's name (cut to 64 characters).
        name: String,
        /// The configured limit.
        max: usize,
    },
}

/// The UTF-8 encoding of U+FEFF, the byte order mark.
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Parses a body by its `Content-Type` (guessed from the body when absent),
/// a leading byte order mark set aside.
pub async fn parse_body(
    content_type: Option<&str>,
    body: Bytes,
    limits: Limits,
) -> Result<Submission, IntakeError> {
    // A UTF-8 byte order mark, as some Windows senders write one, starts no field.
    let body = match body.strip_prefix(UTF8_BOM) {
        Some(rest) => body.slice_ref(rest),
        None => body,
    };
    let format = match content_type.map(str::trim).filter(|ct| !ct.is_empty()) {
        Some(ct) => BodyFormat::from_content_type(ct)
            .ok_or_else(|| IntakeError::UnsupportedMediaType(shorten(ct, 100)))?,
        None => BodyFormat::guess(&body),
    };
    match format {
        BodyFormat::UrlEncoded => parse_urlencoded(&body, limits),
        BodyFormat::Json => parse_json(&body, limits),
        BodyFormat::TextPlain => parse_text_plain(&body, limits),
        BodyFormat::Multipart => {
            let content_type = content_type.unwrap_or_default();
            let boundary = multer::parse_boundary(content_type).map_err(|_| {
                IntakeError::Malformed("multipart/form-data without a boundary".into())
            })?;
            parse_multipart(body, boundary, limits).await
        }
    }
}

/// At most `max` characters of `text`, for error messages that must not echo input.
pub(crate) fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}
