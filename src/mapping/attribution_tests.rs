//! Attribution: page URL and tracking parameters, from inputs or the `Referer`.

use serde_json::json;

use super::*;
use crate::config::FormSettings;

fn from_page(referer: &str) -> SubmissionMeta {
    SubmissionMeta {
        referer: Some(referer.into()),
        ..SubmissionMeta::default()
    }
}

fn map(fields: &[(&str, &str)], meta: &SubmissionMeta, form: &FormSettings) -> Member {
    map_submission(&Submission::from_fields(fields), meta, form).expect("a lead")
}

#[test]
fn the_referer_gives_the_page_url_and_its_utm_parameters() {
    let meta =
        from_page("https://example.com/pricing?utm_source=google&utm_medium=cpc&gclid=abc&x=1");
    let member = map(
        &[("email", "a@example.com"), ("message", "Hi")],
        &meta,
        &FormSettings::default(),
    );
    assert_eq!(
        member.extra["pageUrl"],
        "https://example.com/pricing?utm_source=google&utm_medium=cpc&gclid=abc&x=1"
    );
    assert_eq!(
        member.extra["utm"],
        json!({"source": "google", "medium": "cpc", "gclid": "abc"})
    );
    assert_eq!(
        member.extra["notes"],
        "Hi\n\nPage: https://example.com/pricing?utm_source=google&utm_medium=cpc&gclid=abc&x=1\nUTM: gclid=abc, medium=cpc, source=google"
    );
}

#[test]
fn utm_inputs_win_over_the_referer_and_are_never_mixed_with_it() {
    let meta = from_page("https://example.com/?utm_source=google&utm_medium=cpc");
    let member = map(
        &[("email", "a@example.com"), ("utm_source", "newsletter")],
        &meta,
        &FormSettings::default(),
    );
    assert_eq!(member.extra["utm"], json!({"source": "newsletter"}));
    assert_eq!(
        member.extra["pageUrl"],
        "https://example.com/?utm_source=google&utm_medium=cpc"
    );
}

#[test]
fn a_page_url_input_wins_over_the_referer_and_is_not_the_website() {
    let meta = from_page("https://example.com/embed");
    let member = map(
        &[
            ("email", "a@example.com"),
            (
                "page_url",
                "https://example.com/landing?utm_campaign=spring",
            ),
        ],
        &meta,
        &FormSettings::default(),
    );
    assert_eq!(
        member.extra["pageUrl"],
        "https://example.com/landing?utm_campaign=spring"
    );
    assert_eq!(member.extra["utm"], json!({"campaign": "spring"}));
    assert!(!member.extra.contains_key("website"), "{:?}", member.extra);
    assert_eq!(
        member.extra["notes"],
        "Page: https://example.com/landing?utm_campaign=spring\nUTM: campaign=spring"
    );
}

#[test]
fn the_source_template_reads_utm_parameters_of_the_referer() {
    let form = FormSettings {
        source: "website/{utm_source}".into(),
        ..FormSettings::default()
    };
    let member = map(
        &[("email", "a@example.com")],
        &from_page("https://example.com/?utm_source=bing"),
        &form,
    );
    assert_eq!(member.source, "website/bing");
    let member = map(
        &[("email", "a@example.com")],
        &SubmissionMeta::default(),
        &form,
    );
    assert_eq!(member.source, "website");
}

#[test]
fn a_referer_that_is_not_a_web_page_is_ignored() {
    let member = map(
        &[("email", "a@example.com")],
        &from_page("android-app://com.example/?utm_source=x"),
        &FormSettings::default(),
    );
    assert!(!member.extra.contains_key("pageUrl"));
    assert!(!member.extra.contains_key("utm"));
    assert!(!member.extra.contains_key("notes"));
}

#[test]
fn the_explanation_says_where_attribution_came_from() {
    let explanation = explain(
        &Submission::from_fields(&[("email", "a@example.com")]),
        &from_page("https://example.com/?utm_source=bing"),
        &FormSettings::default(),
    );
    let printed = explanation.to_string();
    assert!(
        printed.contains("pageUrl") && printed.contains("Referer header"),
        "{printed}"
    );
    assert!(
        printed.contains("source=bing") && printed.contains("Referer query"),
        "{printed}"
    );
}

#[test]
fn the_first_touch_goes_into_the_member_and_the_notes() {
    let member = map(
        &[
            ("email", "a@example.com"),
            ("page_url", "https://example.com/contact"),
            (
                "landing_page",
                "https://example.com/offer?utm_source=news&gclid=g1",
            ),
            ("referrer", "https://search.example/"),
        ],
        &SubmissionMeta::default(),
        &FormSettings::default(),
    );

    assert_eq!(
        member.extra["landingPage"],
        "https://example.com/offer?utm_source=news&gclid=g1"
    );
    assert_eq!(member.extra["referrer"], "https://search.example/");
    assert_eq!(
        member.extra["utm"],
        json!({"source": "news", "gclid": "g1"}),
        "read from the landing page when no input carries them"
    );
    let notes = member.extra["notes"].as_str().unwrap();
    assert!(
        notes.contains("Landing page: https://example.com/offer")
            && notes.contains("Referrer: https://search.example/")
            && !notes.contains("landing_page:"),
        "{notes}"
    );
}

#[test]
fn a_referrer_that_is_no_url_stays_an_ordinary_input() {
    let member = map(
        &[("email", "a@example.com"), ("referrer", "my colleague Ann")],
        &SubmissionMeta::default(),
        &FormSettings::default(),
    );

    assert!(!member.extra.contains_key("referrer"));
    assert!(
        member.extra["notes"]
            .as_str()
            .unwrap()
            .contains("referrer: my colleague Ann"),
        "{:?}",
        member.extra["notes"]
    );
}
