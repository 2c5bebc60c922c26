//! `source` templates such as `website/{utm_source}`.

use crate::intake::SubmissionMeta;

/// Characters that separate parts of a template; dangling ones are dropped
/// when a placeholder is empty.
const SEPARATORS: &[char] = &['/', '-', '_', ':', '|', '.', ' ', ','];

/// Fills `{name}` placeholders with `value(name)` (a submission field, a
/// tracking parameter…) or the request's `ip`, `referer`, `origin`,
/// `user_agent`, `received_at`. A missing value leaves nothing, and the
/// separator next to it goes too: `website/{utm_source}` → `website`.
pub(crate) fn render(
    template: &str,
    meta: &SubmissionMeta,
    mut value: impl FnMut(&str) -> Option<String>,
) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    let mut skip_separators = false;
    while let Some(open) = rest.find('{') {
        let literal = &rest[..open];
        push_literal(&mut out, literal, &mut skip_separators);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            push_literal(&mut out, &rest[open..], &mut skip_separators);
            rest = "";
            break;
        };
        let name = after[..close].trim();
        let filled = value(name)
            .or_else(|| meta_value(meta, name))
            .map(|v| v.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_default();
        if filled.is_empty() {
            let kept = out.trim_end_matches(SEPARATORS).len();
            out.truncate(kept);
            skip_separators = out.is_empty();
        } else {
            out.push_str(&filled);
            skip_separators = false;
        }
        rest = &after[close + 1..];
    }
    push_literal(&mut out, rest, &mut skip_separators);
    out.trim_matches(SEPARATORS).to_owned()
}

fn push_literal(out: &mut String, literal: &str, skip_separators: &mut bool) {
    let literal = if *skip_separators {
        literal.trim_start_matches(SEPARATORS)
    } else {
        literal
    };
    if !literal.is_empty() {
        *skip_separators = false;
    }
    out.push_str(literal);
}

fn meta_value(meta: &SubmissionMeta, name: &str) -> Option<String> {
    let value = match name {
        "ip" => meta.ip.as_deref(),
        "referer" | "referrer" | "page_url" => meta.referer.as_deref(),
        "origin" => meta.origin.as_deref(),
        "user_agent" => meta.user_agent.as_deref(),
        "received_at" => Some(meta.received_at.as_str()),
        _ => None,
    };
    value.map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fill(template: &str, known: &[(&str, &str)]) -> String {
        let meta = SubmissionMeta {
            origin: Some("https://example.com".into()),
            ..SubmissionMeta::default()
        };
        render(template, &meta, |name| {
            known
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(
            fill("website/{utm_source}", &[("utm_source", "google")]),
            "website/google"
        );
        assert_eq!(fill("web {origin}", &[]), "web https://example.com");
        assert_eq!(fill("website", &[]), "website");
    }

    #[test]
    fn missing_placeholders_leave_no_dangling_separators() {
        assert_eq!(fill("website/{utm_source}", &[]), "website");
        assert_eq!(fill("{utm_source}/web", &[]), "web");
        assert_eq!(fill("web/{a}/{b}", &[("b", "x")]), "web/x");
        assert_eq!(fill("{a} - {b}", &[("b", "x")]), "x");
        assert_eq!(fill("{a}", &[]), "");
        assert_eq!(fill("web/{unclosed", &[]), "web/{unclosed");
    }
}
