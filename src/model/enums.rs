//! The closed vocabularies of the input: roles, tenant kinds and relationship kinds.

macro_rules! input_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The value as written in the input files.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// Parses the input spelling (exact, lowercase).
            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }

            /// The valid spellings, for error messages.
            pub fn spellings() -> &'static [&'static str] {
                &[$($text),+]
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

impl Role {
    /// The role in a sentence: "an indirect provider", "a direct-bill partner".
    pub fn prose(self) -> &'static str {
        match self {
            Role::IndirectProvider => "an indirect provider",
            Role::IndirectReseller => "an indirect reseller",
            Role::DirectBill => "a direct-bill partner",
        }
    }
}

input_enum!(
    /// A partner's role in the CSP program.
    Role {
        /// Distributor: buys from Microsoft, sells through indirect resellers.
        IndirectProvider => "indirect_provider",
        /// Sells through an indirect provider; no billing relationship with Microsoft.
        IndirectReseller => "indirect_reseller",
        /// Buys from Microsoft and sells to customers itself.
        DirectBill => "direct_bill",
    }
);

input_enum!(
    /// What a tenant is used for.
    TenantKind {
        /// A partner's CSP tenant.
        Partner => "partner",
        /// A Customer-type tenant.
        Customer => "customer",
    }
);

input_enum!(
    /// The kind of a row in `relationships.csv`.
    RelKind {
        /// Indirect provider → indirect reseller.
        Reseller => "reseller",
        /// A seller partner → a customer tenant.
        Customer => "customer",
        /// A partner manages a tenant's subscriptions (multi-channel).
        Admin => "admin",
        /// Organization ↔ organization, affiliates of each other.
        Affiliate => "affiliate",
    }
);
