//! `docs/http.md` against the code: the routes the router serves, the
//! operations and statuses of the OpenAPI description, and the error codes.

use std::collections::{BTreeMap, BTreeSet};

use crate::{error::ApiError, mapping::MappingError};

const DOC: &str = include_str!("../../docs/http.md");

/// The files that declare routes.
const ROUTERS: [(&str, &str); 4] = [
    ("mod.rs", include_str!("mod.rs")),
    ("admin.rs", include_str!("admin.rs")),
    ("admin_summary.rs", include_str!("admin_summary.rs")),
    ("admin_page.rs", include_str!("admin_page.rs")),
];

const METHODS: [&str; 6] = ["get", "post", "put", "delete", "patch", "options"];

/// `(METHOD, path)` of every `.route(path, method(handler)...)` in the router files.
fn served_routes() -> BTreeSet<(String, String)> {
    let mut routes = BTreeSet::new();
    for (file, source) in ROUTERS {
        for chunk in source.split(".route(").skip(1) {
            let call: Vec<&str> = chunk
                .lines()
                .take_while(|line| {
                    let line = line.trim();
                    !(line.starts_with('.') || line.starts_with('}') || line.starts_with("//"))
                })
                .collect();
            let call = call.join(" ");
            let path = call
                .split('"')
                .nth(1)
                .unwrap_or_else(|| panic!("{file}: a route without a path: {call}"));
            let methods: Vec<&str> = METHODS
                .into_iter()
                .filter(|method| {
                    call.match_indices(&format!("{method}(")).any(|(at, _)| {
                        !call[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_')
                    })
                })
                .collect();
            assert!(!methods.is_empty(), "{file}: no method found for {path}");
            for method in methods {
                routes.insert((method.to_uppercase(), path.to_owned()));
            }
        }
    }
    routes
}

/// `(METHOD, path)` of every row of the routes table: `| `POST` | `/forms/{form}` | … |`.
fn documented_routes() -> BTreeSet<(String, String)> {
    DOC.lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let method = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
            let path = cells.get(2)?.strip_prefix('`')?.strip_suffix('`')?;
            (method.chars().all(|c| c.is_ascii_uppercase()) && path.starts_with('/'))
                .then(|| (method.to_owned(), path.to_owned()))
        })
        .collect()
}

/// The OpenAPI description's operations, each with its response statuses.
fn described_operations() -> BTreeMap<(String, String), Vec<String>> {
    let openapi: serde_json::Value = serde_json::from_str(super::openapi::openapi_text()).unwrap();
    let mut operations = BTreeMap::new();
    for (path, item) in openapi["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("a path item") {
            let statuses = operation["responses"]
                .as_object()
                .map(|responses| responses.keys().cloned().collect())
                .unwrap_or_default();
            operations.insert((method.to_uppercase(), path.clone()), statuses);
        }
    }
    operations
}

#[test]
fn every_route_served_is_documented_and_no_other() {
    let served = served_routes();
    let documented = documented_routes();
    assert!(
        served.len() >= 15,
        "the router files were not read: {served:?}"
    );
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let unserved: Vec<_> = documented.difference(&served).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from docs/http.md: {undocumented:?}"
    );
    assert!(
        unserved.is_empty(),
        "docs/http.md documents routes the router does not serve: {unserved:?}"
    );
}

#[test]
fn every_described_operation_and_status_is_documented() {
    let documented = documented_routes();
    let served = served_routes();
    for ((method, path), statuses) in described_operations() {
        let operation = (method.clone(), path.clone());
        assert!(
            documented.contains(&operation),
            "docs/http.md lacks {method} {path}"
        );
        assert!(
            served.contains(&operation),
            "the OpenAPI description has {method} {path}, which is not served"
        );
        for status in statuses {
            assert!(
                DOC.contains(&format!("`{status}`")),
                "docs/http.md never mentions {status}, which {method} {path} answers"
            );
        }
    }
}

/// One of each error a caller can see (the `match` fails to compile when a variant is added).
fn every_api_error() -> Vec<ApiError> {
    let all = vec![
        ApiError::Malformed(String::new()),
        ApiError::Unauthorized(String::new()),
        ApiError::Forbidden(String::new()),
        ApiError::NotFound(String::new()),
        ApiError::MethodNotAllowed(String::new()),
        ApiError::Conflict(String::new()),
        ApiError::TooLarge(String::new()),
        ApiError::UnsupportedMediaType(String::new()),
        ApiError::Unprocessable(MappingError {
            message: String::new(),
            fields: BTreeMap::new(),
            visitor_can_fix: true,
        }),
        ApiError::RateLimited(1),
        ApiError::Unavailable(String::new()),
        ApiError::Internal(anyhow::anyhow!("")),
    ];
    for error in &all {
        match error {
            ApiError::Malformed(_)
            | ApiError::Unauthorized(_)
            | ApiError::Forbidden(_)
            | ApiError::NotFound(_)
            | ApiError::MethodNotAllowed(_)
            | ApiError::Conflict(_)
            | ApiError::TooLarge(_)
            | ApiError::UnsupportedMediaType(_)
            | ApiError::Unprocessable(_)
            | ApiError::RateLimited(_)
            | ApiError::Unavailable(_)
            | ApiError::Internal(_) => {}
        }
    }
    all
}

#[test]
fn every_error_status_and_code_is_documented() {
    for error in every_api_error() {
        let (status, code) = (error.status().as_u16(), error.code());
        let row = DOC
            .lines()
            .find(|line| line.starts_with(&format!("| `{status}` | `{code}` |")));
        assert!(
            row.is_some(),
            "docs/http.md has no error row `{status}` `{code}`"
        );
    }
}
