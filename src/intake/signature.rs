//! Senders' own signature schemes (`signature_secret` + `signature_scheme`):
//! Typeform, Tally, WPForms, Webflow and a generic HMAC; see
//! [`SignatureScheme`] for each one's header, encoding and signed message.
//! All are HMAC-SHA256 over the raw body, compared in constant time.

use axum::http::HeaderMap;
use base64::{
    engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD},
    Engine,
};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::auth::{verify_standard_webhook, AuthError};
use crate::config::{FormSettings, SignatureEncoding, SignatureScheme};

/// Where a scheme puts its signature and how it writes it.
struct Layout {
    header: &'static str,
    encoding: SignatureEncoding,
    timestamp_header: Option<&'static str>,
}

fn layout(scheme: SignatureScheme) -> Layout {
    let (header, encoding, timestamp_header) = match scheme {
        SignatureScheme::Typeform => ("typeform-signature", SignatureEncoding::Base64, None),
        SignatureScheme::Tally => ("tally-signature", SignatureEncoding::Base64, None),
        SignatureScheme::Wpforms => ("x-wpforms-signature", SignatureEncoding::Auto, None),
        SignatureScheme::Webflow => (
            "x-webflow-signature",
            SignatureEncoding::Hex,
            Some("x-webflow-timestamp"),
        ),
        SignatureScheme::Hmac | SignatureScheme::StandardWebhooks => {
            ("x-signature", SignatureEncoding::Auto, None)
        }
    };
    Layout {
        header,
        encoding,
        timestamp_header,
    }
}

/// The scheme a form checks: `signature_scheme`, else the one its preset implies.
fn scheme_of(form: &FormSettings) -> SignatureScheme {
    form.signature_scheme
        .unwrap_or_else(|| SignatureScheme::implied_by(form.preset.as_deref()))
}

/// Verifies a request against the form's `signature_secret`.
pub(crate) fn verify(
    form: &FormSettings,
    secret: &SecretString,
    headers: &HeaderMap,
    body: &[u8],
    now_secs: i64,
) -> Result<(), AuthError> {
    let scheme = scheme_of(form);
    if scheme == SignatureScheme::StandardWebhooks {
        return verify_standard_webhook(secret, headers, body, now_secs);
    }
    let layout = layout(scheme);
    let header = form.signature_header.as_deref().unwrap_or(layout.header);
    let given = header_text(headers, header)
        .ok_or_else(|| AuthError::MissingSignature(header.to_owned()))?;
    let mut mac = keyed(secret);
    if let Some(ts_header) = layout.timestamp_header {
        let stamp = header_text(headers, ts_header)
            .ok_or_else(|| AuthError::StaleSignature(ts_header.to_owned()))?;
        if !within_tolerance(stamp, now_secs, form.signature_tolerance_secs) {
            return Err(AuthError::StaleSignature(ts_header.to_owned()));
        }
        mac.update(stamp.as_bytes());
        mac.update(b":");
    }
    mac.update(body);
    let expected = mac.finalize().into_bytes();
    let encoding = match form.signature_encoding {
        SignatureEncoding::Auto => layout.encoding,
        chosen => chosen,
    };
    let matched = given
        .split([',', ' '])
        .filter_map(|candidate| decode(candidate, encoding))
        .any(|candidate| bool::from(candidate.as_slice().ct_eq(expected.as_slice())));
    if matched {
        Ok(())
    } else {
        Err(AuthError::WrongSignature(header.to_owned()))
    }
}

/// Signs `message` the way `scheme` does, for tests and tooling: returns the
/// header value (Webflow's message is `"{timestamp}:{body}"`).
pub fn sign(scheme: SignatureScheme, secret: &SecretString, message: &[u8]) -> String {
    let mut mac = keyed(secret);
    mac.update(message);
    let digest = mac.finalize().into_bytes();
    match scheme {
        SignatureScheme::Typeform => format!("sha256={}", STANDARD.encode(digest)),
        SignatureScheme::Tally => STANDARD.encode(digest),
        _ => hex::encode(digest),
    }
}

fn keyed(secret: &SecretString) -> Hmac<Sha256> {
    Hmac::<Sha256>::new_from_slice(secret.expose_secret().as_bytes())
        .expect("HMAC takes keys of any length")
}

fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .filter(|value| !value.is_empty())
}

/// A Unix timestamp in milliseconds (or seconds, below 10^11) within `tolerance_secs` of now.
fn within_tolerance(stamp: &str, now_secs: i64, tolerance_secs: u64) -> bool {
    let Ok(stamp) = stamp.parse::<i64>() else {
        return false;
    };
    // `unsigned_abs` and `abs_diff`: any i64 a sender writes, `i64::MIN`
    // included, is compared without overflow.
    let sent_secs = if stamp.unsigned_abs() < 100_000_000_000 {
        stamp
    } else {
        stamp / 1000
    };
    now_secs.abs_diff(sent_secs) <= tolerance_secs
}

fn decode(candidate: &str, encoding: SignatureEncoding) -> Option<Vec<u8>> {
    let text = candidate.trim();
    let text = text.strip_prefix("sha256=").unwrap_or(text);
    if text.is_empty() {
        return None;
    }
    let hex = || hex::decode(text).ok();
    let base64 = || {
        [STANDARD, URL_SAFE, STANDARD_NO_PAD, URL_SAFE_NO_PAD]
            .iter()
            .find_map(|engine| engine.decode(text).ok())
    };
    match encoding {
        SignatureEncoding::Hex => hex(),
        SignatureEncoding::Base64 => base64(),
        SignatureEncoding::Auto if text.len() == 64 => hex().or_else(base64),
        SignatureEncoding::Auto => base64(),
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    const NOW: i64 = 1_700_000_000;

    fn form(scheme: SignatureScheme) -> (FormSettings, SecretString) {
        let secret = SecretString::from("s3cret");
        let form = FormSettings {
            signature_secret: Some(secret.clone()),
            signature_scheme: Some(scheme),
            ..FormSettings::default()
        };
        (form, secret)
    }

    fn headers(pairs: &[(&'static str, String)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    #[test]
    fn typeform_and_tally_sign_the_body_in_base64() {
        for (scheme, header) in [
            (SignatureScheme::Typeform, "typeform-signature"),
            (SignatureScheme::Tally, "tally-signature"),
        ] {
            let (form, secret) = form(scheme);
            let good = headers(&[(header, sign(scheme, &secret, b"{}"))]);
            assert_eq!(verify(&form, &secret, &good, b"{}", NOW), Ok(()));
            assert_eq!(
                verify(&form, &secret, &good, b"{ }", NOW),
                Err(AuthError::WrongSignature(header.into()))
            );
            assert_eq!(
                verify(&form, &secret, &HeaderMap::new(), b"{}", NOW),
                Err(AuthError::MissingSignature(header.into()))
            );
        }
    }

    #[test]
    fn webflow_signs_timestamp_and_body_and_checks_the_time() {
        let (form, secret) = form(SignatureScheme::Webflow);
        let stamp = (NOW * 1000).to_string();
        let signature = sign(
            SignatureScheme::Webflow,
            &secret,
            format!("{stamp}:{{}}").as_bytes(),
        );
        let good = headers(&[
            ("x-webflow-signature", signature.clone()),
            ("x-webflow-timestamp", stamp),
        ]);
        assert_eq!(verify(&form, &secret, &good, b"{}", NOW + 60), Ok(()));
        assert_eq!(
            verify(&form, &secret, &good, b"{}", NOW + 301),
            Err(AuthError::StaleSignature("x-webflow-timestamp".into()))
        );
        let moved = headers(&[
            ("x-webflow-signature", signature),
            ("x-webflow-timestamp", (NOW * 1000 + 1).to_string()),
        ]);
        assert!(verify(&form, &secret, &moved, b"{}", NOW).is_err());
    }

    #[test]
    fn extreme_timestamps_are_out_of_tolerance_not_an_overflow() {
        for stamp in [
            i64::MIN.to_string(),
            i64::MAX.to_string(),
            (i64::MIN + 1).to_string(),
            "99999999999999999999999999999999".into(),
            "-99999999999999999999999999999999".into(),
        ] {
            for now in [NOW, i64::MIN, i64::MAX, 0] {
                assert!(!within_tolerance(&stamp, now, 300), "{stamp} at {now}");
            }
        }
        assert!(within_tolerance(&(NOW * 1000).to_string(), NOW, 300));
        assert!(within_tolerance(
            &i64::MAX.to_string(),
            i64::MAX / 1000,
            300
        ));
    }

    #[test]
    fn generic_hmac_reads_hex_or_base64_with_an_optional_prefix() {
        let (mut form, secret) = form(SignatureScheme::Hmac);
        form.signature_header = Some("X-Hub-Signature-256".into());
        let hex_sig = sign(SignatureScheme::Hmac, &secret, b"body");
        let raw = hex::decode(&hex_sig).unwrap();
        for value in [
            hex_sig.clone(),
            hex_sig.to_uppercase(),
            format!("sha256={hex_sig}"),
            STANDARD.encode(&raw),
            URL_SAFE_NO_PAD.encode(&raw),
            format!("sha256={}", STANDARD.encode(&raw)),
            format!("deadbeef, {hex_sig}"),
        ] {
            let given = headers(&[("x-hub-signature-256", value.clone())]);
            assert_eq!(
                verify(&form, &secret, &given, b"body", NOW),
                Ok(()),
                "{value}"
            );
        }
        form.signature_encoding = SignatureEncoding::Base64;
        let given = headers(&[("x-hub-signature-256", hex_sig)]);
        assert!(verify(&form, &secret, &given, b"body", NOW).is_err());
    }

    #[test]
    fn preset_implies_the_scheme() {
        let form = FormSettings {
            preset: Some("tally".into()),
            ..FormSettings::default()
        };
        assert_eq!(scheme_of(&form), SignatureScheme::Tally);
        assert_eq!(scheme_of(&FormSettings::default()), SignatureScheme::Hmac);
    }
}
