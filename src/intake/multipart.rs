//! `multipart/form-data` bodies: text parts kept, file parts ignored.

use bytes::Bytes;

use super::{fields::FieldSink, IntakeError, Limits, Submission};

/// Reads the text parts of a multipart body in order; parts with a filename are skipped.
pub(crate) async fn parse_multipart(
    body: Bytes,
    boundary: String,
    limits: Limits,
) -> Result<Submission, IntakeError> {
    let mut sink = FieldSink::new(limits, body.len());
    let stream = futures::stream::once(async move { Ok::<_, std::io::Error>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    while let Some(field) = multipart.next_field().await.map_err(malformed)? {
        if field.file_name().is_some() {
            continue;
        }
        let Some(name) = field.name().map(str::to_owned).filter(|n| !n.is_empty()) else {
            continue;
        };
        let bytes = field.bytes().await.map_err(malformed)?;
        sink.push(name, String::from_utf8_lossy(&bytes).into_owned())?;
    }
    Ok(Submission {
        fields: sink.into_form_fields()?,
        json: None,
    })
}

fn malformed(error: multer::Error) -> IntakeError {
    IntakeError::Malformed(format!("multipart/form-data: {error}"))
}
