//! The lead fields a submission can fill.

/// A member field that mapping fills from a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum LeadField {
    /// `firstName`
    FirstName,
    /// `lastName`
    LastName,
    /// A whole name, split into `firstName` and `lastName`.
    FullName,
    /// `email`
    Email,
    /// `contactNo`
    ContactNo,
    /// `companyName`
    CompanyName,
    /// `website`
    Website,
    /// `address`
    Address,
    /// `city`
    City,
    /// `state`
    State,
    /// `zipCode`
    ZipCode,
    /// `country`
    Country,
    /// `leadValue` (a string)
    LeadValue,
    /// `notes`: the message, then any unmapped inputs.
    Notes,
    /// `status` (from the form's `status` unless overridden)
    Status,
    /// `source` (from the form's `source` template unless overridden)
    Source,
}

impl LeadField {
    /// The member's JSON key (`name` for the whole name).
    pub(crate) fn key(self) -> &'static str {
        match self {
            Self::FirstName => "firstName",
            Self::LastName => "lastName",
            Self::FullName => "name",
            Self::Email => "email",
            Self::ContactNo => "contactNo",
            Self::CompanyName => "companyName",
            Self::Website => "website",
            Self::Address => "address",
            Self::City => "city",
            Self::State => "state",
            Self::ZipCode => "zipCode",
            Self::Country => "country",
            Self::LeadValue => "leadValue",
            Self::Notes => "notes",
            Self::Status => "status",
            Self::Source => "source",
        }
    }

    /// Longest value kept, in characters; longer values are cut.
    pub(crate) fn max_chars(self) -> usize {
        match self {
            Self::FirstName | Self::LastName | Self::City | Self::State | Self::Country => 100,
            Self::FullName => 200,
            Self::Email => 254,
            Self::ContactNo | Self::ZipCode | Self::LeadValue | Self::Status | Self::Source => 50,
            Self::CompanyName => 200,
            Self::Website | Self::Address => 500,
            Self::Notes => 5000,
        }
    }

    /// Whether the alias table (and presets) may fill it; `status` and `source`
    /// come only from the form config or an explicit override.
    pub(crate) fn fillable_from_inputs(self) -> bool {
        !matches!(self, Self::Status | Self::Source)
    }

    /// The field a config key (`fields` or `constants`) names, by normalized key
    /// (`contactNo`, `contact_no`, `phone`, `name`, `company` …).
    pub(crate) fn from_config_key(key: &str) -> Option<Self> {
        let normalized = super::aliases::normalize(key);
        let field = match normalized.as_str() {
            "firstname" => Self::FirstName,
            "lastname" => Self::LastName,
            "name" | "fullname" => Self::FullName,
            "email" => Self::Email,
            "contactno" | "phone" => Self::ContactNo,
            "companyname" | "company" => Self::CompanyName,
            "website" => Self::Website,
            "address" => Self::Address,
            "city" => Self::City,
            "state" => Self::State,
            "zipcode" | "zip" => Self::ZipCode,
            "country" => Self::Country,
            "leadvalue" => Self::LeadValue,
            "notes" | "message" => Self::Notes,
            "status" => Self::Status,
            "source" => Self::Source,
            _ => return None,
        };
        Some(field)
    }
}
