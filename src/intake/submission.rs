use serde::{Deserialize, Serialize};

/// One submission as received: the fields in their original order (repeated
/// keys kept), and the JSON document when the body was JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Submission {
    /// `(name, value)` pairs; nested JSON objects appear under dotted names.
    pub fields: Vec<(String, String)>,
    /// The parsed JSON body, for path look-ups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json: Option<serde_json::Value>,
}

impl Submission {
    /// The first value of a field: the literal name first, then as a dotted path.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// What the request said about its sender, kept with the lead.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SubmissionMeta {
    /// Client IP address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// `User-Agent` header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// `Referer` header: the page the form was on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referer: Option<String>,
    /// `Origin` header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// When it arrived (RFC 3339).
    #[serde(default)]
    pub received_at: String,
}
