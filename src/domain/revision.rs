//! Revisions and the precondition a change is made on (`If-Match`): a change based on an older
//! revision than the one stored is refused rather than applied over someone else's work.

/// The entity tag of a stored revision.
pub fn etag(revision: i32) -> String {
    format!("\"{revision}\"")
}

/// The revision a change says it is based on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Precondition {
    /// No `If-Match`: the change applies to whatever is current.
    #[default]
    None,
    /// `If-Match` with these entity tags (or `*`).
    Tags(String),
    /// An `If-Match` that could not be read: it matches nothing.
    Unreadable,
}

/// Why a precondition refused a change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// The change was based on another revision than the one stored.
    Stale,
    /// The change must name the revision it is based on, and named none.
    Missing,
}

impl Precondition {
    /// Whether the change may apply to the entity tag `current`.
    pub fn check(&self, current: &str) -> Result<(), Refused> {
        match self {
            Precondition::None => Ok(()),
            Precondition::Tags(value) if value.trim() == "*" => Ok(()),
            // If-Match compares strongly: a weak tag (W/"1") never matches.
            Precondition::Tags(value) if value.split(',').any(|tag| tag.trim() == current) => {
                Ok(())
            }
            Precondition::Tags(_) | Precondition::Unreadable => Err(Refused::Stale),
        }
    }

    /// Whether the change may apply to `revision`.
    pub fn check_revision(&self, revision: i32) -> Result<(), Refused> {
        self.check(&etag(revision))
    }

    /// Like `check`, but a change that names no revision is refused: for changes that must
    /// never overwrite another's work unseen.
    pub fn require(&self, current: &str) -> Result<(), Refused> {
        if *self == Precondition::None {
            return Err(Refused::Missing);
        }
        self.check(current)
    }

    /// Whether the change named a revision (`*` names none).
    pub fn names_a_revision(&self) -> bool {
        matches!(self, Precondition::Tags(value) if value.trim() != "*")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_match_strongly() {
        let tags = Precondition::Tags("\"2\", W/\"3\"".into());
        assert_eq!(tags.check_revision(2), Ok(()));
        assert_eq!(tags.check_revision(3), Err(Refused::Stale));
        assert_eq!(Precondition::Tags("*".into()).require("\"9\""), Ok(()));
        assert_eq!(Precondition::None.require("\"9\""), Err(Refused::Missing));
        assert_eq!(Precondition::Unreadable.check("\"1\""), Err(Refused::Stale));
    }
}
