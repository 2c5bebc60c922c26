use super::Submission;

/// The body formats accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFormat {
    /// `application/x-www-form-urlencoded`
    UrlEncoded,
    /// `multipart/form-data`
    Multipart,
    /// `application/json` (and `+json` types)
    Json,
    /// `text/plain` carrying JSON
    TextPlain,
}

/// Limits applied while parsing.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most fields.
    pub max_fields: usize,
    /// Longest value, in bytes.
    pub max_field_bytes: usize,
}

/// Why a body could not be read.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    /// 415
    #[error("unsupported content type {0:?}: send application/x-www-form-urlencoded, multipart/form-data, application/json or text/plain")]
    UnsupportedMediaType(String),
    /// 400
    #[error("malformed body: {0}")]
    Malformed(String),
}

/// Parses a body by its `Content-Type`.
pub async fn parse_body(
    _content_type: Option<&str>,
    _body: bytes::Bytes,
    _limits: Limits,
) -> Result<Submission, IntakeError> {
    Err(IntakeError::Malformed("not yet implemented".into()))
}
