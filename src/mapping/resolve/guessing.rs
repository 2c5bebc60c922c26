//! The last two levels of picking: an input's name read by meaning, then the
//! shapes of values under keys that say nothing.

use std::borrow::Cow;

use super::{non_empty, Origin, Pick, Resolver};
use crate::mapping::{
    field::LeadField,
    meaning::{self, looks_like_email, Fit, Meaning, Rule, Shape},
};

/// An input named for the e-mail address whose value could not be taken.
pub(crate) struct EmailInput<'a> {
    /// Its name.
    pub(crate) name: Cow<'a, str>,
    /// Its value, as sent.
    pub(crate) value: Cow<'a, str>,
}

impl<'a> Resolver<'a> {
    /// A field's value read by meaning, then by shape, when any input is
    /// left that could be guessed.
    pub(super) fn pick_guessed(&mut self, field: LeadField) -> Option<Pick<'a>> {
        if self.nothing_to_guess {
            return None;
        }
        self.read_guessable();
        if !(0..self.prepared.inputs.len()).any(|index| self.may_guess(index)) {
            self.nothing_to_guess = true;
            return None;
        }
        self.pick_guess(field).or_else(|| self.pick_shape(field))
    }

    /// Whether an input may still be guessed: unused, without an exact alias,
    /// not form machinery.
    /// Reads once which inputs could ever be guessed.
    fn read_guessable(&mut self) {
        if self.guessable.is_empty() {
            self.guessable = (self.prepared.inputs.iter())
                .map(|input| input.alias.is_none() && !input.is_machinery())
                .collect();
        }
    }

    fn may_guess(&self, index: usize) -> bool {
        !self.used_inputs[index] && self.guessable.get(index).copied().unwrap_or(false)
    }

    fn was_found(&self, field: LeadField) -> bool {
        self.found & (1 << field as u32) != 0
    }

    /// The meaning of an input that may still be guessed, read once.
    fn meaning(&mut self, index: usize) -> Option<&Meaning> {
        self.read_guessable();
        if !self.may_guess(index) {
            return None;
        }
        if self.meanings.is_empty() {
            self.meanings = vec![None; self.prepared.inputs.len()];
        }
        let input = &self.prepared.inputs[index];
        if self.meanings[index].is_none() {
            let meaning = meaning::read(&input.name, input.alt.as_deref(), &input.value);
            self.meanings[index] = Some(meaning);
        }
        self.meanings[index].as_ref()
    }

    /// The input whose name means `field`: a decorated alias before words,
    /// a value of the field's shape before a merely plausible one, then the
    /// first in order.
    fn pick_guess(&mut self, field: LeadField) -> Option<Pick<'a>> {
        let mut best: Option<(usize, (bool, Fit))> = None;
        for index in 0..self.prepared.inputs.len() {
            let Some(guess) = self.meaning(index).and_then(|m| m.guess.as_ref()) else {
                continue;
            };
            if guess.field != field {
                continue;
            }
            let rank = (matches!(guess.rule, Rule::Cleaned(_)), guess.fit);
            if self.prepared.inputs[index].value.trim().is_empty() {
                continue;
            }
            if best.is_none_or(|(_, best_rank)| rank > best_rank) {
                best = Some((index, rank));
            }
        }
        let (index, _) = best?;
        let rule = self.meanings[index].as_ref()?.guess.as_ref()?.rule.clone();
        self.take_guessed(index, rule)
    }

    /// A value whose shape says which field it is, under a key that says
    /// nothing: the one e-mail address of the submission; a phone number; a
    /// person's name (when no name was found by any other means).
    fn pick_shape(&mut self, field: LeadField) -> Option<Pick<'a>> {
        match field {
            LeadField::Email => {
                let emails = self.unclaimed_emails();
                match emails.as_slice() {
                    [index] => self.take_guessed(*index, Rule::Shape(Shape::LoneEmail)),
                    _ => None,
                }
            }
            LeadField::ContactNo => {
                self.first_silent(Shape::Phone, meaning::looks_like_phone_by_itself)
            }
            LeadField::FullName
                if !self.was_found(LeadField::FirstName)
                    && !self.was_found(LeadField::LastName) =>
            {
                self.first_silent(Shape::PersonName, meaning::looks_like_person_name)
            }
            _ => None,
        }
    }

    /// Inputs whose names say nothing of another field and whose values are
    /// e-mail addresses.
    pub(super) fn unclaimed_emails(&mut self) -> Vec<usize> {
        (0..self.prepared.inputs.len())
            .filter(|&index| {
                self.meaning(index).is_some_and(|m| m.guess.is_none())
                    && looks_like_email(&self.prepared.inputs[index].value)
            })
            .collect()
    }

    /// The names of inputs [`Resolver::unclaimed_emails`] finds.
    pub(crate) fn unclaimed_email_names(&mut self) -> Vec<String> {
        self.unclaimed_emails()
            .into_iter()
            .map(|index| self.prepared.inputs[index].name.clone().into_owned())
            .collect()
    }

    fn first_silent(&mut self, shape: Shape, fits: impl Fn(&str) -> bool) -> Option<Pick<'a>> {
        let index = (0..self.prepared.inputs.len()).find(|&index| {
            self.meaning(index)
                .is_some_and(|m| m.silent && m.guess.is_none())
                && fits(self.prepared.inputs[index].value.trim())
        })?;
        self.take_guessed(index, Rule::Shape(shape))
    }

    fn take_guessed(&mut self, index: usize, rule: Rule) -> Option<Pick<'a>> {
        let input = &self.prepared.inputs[index];
        let value = non_empty(input.value.clone())?;
        self.used_inputs[index] = true;
        Some(Pick {
            value,
            origin: Origin::Guess(input.name.clone(), rule),
        })
    }

    /// An input named for the e-mail address that nothing took (its value is
    /// empty or no address): the form's `fields` names for `email` present
    /// in the submission, an exact alias, then a name that means e-mail.
    pub(crate) fn untaken_email_input(&mut self, configured: &[String]) -> Option<EmailInput<'a>> {
        for name in configured {
            if let Some(value) = self.submission.value(name) {
                return Some(EmailInput {
                    name: Cow::Owned(name.clone()),
                    value,
                });
            }
        }
        for index in 0..self.prepared.inputs.len() {
            let input = &self.prepared.inputs[index];
            let aliased = matches!(input.alias, Some((LeadField::Email, _)));
            let named = aliased || self.meaning(index).is_some_and(|m| m.names_email);
            if named && !self.used_inputs[index] {
                let input = &self.prepared.inputs[index];
                return Some(EmailInput {
                    name: input.name.clone(),
                    value: input.value.clone(),
                });
            }
        }
        None
    }

    /// Every input's name and value (for telling a payload of IDs apart).
    pub(crate) fn all_inputs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.prepared
            .inputs
            .iter()
            .map(|input| (input.name.as_ref(), input.value.as_ref()))
    }
}
