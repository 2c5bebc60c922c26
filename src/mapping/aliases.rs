//! The built-in alias table: input names, normalized, → lead fields.

use super::field::LeadField;

/// How an input name matched the alias table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum MatchQuality {
    /// The whole name is an alias (`Email address`, `your-email`).
    Whole,
    /// Only its last segment(s) are (`contact.email`, `form_fields[email]`).
    Segment,
}

/// Lower-cases and keeps only letters and digits: `Your-E_mail Address` → `youremailaddress`.
pub(crate) fn normalize(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The lead field an input name stands for. The name is normalized once; then
/// the whole name, the last two segments and the last segment are looked up
/// (segments split at `.`, `[`, `]` and `__`; skipped when a segment is an index).
pub(crate) fn match_name(name: &str) -> Option<(LeadField, MatchQuality)> {
    match_normalized(name, &normalize(name))
}

/// [`match_name`] for a name whose [`normalize`]d form the caller already has.
pub(super) fn match_normalized(name: &str, normalized: &str) -> Option<(LeadField, MatchQuality)> {
    if let Some(field) = lookup(normalized) {
        return Some((field, MatchQuality::Whole));
    }
    let segments: Vec<&str> = name
        .split(['.', '[', ']'])
        .flat_map(|s| s.split("__"))
        .filter(|s| !s.is_empty())
        .collect();
    if segments.len() < 2
        || segments
            .iter()
            .any(|s| s.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let last = segments[segments.len() - 1];
    let before = segments[segments.len() - 2];
    lookup(&normalize(&format!("{before}{last}")))
        .or_else(|| lookup(&normalize(last)))
        .map(|field| (field, MatchQuality::Segment))
}

/// Looks a normalized name up, also without a leading `your`/`the`.
pub(super) fn lookup(normalized: &str) -> Option<LeadField> {
    table(normalized).or_else(|| {
        let rest = normalized
            .strip_prefix("your")
            .or_else(|| normalized.strip_prefix("the"))?;
        table(rest)
    })
}

fn table(normalized: &str) -> Option<LeadField> {
    use LeadField::*;
    let field = match normalized {
        "name"
        | "fullname"
        | "names"
        | "contactname"
        | "customername"
        | "clientname"
        | "nameandsurname"
        | "firstandlastname"
        | "firstnameandlastname"
        | "nombre"
        | "nomcomplet"
        | "namefull"
        | "leadname"
        | "personname" => FullName,
        "firstname" | "fname" | "givenname" | "first" | "forename" | "namefirst" | "prenom"
        | "vorname" | "firstnames" => FirstName,
        "lastname" | "surname" | "lname" | "familyname" | "last" | "namelast" | "nachname"
        | "apellido" | "apellidos" => LastName,
        "email" | "emailaddress" | "mail" | "emailid" | "contactemail" | "workemail"
        | "businessemail" | "email1" | "emailaddr" | "correo" | "courriel" => Email,
        "phone" | "tel" | "telephone" | "mobile" | "phonenumber" | "contactno"
        | "contactnumber" | "whatsapp" | "whatsappnumber" | "mobilenumber" | "mobilephone"
        | "cell" | "cellphone" | "phoneno" | "telephonenumber" | "telefono" | "telefon"
        | "number" | "phone1" => ContactNo,
        "company" | "companyname" | "organization" | "organisation" | "organizationname"
        | "organisationname" | "business" | "businessname" | "firm" | "employer" => CompanyName,
        "website" | "url" | "site" | "web" | "websiteurl" | "homepage" | "companywebsite"
        | "webaddress" | "websiteaddress" => Website,
        "address" | "streetaddress" | "street" | "address1" | "addressline1" | "addressline"
        | "fulladdress" | "addressstreet" => Address,
        "city" | "town" | "addresscity" | "cityname" => City,
        "state" | "province" | "region" | "stateprovince" | "addressstate" | "county" => State,
        "zip" | "zipcode" | "postalcode" | "postcode" | "postal" | "pincode" | "addresszip"
        | "addresspostalcode" | "addresspostal" | "zippostalcode" | "postalzip" => ZipCode,
        "country" | "countryname" | "addresscountry" => Country,
        "message"
        | "comments"
        | "comment"
        | "notes"
        | "note"
        | "inquiry"
        | "enquiry"
        | "details"
        | "description"
        | "question"
        | "questions"
        | "howcanwehelp"
        | "howcanwehelpyou"
        | "projectdetails"
        | "additionalinformation"
        | "msg"
        | "commentormessage"
        | "messagebody"
        | "yourinquiry" => Notes,
        "budget" | "leadvalue" | "projectbudget" | "estimatedbudget" | "dealvalue" => LeadValue,
        _ => return None,
    };
    Some(field)
}

/// Spellings shown when a field cannot be found ("tried …").
pub(crate) fn examples(field: LeadField) -> &'static [&'static str] {
    match field {
        LeadField::FirstName => &[
            "first name",
            "firstname",
            "fname",
            "given name",
            "your-first-name",
        ],
        LeadField::LastName => &[
            "last name",
            "surname",
            "lname",
            "family name",
            "your-last-name",
        ],
        LeadField::FullName => &["name", "full name", "fullname", "your-name", "contact name"],
        LeadField::Email => &["email", "e-mail", "your-email", "email_address", "mail"],
        LeadField::ContactNo => &[
            "phone",
            "tel",
            "telephone",
            "mobile",
            "phone number",
            "your-phone",
            "whatsapp",
        ],
        LeadField::CompanyName => &["company", "company name", "organization", "business"],
        LeadField::Website => &["website", "url", "site", "web"],
        LeadField::Address => &["address", "street address", "address line 1"],
        LeadField::City => &["city", "town"],
        LeadField::State => &["state", "province", "region"],
        LeadField::ZipCode => &["zip", "zip code", "postal code", "postcode"],
        LeadField::Country => &["country"],
        LeadField::LeadValue => &["budget", "lead value"],
        LeadField::Notes => &[
            "message",
            "comments",
            "notes",
            "your-message",
            "inquiry",
            "details",
        ],
        LeadField::Status | LeadField::Source => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_spellings_match() {
        let cases = [
            ("Name", LeadField::FullName),
            ("full_name", LeadField::FullName),
            ("your-name", LeadField::FullName),
            ("Contact Name", LeadField::FullName),
            ("First Name", LeadField::FirstName),
            ("your-first-name", LeadField::FirstName),
            ("given_name", LeadField::FirstName),
            ("Surname", LeadField::LastName),
            ("family-name", LeadField::LastName),
            ("E-mail", LeadField::Email),
            ("Email address", LeadField::Email),
            ("your-email", LeadField::Email),
            ("email_address", LeadField::Email),
            ("tel", LeadField::ContactNo),
            ("Phone number", LeadField::ContactNo),
            ("your-phone", LeadField::ContactNo),
            ("Contact No.", LeadField::ContactNo),
            ("WhatsApp", LeadField::ContactNo),
            ("Company Name", LeadField::CompanyName),
            ("organisation", LeadField::CompanyName),
            ("Web-Site", LeadField::Website),
            ("ZIP / Postal code", LeadField::ZipCode),
            ("your-message", LeadField::Notes),
            ("How can we help?", LeadField::Notes),
            ("Budget", LeadField::LeadValue),
            ("lead_value", LeadField::LeadValue),
        ];
        for (name, field) in cases {
            assert_eq!(
                match_name(name),
                Some((field, MatchQuality::Whole)),
                "{name}"
            );
        }
    }

    #[test]
    fn segments_match_after_the_whole_name() {
        assert_eq!(
            match_name("form_fields[email]"),
            Some((LeadField::Email, MatchQuality::Segment))
        );
        assert_eq!(
            match_name("lead.first_name"),
            Some((LeadField::FirstName, MatchQuality::Segment))
        );
        assert_eq!(
            match_name("data.company.name"),
            Some((LeadField::CompanyName, MatchQuality::Segment))
        );
        assert_eq!(
            match_name("contact__phone"),
            Some((LeadField::ContactNo, MatchQuality::Segment))
        );
        assert_eq!(match_name("items.0.name"), None);
        assert_eq!(match_name("utm_source"), None);
        assert_eq!(match_name(""), None);
    }
}
