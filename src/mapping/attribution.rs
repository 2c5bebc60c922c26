//! Attribution: the page a lead was sent from, and the campaign that brought it.
//!
//! The page URL is a `page_url` / `pageUrl` / `page-url` / `_page` input
//! (Elementor's `Page URL` and `meta[page_url][value]` too), else the request's
//! `Referer`. Tracking parameters (`utm_*`, `gclid` …) are the submission's own
//! inputs; only when it carries none are they read from the query string of
//! the page URL (then of the `Referer`), so one visit's parameters are never
//! mixed with another's.
//!
//! The first touch, as `embed.js` sends it: the landing page of the visitor's
//! first visit (`landing_page`) and the site that sent them there
//! (`referrer`), each taken only when it is a web URL (a "Referrer" question
//! answered with a name stays an ordinary input). When no tracking parameter
//! came as an input, the landing page's query is read for them too.
//!
//! They go into the member as `pageUrl`, `landingPage`, `referrer` and `utm`,
//! where leadrelay's stored lead keeps them; Agencyhandy drops fields it does
//! not know, so they are also written as the last lines of `notes` (`Page: …`,
//! `Landing page: …`, `Referrer: …`, `UTM: source=…, medium=…`), the one place
//! an agency sees them in the CRM. IP address and user agent stay
//! in the stored request meta: they are evidence, not CRM data.

use std::collections::BTreeMap;

use super::{explain::FieldTrace, input::tracking_key, names::truncate, resolve::Resolver};
use crate::intake::SubmissionMeta;

/// Input names read as the page URL, in order.
const PAGE_FIELDS: &[&str] = &[
    "page_url",
    "pageUrl",
    "_page",
    "Page URL",
    "meta[page_url][value]",
];

/// Input names read as the first visit's landing page, in order.
const LANDING_FIELDS: &[&str] = &["landing_page", "landingPage", "_landing"];

/// Input names read as the site that sent the visitor, in order.
const REFERRER_FIELDS: &[&str] = &["referrer", "_referrer"];

/// Longest page URL kept, in characters.
const MAX_PAGE_URL: usize = 500;

/// Where a lead came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Attribution {
    /// The page the form was on.
    pub(crate) page_url: Option<String>,
    /// Where the page URL was found (`input "page_url"`, `Referer header`).
    page_from: Option<String>,
    /// The first visit's landing page.
    pub(crate) landing_page: Option<String>,
    /// The site that sent the visitor on their first visit.
    pub(crate) referrer: Option<String>,
    /// Tracking parameters without their `utm_` prefix (`source`, `medium`, `gclid` …).
    pub(crate) utm: BTreeMap<String, String>,
    /// Where the tracking parameters were found.
    utm_from: Option<&'static str>,
}

impl Attribution {
    /// Reads the page URL and tracking parameters, taking the inputs they came from.
    pub(crate) fn capture(resolver: &mut Resolver<'_>, meta: &SubmissionMeta) -> Self {
        let mut attribution = Self::default();
        for name in PAGE_FIELDS {
            if let Some(value) = resolver.lookup(name) {
                if attribution.page_url.is_none() {
                    attribution.page_url = Some(truncate(&value, MAX_PAGE_URL));
                    attribution.page_from = Some(format!("input {name:?}"));
                }
            }
        }
        let referer = meta
            .referer
            .as_deref()
            .map(str::trim)
            .filter(|r| is_web_url(r));
        let page_is_input = attribution.page_url.is_some();
        if !page_is_input {
            if let Some(referer) = referer {
                attribution.page_url = Some(truncate(referer, MAX_PAGE_URL));
                attribution.page_from = Some("Referer header".to_owned());
            }
        }
        attribution.landing_page = first_url_input(resolver, LANDING_FIELDS);
        // Some senders (Netlify) call the form's own page the referrer: that is
        // not where the visitor came from.
        attribution.referrer = first_url_input(resolver, REFERRER_FIELDS)
            .filter(|referrer| attribution.page_url.as_ref() != Some(referrer));
        attribution.utm = resolver.tracking();
        if !attribution.utm.is_empty() {
            attribution.utm_from = Some("inputs");
            return attribution;
        }
        let from_input = attribution.page_url.as_deref().filter(|_| page_is_input);
        let landing = attribution.landing_page.clone();
        let candidates = [
            (from_input, "page URL query"),
            (landing.as_deref(), "landing page query"),
            (referer, "Referer query"),
        ];
        for (url, from) in candidates {
            let utm = url.map(query_tracking).unwrap_or_default();
            if !utm.is_empty() {
                attribution.utm = utm;
                attribution.utm_from = Some(from);
                break;
            }
        }
        attribution
    }

    /// A tracking parameter for templates: `utm_source`, `source` or `gclid`.
    pub(crate) fn tracked(&self, name: &str) -> Option<&str> {
        name.strip_prefix("utm_")
            .and_then(|key| self.utm.get(key))
            .or_else(|| self.utm.get(name))
            .map(String::as_str)
    }

    /// The `notes` lines: `("Page", url)`, `("Landing page", url)`,
    /// `("Referrer", url)` and `("UTM", "source=google, medium=cpc")`.
    pub(crate) fn note_lines(&self) -> Vec<(&'static str, String)> {
        let mut lines = Vec::new();
        for (label, value) in [
            ("Page", &self.page_url),
            ("Landing page", &self.landing_page),
            ("Referrer", &self.referrer),
        ] {
            if let Some(value) = value {
                lines.push((label, value.clone()));
            }
        }
        if !self.utm.is_empty() {
            let pairs: Vec<String> = self.utm.iter().map(|(k, v)| format!("{k}={v}")).collect();
            lines.push(("UTM", pairs.join(", ")));
        }
        lines
    }

    /// Explanation lines for `pageUrl`, `landingPage`, `referrer` and `utm`.
    pub(crate) fn traces(&self) -> [FieldTrace; 4] {
        let utm = (!self.utm.is_empty()).then(|| {
            let pairs: Vec<String> = self.utm.iter().map(|(k, v)| format!("{k}={v}")).collect();
            pairs.join(", ")
        });
        let names = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>();
        let input_trace = |field, value: &Option<String>, tried: &[&str]| FieldTrace {
            field,
            value: value.clone(),
            from: value.as_ref().map(|_| "input (a web URL)".to_owned()),
            tried: names(tried),
            guessed_from: None,
        };
        [
            FieldTrace {
                field: "pageUrl",
                value: self.page_url.clone(),
                from: self.page_from.clone(),
                tried: names(PAGE_FIELDS)
                    .into_iter()
                    .chain(["Referer header".to_owned()])
                    .collect(),
                guessed_from: None,
            },
            input_trace("landingPage", &self.landing_page, LANDING_FIELDS),
            input_trace("referrer", &self.referrer, REFERRER_FIELDS),
            FieldTrace {
                field: "utm",
                value: utm,
                from: self.utm_from.map(str::to_owned),
                tried: names(&[
                    "utm_* inputs",
                    "page URL query",
                    "landing page query",
                    "Referer query",
                ]),
                guessed_from: None,
            },
        ]
    }
}

/// The first of `names` sent as a web URL (taken, and cut at [`MAX_PAGE_URL`]).
fn first_url_input(resolver: &mut Resolver<'_>, names: &[&str]) -> Option<String> {
    names.iter().find_map(|name| {
        let value = resolver.peek(name)?;
        let value = value.trim();
        is_web_url(value).then(|| {
            let kept = truncate(value, MAX_PAGE_URL);
            resolver.consume(name);
            kept
        })
    })
}

fn is_web_url(text: &str) -> bool {
    url::Url::parse(text).is_ok_and(|url| matches!(url.scheme(), "http" | "https"))
}

/// Tracking parameters in a URL's query string, first value of each.
fn query_tracking(page: &str) -> BTreeMap<String, String> {
    let mut tracking = BTreeMap::new();
    let Ok(url) = url::Url::parse(page) else {
        return tracking;
    };
    for (name, value) in url.query_pairs() {
        let (Some(key), value) = (tracking_key(&name), value.trim()) else {
            continue;
        };
        if !value.is_empty() {
            tracking
                .entry(key)
                .or_insert_with(|| truncate(value, MAX_PAGE_URL));
        }
    }
    tracking
}
