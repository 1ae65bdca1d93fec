//! The shared vocabulary (docs/api.md §3, vocabulary): categories, priorities, verification states, statuses
//! and roles. Ids are the lowercase strings of the contract, on the wire and in storage.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Declares a closed vocabulary: serde as lowercase ids, `FromStr` with a clear error,
/// `ALL` in contract order.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($variant:ident => $id:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "lowercase")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $id),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($id => Ok($name::$variant),)+
                    _ => Err(UnknownValue {
                        what: $what,
                        value: s.to_string(),
                        expected: &[$($id),+],
                    }),
                }
            }
        }
    };
}

/// A value outside a closed vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{value}` (expected one of: {})", expected.join(", "))]
pub struct UnknownValue {
    pub what: &'static str,
    pub value: String,
    pub expected: &'static [&'static str],
}

vocabulary!(
    /// What a report is about.
    Category, "category" {
        Rescue => "rescue",
        Casualties => "casualties",
        Damage => "damage",
        Utilities => "utilities",
        Access => "access",
        Hazard => "hazard",
        Needs => "needs",
        Shelter => "shelter",
        Solidarity => "solidarity",
        Official => "official",
        Weather => "weather",
        Other => "other",
    }
);

vocabulary!(
    /// How urgent a report is. Declared most urgent first, so `Ord` sorts a queue.
    Priority, "priority" {
        Critical => "critical",
        High => "high",
        Medium => "medium",
        Low => "low",
    }
);

vocabulary!(
    /// Where a report stands in the volunteers' fact-checking.
    Verification, "verification" {
        Unverified => "unverified",
        Confirmed => "confirmed",
        Rumor => "rumor",
        Debunked => "debunked",
    }
);

vocabulary!(
    /// Where a report stands in the triage workflow.
    Status, "status" {
        New => "new",
        Triaged => "triaged",
        Published => "published",
        Dismissed => "dismissed",
    }
);

vocabulary!(
    /// Who holds a token.
    Role, "role" {
        Volunteer => "volunteer",
        Coordinator => "coordinator",
        Authority => "authority",
    }
);

vocabulary!(
    /// How precise a location is: a point given by the post or a volunteer, a commune, or an
    /// island or region.
    Precision, "precision" {
        Exact => "exact",
        Commune => "commune",
        Area => "area",
    }
);

vocabulary!(
    /// How a location was found.
    LocationMethod, "location method" {
        Native => "native",
        Gazetteer => "gazetteer",
        Volunteer => "volunteer",
    }
);

impl Priority {
    /// Rank for sorting: 0 is the most urgent.
    pub fn rank(self) -> u8 {
        self as u8
    }
}

impl Status {
    /// The moves the triage workflow allows. Publishing is a separate action (a coordinator's),
    /// so `published` is only reached through [`Role::may_publish`]; any status may go back to
    /// `triaged` (unpublish, reopen).
    pub fn may_become(self, next: Status) -> bool {
        use Status::*;
        match (self, next) {
            (a, b) if a == b => true,
            (New, Triaged) | (New, Dismissed) => true,
            (Triaged, Published) | (Triaged, Dismissed) => true,
            (Published, Triaged) | (Dismissed, Triaged) => true,
            (Dismissed, New) => true,
            _ => false,
        }
    }
}

/// What a role may do: the permission matrix of the triage API, kept here so every host
/// enforces the same rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Read,
    Create,
    Update,
    Claim,
    Publish,
    Escalate,
    Acknowledge,
    Export,
    ManageTokens,
    /// Define the team's topic rooms.
    ManageRooms,
    /// Draft a relay of an official message or a call for solidarity.
    DraftRelay,
    /// Approve a relay, which posts it to the association's accounts, or withdraw it.
    ApproveRelay,
}

impl Role {
    pub fn may(self, action: Action) -> bool {
        use Action::*;
        match self {
            Role::Volunteer => {
                matches!(
                    action,
                    Read | Create | Update | Claim | Escalate | DraftRelay
                )
            }
            Role::Coordinator => !matches!(action, Acknowledge),
            Role::Authority => matches!(action, Read | Acknowledge | Export),
        }
    }

    pub fn may_publish(self) -> bool {
        self.may(Action::Publish)
    }

    /// Why a token of this role is refused `action`, naming the action and the roles that
    /// may take it: "publishing needs a coordinator token; this token is a volunteer's".
    pub fn refusal(self, action: Action) -> String {
        let allowed: Vec<&str> = Role::ALL
            .iter()
            .filter(|r| r.may(action))
            .map(|r| r.as_str())
            .collect();
        let article = |word: &str| {
            if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
                "an"
            } else {
                "a"
            }
        };
        let roles = allowed.join(" or ");
        format!(
            "{} needs {} {roles} token; this token is {} {}'s",
            action.describe(),
            article(&roles),
            article(self.as_str()),
            self.as_str()
        )
    }
}

impl Action {
    /// The action in a few words, as a refusal names it.
    pub fn describe(self) -> &'static str {
        match self {
            Action::Read => "reading the table",
            Action::Create => "entering a report by hand",
            Action::Update => "changing a report",
            Action::Claim => "claiming or releasing a report",
            Action::Publish => "publishing or unpublishing",
            Action::Escalate => "escalating a report",
            Action::Acknowledge => "acknowledging an escalation",
            Action::Export => "exporting the table",
            Action::ManageTokens => "managing access tokens",
            Action::ManageRooms => "defining the team's topic rooms",
            Action::DraftRelay => "drafting a relay",
            Action::ApproveRelay => "approving or withdrawing a relay",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_names_the_action_and_who_may() {
        assert_eq!(
            Role::Volunteer.refusal(Action::Publish),
            "publishing or unpublishing needs a coordinator token; this token is a volunteer's"
        );
        assert_eq!(
            Role::Authority.refusal(Action::Update),
            "changing a report needs a volunteer or coordinator token; this token is an authority's"
        );
        assert_eq!(
            Role::Coordinator.refusal(Action::Acknowledge),
            "acknowledging an escalation needs an authority token; this token is a coordinator's"
        );
    }

    #[test]
    fn ids_round_trip_and_unknown_is_named() {
        for c in Category::ALL {
            assert_eq!(c.as_str().parse::<Category>().unwrap(), *c);
        }
        let err = "flood".parse::<Category>().unwrap_err();
        assert!(err.to_string().contains("unknown category `flood`"));
        assert!(err.to_string().contains("rescue"));
    }

    #[test]
    fn priority_sorts_most_urgent_first() {
        let mut v = vec![
            Priority::Low,
            Priority::Critical,
            Priority::Medium,
            Priority::High,
        ];
        v.sort();
        assert_eq!(v, Priority::ALL);
    }

    #[test]
    fn only_coordinators_publish_and_only_authorities_acknowledge() {
        assert!(Role::Coordinator.may_publish());
        assert!(!Role::Volunteer.may_publish());
        assert!(!Role::Authority.may_publish());
        assert!(Role::Authority.may(Action::Acknowledge));
        assert!(!Role::Volunteer.may(Action::Acknowledge));
        assert!(!Role::Authority.may(Action::Update));
        assert!(Role::Authority.may(Action::Export));
        assert!(!Role::Volunteer.may(Action::Export));
        assert!(Role::Coordinator.may(Action::ManageTokens));
    }

    #[test]
    fn status_machine() {
        assert!(Status::New.may_become(Status::Triaged));
        assert!(!Status::New.may_become(Status::Published));
        assert!(Status::Triaged.may_become(Status::Published));
        assert!(Status::Published.may_become(Status::Triaged));
        assert!(!Status::Published.may_become(Status::Dismissed));
    }
}
