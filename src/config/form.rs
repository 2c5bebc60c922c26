//! One form: `[forms.NAME]`.

use std::collections::BTreeMap;

use secrecy::SecretString;
use serde::Deserialize;

use super::{CaptchaSettings, SignatureEncoding, SignatureScheme};

/// One form: `[forms.NAME]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FormSettings {
    /// Where browser posts are redirected (303) after success.
    pub redirect: Option<String>,
    /// Where browser posts are redirected (303, `?error=CODE`) after an error.
    pub error_redirect: Option<String>,
    /// Origins allowed to post from a browser (CORS and `_next`).
    pub allowed_origins: Vec<String>,
    /// Lead `source`; may be a template such as `website/{utm_source}`.
    pub source: String,
    /// Lead `status` in the pipeline.
    pub status: String,
    /// Lead `positionInBoard`.
    pub position_in_board: u32,
    /// Name of a honeypot input: filled = spam.
    pub honeypot: Option<String>,
    /// Also judge the common honeypot names (`_gotcha`, `_honey`, `_honeypot`,
    /// `honeypot`, `botcheck`, `bot-field`, `website_url_hp`) filled = spam. Off by
    /// default: a spam verdict holds a lead back, so it is opted into per form.
    pub honeypot_common: bool,
    /// A submission sent sooner than this many seconds after the page loaded is
    /// spam. Judged only when `fill_time_field` holds a number; absent = not judged.
    pub min_fill_secs: Option<u64>,
    /// Input the page's script fills for `min_fill_secs`: the milliseconds spent
    /// on the page (below 10^9; free of clock skew, preferred), or the page-load
    /// time as Unix seconds or milliseconds (read against the visitor's clock).
    pub fill_time_field: String,
    /// CAPTCHA verification (Turnstile, hCaptcha, reCAPTCHA); see [`CaptchaSettings`].
    pub captcha: Option<CaptchaSettings>,
    /// Bearer token required on `/hooks/{form}`.
    pub token: Option<SecretString>,
    /// Marks a submission as a test when it carries this secret (header
    /// `Leadrelay-Test`, or field `_leadrelay_test`): the whole pipeline runs
    /// (mapping, spam, CAPTCHA; a provider's test token is checked with its
    /// test secret), the lead is stored as `test` with the request body it would
    /// go out as, and it is never forwarded. A wrong one is refused (401).
    pub test_token: Option<SecretString>,
    /// Standard Webhooks signing secret (`whsec_...`) required on `/hooks/{form}`.
    pub signing_secret: Option<SecretString>,
    /// The sender's own signing secret: then a valid `signature_scheme` signature
    /// is required. A form with a token or a secret requires it on both doors.
    pub signature_secret: Option<SecretString>,
    /// `hmac`, `typeform`, `tally`, `wpforms`, `webflow` or `standard-webhooks`;
    /// default: the preset's scheme (typeform, tally, wpforms, webflow), else `hmac`.
    pub signature_scheme: Option<SignatureScheme>,
    /// The header carrying the signature; default the scheme's (`X-Signature` for `hmac`).
    pub signature_header: Option<String>,
    /// `auto` (default), `hex` or `base64`: how the signature is written.
    pub signature_encoding: SignatureEncoding,
    /// How far a signed timestamp (Webflow's) may be from now, in seconds.
    pub signature_tolerance_secs: u64,
    /// Workspace the leads go to.
    pub workspace: String,
    /// A known sender's payload shape.
    pub preset: Option<String>,
    /// Lead field → input names or JSON paths, first present wins.
    pub fields: BTreeMap<String, FieldSources>,
    /// Constant lead fields added to every lead of this form.
    pub constants: BTreeMap<String, serde_json::Value>,
    /// bulk-lead only: ask Agencyhandy to e-mail the lead an invitation.
    pub send_invitation_email: bool,
    /// Input name (or path) of the consent checkbox; its value, the consent text
    /// and the time are recorded with the lead (`consent` in the member).
    pub consent_field: Option<String>,
    /// Refuse (422) a submission whose `consent_field` is absent or unchecked.
    pub consent_required: bool,
    /// The consent wording shown next to the checkbox, recorded as proof.
    pub consent_text: Option<String>,
}

impl Default for FormSettings {
    fn default() -> Self {
        Self {
            redirect: None,
            error_redirect: None,
            allowed_origins: Vec::new(),
            source: "website".into(),
            status: "New".into(),
            position_in_board: 1,
            honeypot: None,
            honeypot_common: false,
            min_fill_secs: None,
            fill_time_field: "_ts".into(),
            captcha: None,
            token: None,
            test_token: None,
            signing_secret: None,
            signature_secret: None,
            signature_scheme: None,
            signature_header: None,
            signature_encoding: SignatureEncoding::Auto,
            signature_tolerance_secs: 300,
            workspace: "default".into(),
            preset: None,
            fields: BTreeMap::new(),
            constants: BTreeMap::new(),
            send_invitation_email: false,
            consent_field: None,
            consent_required: false,
            consent_text: None,
        }
    }
}

/// One input name, or several tried in order.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum FieldSources {
    /// A single input name or path.
    One(String),
    /// Input names or paths, first present wins.
    Many(Vec<String>),
}

impl FieldSources {
    /// The names in order.
    pub(crate) fn names(&self) -> &[String] {
        match self {
            Self::One(name) => std::slice::from_ref(name),
            Self::Many(names) => names,
        }
    }
}
