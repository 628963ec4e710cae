//! [`vocabulary!`]: one declaration for a closed list of words stored as text — the enum, its
//! stored keys and labels, parsing, display, JSON (as the key) and the diesel text column.

/// Declares a closed vocabulary.
///
/// ```text
/// crate::domain::vocabulary! {
///     /// What a policy can be.
///     pub enum PolicyStatus {
///         Draft => ("draft", "Draft"),
///         Active => ("active", "Active"),
///     }
/// }
/// ```
///
/// gives `PolicyStatus::ALL`, `as_str()` (the stored key), `label()` (for people), `FromStr`
/// (the key, ignoring case and surrounding space; the error lists the keys), `Display` (the label),
/// ordering by declaration order,
/// `Serialize`/`Deserialize` as the key, and [`crate::domain::text_column!`].
#[macro_export]
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => ($key:literal, $label:literal) ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, ::diesel::AsExpression, ::diesel::FromSqlRow)]
        #[diesel(sql_type = ::diesel::sql_types::Text)]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored key (database, forms, URLs, JSON).
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $key),+ }
            }

            /// The name shown to people.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                let key = s.trim();
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str().eq_ignore_ascii_case(key))
                    .ok_or_else(|| {
                        let keys: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                        format!("{key:?} is not one of: {}.", keys.join(", "))
                    })
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.label())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <String as ::serde::Deserialize>::deserialize(d)?;
                s.parse().map_err(::serde::de::Error::custom)
            }
        }

        $crate::text_column!($name);
    };
}
pub use vocabulary;
