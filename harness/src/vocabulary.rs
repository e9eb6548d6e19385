//! Closed vocabularies: enums whose every value has one wire name.
//!
//! [`vocabulary!`] declares such an enum once. The wire name is then the only spelling, used
//! by serde (JSON, TOML sidecars and profiles), `as_str` (snapshot lines, text), `parse`
//! (command-line values) and the generated JSON schemas alike, so they cannot drift apart
//! and a typo in a sidecar or profile fails with the list of valid names.

/// Declares a vocabulary enum: `Variant = "wire-name"` per value.
///
/// Generates the enum (`Clone`, `Copy`, `Debug`, `Eq`, `Ord`, `Hash`), `ALL` (every value
/// in declaration order), `NAMES`, `as_str`, `parse`, `Display`, serde both ways (an unknown
/// name is an error that lists the valid ones) and `schemars::JsonSchema` (a string enum).
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $(
                $(#[$variant_meta:meta])*
                $variant:ident = $wire:literal
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        $vis enum $name {
            $(
                $(#[$variant_meta])*
                $variant,
            )*
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: [Self; <[&str]>::len(&[$($wire),*])] = [$(Self::$variant),*];

            /// Every wire name, in declaration order.
            pub const NAMES: &'static [&'static str] = &[$($wire),*];

            /// The wire name.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $wire,)*
                }
            }

            /// The value with this wire name.
            pub fn parse(wire: &str) -> Option<Self> {
                Self::ALL.into_iter().find(|v| v.as_str() == wire)
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let wire = <::std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                Self::parse(&wire)
                    .ok_or_else(|| ::serde::de::Error::unknown_variant(&wire, Self::NAMES))
            }
        }

        impl ::schemars::JsonSchema for $name {
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                ::schemars::json_schema!({ "type": "string", "enum": Self::NAMES })
            }
        }
    };
}

pub(crate) use vocabulary;
