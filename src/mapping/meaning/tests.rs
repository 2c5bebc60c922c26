use super::{shapes::looks_like_date, *};
use crate::mapping::field::LeadField::{self, *};

fn guessed(name: &str, value: &str) -> Option<LeadField> {
    read(name, None, value).guess.map(|g| g.field)
}

#[test]
fn decorated_names_read_as_their_alias() {
    let cases = [
        ("Email 2", "jane@example.com", Email),
        ("No Label email", "jane@example.com", Email),
        ("\n   Owner Email* ", "jane@example.com", Email),
        ("PHONE*", "+1 555 010 0123", ContactNo),
        ("Name (required)", "Jane Doe", FullName),
        ("Q3: Company", "Acme", CompanyName),
        ("1. Website", "https://acme.example", Website),
    ];
    for (name, value, field) in cases {
        assert_eq!(guessed(name, value), Some(field), "{name:?}");
    }
    let guess = read("Email 2", None, "jane@example.com").guess.unwrap();
    assert_eq!(guess.rule, Rule::Cleaned("email".into()));
    assert_eq!(guess.fit, Fit::Typical);
}

#[test]
fn question_labels_are_read_by_their_words() {
    let cases = [
        ("What is your first name?", "Jane", FirstName),
        ("And your last name?", "Doe", LastName),
        ("What's your name?", "Jane Doe", FullName),
        (
            "What is the best e-mail to reach you?",
            "jane@example.com",
            Email,
        ),
        (
            "Which phone number can we call?",
            "+1 555 010 0123",
            ContactNo,
        ),
        ("What is the name of your company?", "Acme", CompanyName),
        (
            "Do you have a website? Paste its URL",
            "acme.example",
            Website,
        ),
        ("What's your budget for this project?", "$5k", LeadValue),
        ("Tell us about your project", "A new site", Notes),
        ("In which city are you based?", "Lyon", City),
    ];
    for (name, value, field) in cases {
        assert_eq!(guessed(name, value), Some(field), "{name:?}");
    }
    let guess = read("What is your first name?", None, "Jane")
        .guess
        .unwrap();
    assert_eq!(guess.rule, Rule::Words("first name"));
}

#[test]
fn labels_in_seven_languages_are_read() {
    let cases = [
        // French
        ("Prénom", "Jean", FirstName),
        ("Nom de famille", "Dupont", LastName),
        ("Adresse e-mail", "jean@example.fr", Email),
        ("Courriel", "jean@example.fr", Email),
        ("Téléphone portable", "06 12 34 56 78", ContactNo),
        ("Société", "Dupont SARL", CompanyName),
        ("Code postal", "75001", ZipCode),
        ("Votre message", "Bonjour", Notes),
        // German
        ("Vorname", "Max", FirstName),
        ("Nachname", "Mustermann", LastName),
        ("E-Mail-Adresse", "max@example.de", Email),
        ("Telefonnummer", "+49 30 1234567", ContactNo),
        ("Handynummer", "0171 1234567", ContactNo),
        ("Firmenname", "Muster GmbH", CompanyName),
        ("Straße und Hausnummer", "Hauptstraße 1", Address),
        ("PLZ", "10115", ZipCode),
        ("Ihre Nachricht", "Hallo", Notes),
        // Spanish
        ("Nombre", "María García", FullName),
        ("Apellidos", "García López", LastName),
        ("Correo electrónico", "maria@example.es", Email),
        ("Teléfono", "+34 612 345 678", ContactNo),
        ("Empresa", "García SL", CompanyName),
        ("Mensaje", "Hola", Notes),
        ("Presupuesto", "3000 €", LeadValue),
        // Portuguese
        ("Nome completo", "João Silva", FullName),
        ("Sobrenome", "Silva", LastName),
        ("Telefone", "+55 11 91234-5678", ContactNo),
        ("Endereço de e-mail", "joao@example.com.br", Email),
        ("Mensagem", "Olá", Notes),
        // Italian
        ("Nome e cognome", "Mario Rossi", FullName),
        ("Cognome", "Rossi", LastName),
        ("Cellulare", "+39 312 345 6789", ContactNo),
        ("Azienda", "Rossi Srl", CompanyName),
        ("Messaggio", "Ciao", Notes),
        // Dutch
        ("Voornaam", "Jan", FirstName),
        ("Achternaam", "de Vries", LastName),
        ("E-mailadres", "jan@example.nl", Email),
        ("Telefoonnummer", "+31 6 12345678", ContactNo),
        ("Bedrijfsnaam", "De Vries BV", CompanyName),
        ("Woonplaats", "Utrecht", City),
        ("Opmerkingen", "Hoi", Notes),
    ];
    for (name, value, field) in cases {
        assert_eq!(guessed(name, value), Some(field), "{name:?}");
    }
}

#[test]
fn a_telling_word_beats_a_generic_one() {
    assert_eq!(guessed("Name of your company", "Acme"), Some(CompanyName));
    assert_eq!(guessed("Project name", "Redesign"), None);
    assert_eq!(guessed("Nom de famille", "Dupont"), Some(LastName));
    assert_eq!(guessed("Nome e cognome", "Mario Rossi"), Some(FullName));
    assert_eq!(guessed("First and last name", "Jane Doe"), Some(FullName));
}

#[test]
fn the_value_must_fit_the_field_its_label_names() {
    assert_eq!(guessed("Email me a copy", "yes"), None);
    assert_eq!(guessed("Best time to phone you", "mornings"), None);
    assert_eq!(guessed("Company email", "info@acme.example"), Some(Email));
    assert_eq!(guessed("Company phone", "+1 555 010 0123"), Some(ContactNo));
    assert_eq!(
        guessed("Your phone or e-mail", "jane@example.com"),
        Some(Email)
    );
    assert_eq!(
        guessed("Your phone or e-mail", "+1 555 010 0123"),
        Some(ContactNo)
    );
    assert_eq!(guessed("Order number", "12345"), None);
    assert_eq!(guessed("Number", "+1 555 010 0123"), Some(ContactNo));
    assert_eq!(guessed("Land size", "2 acres"), None);
    assert_eq!(guessed("Referrer URL", "https://google.com"), None);
    assert_eq!(guessed("Friend's email", "bob@example.com"), None);
}

#[test]
fn an_invalid_address_under_an_e_mail_label_is_still_the_e_mail_input() {
    let meaning = read("Your e-mail*", None, "jane@example");
    assert_eq!(
        meaning.guess.map(|g| (g.field, g.fit)),
        Some((Email, Fit::Plausible))
    );
    let meaning = read("Your e-mail*", None, "");
    assert!(meaning.guess.is_none());
    assert!(meaning.names_email);
    assert!(!read("Message", None, "").names_email);
}

#[test]
fn silent_keys_guess_nothing_by_name() {
    for key in ["1", "2.3", "field_7", "question_mVGEg3", "x7r2m"] {
        let meaning = read(key, None, "jane@example.com");
        assert!(meaning.silent && meaning.guess.is_none(), "{key}");
    }
    let meaning = read("Question 3", None, "What a question");
    assert!(meaning.silent && meaning.guess.is_none(), "not the message");
    let meaning = read("id", None, "1714650000");
    assert!(!meaning.silent && meaning.guess.is_none());
}

#[test]
fn paths_into_lists_are_no_labels() {
    assert_eq!(guessed("fields.0.name", "Budget"), None);
    assert_eq!(guessed("items[2][email]", "jane@example.com"), None);
    assert_eq!(
        guessed("contact.email_address", "jane@example.com"),
        Some(Email)
    );
    assert!(read("1.3", None, "Jane").silent);
    assert_eq!(guessed("1. Your e-mail", "jane@example.com"), Some(Email));
}

#[test]
fn an_alternative_name_speaks_when_the_label_does_not() {
    let meaning = read("Untitled question", Some("your-email"), "jane@example.com");
    assert_eq!(meaning.guess.map(|g| g.field), Some(Email));
    let meaning = read("5", Some("question_abc1"), "x");
    assert!(meaning.silent);
}

#[test]
fn value_shapes() {
    assert!(looks_like_phone("+44 20 7946 0958"));
    assert!(looks_like_phone("(555) 010-0123"));
    assert!(!looks_like_phone("2024-05-02"));
    assert!(!looks_like_phone("05/02/2024 10:11"));
    assert!(!looks_like_phone("12345"));
    assert!(looks_like_phone_by_itself("5550100123"));
    assert!(!looks_like_phone_by_itself("1714650000"));
    assert!(!looks_like_phone_by_itself("1714650000123"));
    assert!(looks_like_date("2.5.2024"));
    assert!(!looks_like_date("555.010.0123"));
    assert!(looks_like_person_name("Jane Doe"));
    assert!(looks_like_person_name("María José García"));
    assert!(looks_like_person_name("Seán O'Neil"));
    assert!(!looks_like_person_name("Jane"));
    assert!(!looks_like_person_name("Need a new website"));
    assert!(!looks_like_person_name("Web design"));
    assert!(!looks_like_person_name("Agent 007"));
    assert!(looks_like_email("jane@example.com"));
    assert!(!looks_like_email("jane@example"));
}

#[test]
fn every_phrase_is_reachable_and_folded() {
    for (field, phrase, _) in words::PHRASES {
        let sample = phrase.replace('*', "");
        let label = Label::parse(&sample);
        let found = phrase_matches(label.words());
        assert!(
            found
                .iter()
                .any(|m| m.field == *field && m.phrase == *phrase),
            "{phrase:?} is not matched by its own words"
        );
        assert!(
            phrase
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == ' ' || c == '*'),
            "{phrase:?} must be written folded"
        );
    }
}
