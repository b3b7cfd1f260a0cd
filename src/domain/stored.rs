//! Enums kept in text columns by name. A name storage does not know is an error, never a
//! default: a corrupt row must fail loudly rather than read as "noted" or "no comments".

/// A stored name that matches no variant.
#[derive(Debug, thiserror::Error)]
#[error("unknown {what} {value:?} in storage")]
pub struct UnknownName {
    pub what: &'static str,
    pub value: String,
}

/// Gives an enum its stored names: `as_str`, `parse`, and the `String` conversions the row
/// types use to read and write the column.
macro_rules! stored_names {
    ($ty:ident, $what:literal { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            /// Every stored name, in the order the variants are declared.
            pub const NAMES: &'static [&'static str] = &[$($name,)+];

            /// The stored name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $name,)+
                }
            }

            /// Parses a stored name.
            pub fn parse(value: &str) -> Option<Self> {
                match value {
                    $($name => Some($ty::$variant),)+
                    _ => None,
                }
            }
        }

        impl From<$ty> for String {
            fn from(value: $ty) -> String {
                value.as_str().to_owned()
            }
        }

        impl TryFrom<String> for $ty {
            type Error = $crate::domain::stored::UnknownName;

            fn try_from(value: String) -> Result<Self, Self::Error> {
                $ty::parse(&value).ok_or($crate::domain::stored::UnknownName { what: $what, value })
            }
        }
    };
}
