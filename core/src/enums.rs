//! What every generated taxonomy enum (`Domain`, `Behavior`, `Availability`,
//! …) has in common, written once here instead of emitted per enum.

use std::fmt;

/// An enum generated from a taxonomy list: its variants are the list's
/// entries, in YAML order.
pub trait TaxonomyEnum: Copy + Sized + 'static {
    /// What one entry is called in messages: "domain", "behavior", "bin of availability", ….
    const KIND: &'static str;
    const ALL: &'static [Self];
    const IDS: &'static [&'static str];
    const LABELS: &'static [&'static str];
    const DESCRIPTIONS: &'static [&'static str];

    /// Position in YAML order.
    fn index(self) -> usize;

    /// The stable snake_case id.
    fn id(self) -> &'static str {
        Self::IDS[self.index()]
    }

    /// The human-readable label.
    fn label(self) -> &'static str {
        Self::LABELS[self.index()]
    }

    fn description(self) -> &'static str {
        Self::DESCRIPTIONS[self.index()]
    }

    /// The entry with this id, or an error naming the valid ids.
    fn from_id(id: &str) -> Result<Self, UnknownId> {
        Self::IDS
            .iter()
            .position(|known| *known == id)
            .map(|i| Self::ALL[i])
            .ok_or_else(|| UnknownId {
                kind: Self::KIND,
                value: id.to_owned(),
                valid: Self::IDS,
            })
    }
}

/// One variation axis as a generated `Scenario` lists it (`Scenario::AXES`):
/// its id and the ids of its bins, in YAML order. For code that treats
/// every axis alike instead of naming each one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScenarioAxis {
    pub id: &'static str,
    pub bins: &'static [&'static str],
}

impl ScenarioAxis {
    /// The position of the bin `id`, or the error the axis enum's
    /// [`TaxonomyEnum::from_id`] gives for it.
    pub fn bin(&self, id: &str) -> Result<usize, UnknownId> {
        self.bins
            .iter()
            .position(|known| *known == id)
            .ok_or_else(|| UnknownId {
                kind: self.id,
                value: id.to_owned(),
                valid: self.bins,
            })
    }
}

/// An id that names no entry of a taxonomy list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownId {
    pub kind: &'static str,
    pub value: String,
    pub valid: &'static [&'static str],
}

impl fmt::Display for UnknownId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown {} '{}'; valid: {}",
            self.kind,
            self.value,
            self.valid.join(", ")
        )
    }
}

impl std::error::Error for UnknownId {}

/// Declares one taxonomy enum with its tables and trait impls. Used by the
/// code that `taxonomy!` emits; not meant to be called by hand.
#[doc(hidden)]
#[macro_export]
macro_rules! taxonomy_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $kind:literal,
        [$( ($variant:ident, $id:literal, $label:literal, $description:literal) ),+ $(,)?]
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $( #[doc = $label] #[doc = ""] #[doc = $description] $variant, )+
        }

        impl $crate::TaxonomyEnum for $name {
            const KIND: &'static str = $kind;
            const ALL: &'static [Self] = &[$(Self::$variant),+];
            const IDS: &'static [&'static str] = &[$($id),+];
            const LABELS: &'static [&'static str] = &[$($label),+];
            const DESCRIPTIONS: &'static [&'static str] = &[$($description),+];

            fn index(self) -> usize {
                self as usize
            }
        }

        impl $name {
            /// Every entry, in YAML order.
            pub const ALL: &'static [Self] = <Self as $crate::TaxonomyEnum>::ALL;

            /// The stable snake_case id.
            pub fn id(self) -> &'static str {
                <Self as $crate::TaxonomyEnum>::id(self)
            }

            /// The human-readable label.
            pub fn label(self) -> &'static str {
                <Self as $crate::TaxonomyEnum>::label(self)
            }

            pub fn description(self) -> &'static str {
                <Self as $crate::TaxonomyEnum>::description(self)
            }

            /// Position in YAML order.
            pub fn index(self) -> usize {
                self as usize
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.id())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::UnknownId;
            fn from_str(id: &str) -> ::std::result::Result<Self, Self::Err> {
                <Self as $crate::TaxonomyEnum>::from_id(id)
            }
        }

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.id())
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                let id = <::std::borrow::Cow<'de, str> as $crate::__private::serde::Deserialize>::deserialize(d)?;
                <Self as $crate::TaxonomyEnum>::from_id(&id).map_err($crate::__private::serde::de::Error::custom)
            }
        }
    };
}
