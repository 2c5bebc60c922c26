use serde_json::json;

use super::*;
use crate::domain::Email;

fn members(emails: &[&str]) -> Vec<Member> {
    emails
        .iter()
        .map(|email| Member {
            first_name: "A".into(),
            last_name: "B".into(),
            email: Email::parse(email).unwrap(),
            contact_no: None,
            status: "New".into(),
            source: "website".into(),
            position_in_board: 1,
            send_invitation_email: false,
            extra: Default::default(),
        })
        .collect()
}

fn parse(body: Value, sent: &[Member]) -> Vec<LeadResult> {
    parse_create_response(body.to_string().as_bytes(), sent).unwrap()
}

fn created(id: &str) -> LeadResult {
    LeadResult::Created {
        member_id: Some(id.into()),
    }
}

#[test]
fn company_route_created_members_without_emails_match_by_position() {
    let sent = members(&["a@example.com", "b@example.com"]);
    let body = json!({"message": "Lead created successfully", "createdMembers": [
        {"_id": "m1", "name": "A B", "status": "New", "role": "client"},
        {"_id": "m2", "name": "A B", "status": "New", "role": "client"}
    ]});
    assert_eq!(parse(body, &sent), [created("m1"), created("m2")]);
}

#[test]
fn bulk_lead_shape_matches_by_email_ignoring_case_and_order() {
    let sent = members(&["a@example.com", "b@example.com", "c@example.com"]);
    let body = json!({"success": true, "data": {
        "addedLeads": [{"_id": "mc", "email": "C@Example.com"}, {"_id": "ma", "email": "a@example.com"}],
        "notAddedLeads": [{"email": "b@example.com", "reason": "Email already exists"}]
    }});
    let results = parse(body, &sent);
    assert_eq!(results[0], created("ma"));
    assert_eq!(
        results[1],
        LeadResult::Duplicate {
            reason: "Email already exists".into()
        }
    );
    assert_eq!(results[2], created("mc"));
}

#[test]
fn created_members_with_top_level_not_added_mix_email_and_position() {
    let sent = members(&["old@example.com", "new@example.com"]);
    let body = json!({"createdMembers": [{"_id": "m2", "name": "A B"}],
        "notAddedLeads": [{"email": "old@example.com", "reason": "duplicate email"}]});
    let results = parse(body, &sent);
    assert!(matches!(results[0], LeadResult::Duplicate { .. }));
    assert_eq!(results[1], created("m2"));
}

#[test]
fn other_reasons_are_not_added() {
    let sent = members(&["a@example.com"]);
    let body = json!({"success": true, "data": {"addedLeads": [],
        "notAddedLeads": [{"email": "a@example.com", "reason": "Invalid category"}]}});
    assert_eq!(
        parse(body, &sent),
        [LeadResult::NotAdded {
            reason: "Invalid category".into()
        }]
    );
}

#[test]
fn a_setting_that_does_not_exist_is_no_duplicate() {
    let sent = members(&["a@example.com", "b@example.com"]);
    let body = json!({"success": true, "data": {"addedLeads": [], "notAddedLeads": [
        {"email": "a@example.com", "reason": "Category does not exist"},
        {"email": "b@example.com", "reason": "Lead already exists"}]}});
    let results = parse(body, &sent);
    assert!(
        matches!(results[0], LeadResult::NotAdded { .. }),
        "{results:?}"
    );
    assert!(
        matches!(results[1], LeadResult::Duplicate { .. }),
        "{results:?}"
    );
}

#[test]
fn a_response_naming_nobody_means_all_created() {
    let sent = members(&["a@example.com", "b@example.com"]);
    let all_created = vec![LeadResult::Created { member_id: None }; 2];
    assert_eq!(
        parse(json!({"message": "Lead created successfully"}), &sent),
        all_created
    );
    assert_eq!(parse_create_response(b"  ", &sent).unwrap(), all_created);
}

#[test]
fn members_missing_from_a_partial_answer_are_unaccounted() {
    let sent = members(&["a@example.com", "b@example.com"]);
    let body =
        json!({"success": true, "data": {"addedLeads": [{"_id": "ma", "email": "a@example.com"}]}});
    let results = parse(body, &sent);
    assert_eq!(results[0], created("ma"));
    assert_eq!(results[1], LeadResult::Unaccounted);
}

#[test]
fn the_same_email_twice_is_matched_once_each() {
    let sent = members(&["a@example.com", "a@example.com"]);
    let body = json!({"success": true, "data": {
        "addedLeads": [{"_id": "m1", "email": "a@example.com"}],
        "notAddedLeads": [{"email": "a@example.com", "reason": "Email already exists"}]}});
    let results = parse(body, &sent);
    assert_eq!(results[0], created("m1"));
    assert!(matches!(results[1], LeadResult::Duplicate { .. }));
}

#[test]
fn garbage_is_unreadable_not_a_panic() {
    let sent = members(&["a@example.com"]);
    for body in [
        &b"<html>502</html>"[..],
        b"{\"createdMembers\": [",
        b"\xff\xfe",
    ] {
        assert_eq!(
            parse_create_response(body, &sent),
            Err(UnreadableResponse::NotJson)
        );
    }
    assert_eq!(
        parse_create_response(br#"{"success": false, "message": "no"}"#, &sent),
        Err(UnreadableResponse::NotSuccessful)
    );
    // Odd but JSON: entries of the wrong type are ignored.
    let odd = json!({"createdMembers": [1, "x", null], "data": 5});
    assert_eq!(parse(odd, &sent), [LeadResult::Created { member_id: None }]);
}
