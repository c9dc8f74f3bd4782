//! Generated demo orgs: deterministic for a seed, of any size, with every status, custom
//! roles, nested groups, devices and pending invitations. Used by the CLI's `demo`, the
//! benchmarks, the worker's seed data and the element's demo mode.

use std::collections::HashMap;

use crate::catalog::ProductPermission;
use crate::limits;
use crate::map::SortedMap;
use crate::model::{
    CustomRole, Device, Group, Invitation, InvitationState, Org, OrgSettings, Status, User,
    UserSettings,
};
use crate::set::KeySet;
use crate::text::{
    DeviceId, Email, GroupKey, InvitationId, Label, Locale, Name, OrgId, PermissionKey, RoleKey,
    TimeZone, UserId,
};
use crate::time::Timestamp;
use crate::token::{new_token, SeededEntropy};

/// The shape of a demo org.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSpec {
    /// Users in all statuses.
    pub users: usize,
    /// Groups (up to [`limits::GROUPS_PER_ORG`]).
    pub groups: usize,
    /// Custom roles (up to [`limits::CUSTOM_ROLES_PER_ORG`]).
    pub custom_roles: usize,
    /// Permissions the product declares (besides the built-in ones).
    pub product_permissions: usize,
    /// Seats bought; `None` for 80% of the users.
    pub seats_purchased: Option<u32>,
    /// The seed: the same seed gives the same org.
    pub seed: u64,
    /// The time the org is generated at.
    pub now: Timestamp,
}

impl DemoSpec {
    /// A small org of `users` users, for demos and tests.
    pub fn small(users: usize, seed: u64) -> DemoSpec {
        DemoSpec {
            users,
            groups: 6,
            custom_roles: 3,
            product_permissions: 8,
            seats_purchased: None,
            seed,
            now: Timestamp::from_unix_seconds(1_796_000_000),
        }
    }

    /// The benchmark's org: 10,000 users, 500 groups, 20 custom roles and 200 permissions in
    /// all (21 built-in, 179 from the product).
    pub fn benchmark(seed: u64) -> DemoSpec {
        DemoSpec {
            users: 10_000,
            groups: 500,
            custom_roles: 20,
            product_permissions: 200 - crate::catalog::BUILTIN_PERMISSIONS.len(),
            seats_purchased: None,
            seed,
            now: Timestamp::from_unix_seconds(1_796_000_000),
        }
    }
}

const FIRST: &[&str] = &[
    "Ada",
    "Grace",
    "Alan",
    "Edsger",
    "Barbara",
    "Donald",
    "Frances",
    "Ken",
    "Margaret",
    "Dennis",
    "Radia",
    "Tim",
    "Hedy",
    "Linus",
    "Katherine",
    "John",
    "Shafi",
    "Leslie",
    "Sophie",
    "Niklaus",
    "Zoë",
    "Ñuria",
    "Mei",
    "Ravi",
    "Olu",
    "Ingrid",
    "Tomás",
    "Aiko",
    "Fatima",
    "Björn",
];
const LAST: &[&str] = &[
    "Lovelace",
    "Hopper",
    "Turing",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Allen",
    "Thompson",
    "Hamilton",
    "Ritchie",
    "Perlman",
    "Berners-Lee",
    "Lamarr",
    "Torvalds",
    "Johnson",
    "McCarthy",
    "Goldwasser",
    "Lamport",
    "Wilson",
    "Wirth",
    "Okafor",
    "Nakamura",
    "Haddad",
    "Lindqvist",
];
const RESOURCES: &[&str] = &[
    "projects",
    "reports",
    "dashboards",
    "invoices",
    "tickets",
    "documents",
    "datasets",
    "pipelines",
    "alerts",
    "integrations",
    "workflows",
    "forms",
    "contracts",
    "assets",
    "budgets",
    "campaigns",
    "leads",
    "orders",
    "products",
    "shipments",
    "surveys",
    "tasks",
    "webhooks",
    "exports",
    "templates",
    "notebooks",
    "models",
    "experiments",
    "secrets",
    "domains",
];
const ACTIONS: &[&str] = &[
    "read", "create", "update", "delete", "export", "share", "approve", "archive",
];
const TEAMS: &[&str] = &[
    "engineering",
    "design",
    "sales",
    "support",
    "finance",
    "legal",
    "marketing",
    "operations",
    "research",
    "security",
    "people",
    "data",
];
const DEVICES: &[(&str, &str, &str)] = &[
    ("Work laptop", "desktop", "macOS 15"),
    ("Home PC", "desktop", "Windows 11"),
    ("Phone", "ios", "iOS 18"),
    ("Phone", "android", "Android 15"),
    ("Browser", "web", "ChromeOS 130"),
    ("Workstation", "desktop", "Ubuntu 24.04"),
];

/// Builds a demo org. Sizes past the engine's bounds are clamped to them.
pub fn generate(spec: &DemoSpec) -> Org {
    let mut rng = SeededEntropy::new(spec.seed);
    let now = spec.now;
    let day = 86_400;

    let product_permissions: Vec<ProductPermission> =
        (0..spec.product_permissions.min(limits::PRODUCT_PERMISSIONS))
            .map(|i| {
                let resource = RESOURCES[i / ACTIONS.len() % RESOURCES.len()];
                let round = i / (ACTIONS.len() * RESOURCES.len());
                let action = ACTIONS[i % ACTIONS.len()];
                let key = if round == 0 {
                    format!("{resource}:{action}")
                } else {
                    format!("{resource}{round}:{action}")
                };
                ProductPermission {
                    key: PermissionKey::trusted(&key),
                    description: None,
                    // Reading a few resources is free, as many products offer a read-only tier.
                    needs_seat: !(action == "read" && i % 3 == 0),
                    builtin_roles: if action == "read" {
                        vec![
                            RoleKey::trusted("admin"),
                            RoleKey::trusted("member"),
                            RoleKey::trusted("viewer"),
                        ]
                    } else {
                        vec![RoleKey::trusted("admin"), RoleKey::trusted("member")]
                    },
                }
            })
            .collect();

    let mut org = Org::new_with_owner(
        OrgId::trusted("acme"),
        Name::trusted("Acme Corporation"),
        0,
        person(0, now, &mut rng),
    );
    org.product_permissions = product_permissions;
    org.settings = OrgSettings::default();

    // Custom roles from the catalog, 10 to 30 permissions each (fewer if the catalog is small).
    let catalog: Vec<String> = org.permission_keys().map(str::to_owned).collect();
    for r in 0..spec.custom_roles.min(limits::CUSTOM_ROLES_PER_ORG) {
        let want = 10 + rng.below(21) as usize;
        let mut permissions = KeySet::new();
        while permissions.len() < want.min(catalog.len()) {
            let pick = &catalog[rng.below(catalog.len() as u64) as usize];
            permissions.insert(PermissionKey::trusted(pick));
        }
        let key = RoleKey::trusted(&format!("role-{r}"));
        let name = Name::trusted(&format!("Custom role {r}"));
        org.roles.insert(
            key.clone(),
            CustomRole {
                key,
                name,
                description: None,
                permissions,
            },
        );
    }
    let assignable: Vec<RoleKey> = org
        .roles
        .keys()
        .cloned()
        .chain(
            ["member", "viewer", "billing"]
                .into_iter()
                .map(RoleKey::trusted),
        )
        .collect();

    // Groups, each granting 1 or 2 roles; about a fifth nest under an earlier group, kept
    // shallow so the depth bound always holds.
    let mut depth: HashMap<GroupKey, usize> = HashMap::new();
    let group_count = spec.groups.min(limits::GROUPS_PER_ORG);
    let mut group_keys = Vec::with_capacity(group_count);
    for g in 0..group_count {
        let team = TEAMS[g % TEAMS.len()];
        let key = GroupKey::trusted(&if g < TEAMS.len() {
            team.to_owned()
        } else {
            format!("{team}-{g}")
        });
        let mut roles = KeySet::new();
        for _ in 0..1 + rng.below(2) {
            roles.insert(assignable[rng.below(assignable.len() as u64) as usize].clone());
        }
        let mut parents = KeySet::new();
        let mut d = 1;
        if g > 0 && rng.below(5) == 0 {
            let parent: &GroupKey = &group_keys[rng.below(g as u64) as usize];
            let pd = depth.get(parent).copied().unwrap_or(1);
            if pd < 3 {
                parents.insert(parent.clone());
                d = pd + 1;
            }
        }
        depth.insert(key.clone(), d);
        let name = Name::trusted(&capitalise(&key.as_str().replace('-', " ")));
        org.groups.insert(
            key.clone(),
            Group {
                key: key.clone(),
                name,
                description: None,
                roles,
                parents,
            },
        );
        group_keys.push(key);
    }

    // Users: a second owner and an admin near the top, then a mix of statuses.
    let target = spec.users.clamp(1, limits::USERS_PER_ORG);
    for i in 1..target {
        let mut user = person(i, now, &mut rng);
        let roll = rng.below(100);
        user.status = match roll {
            0..=4 => Status::Invited,
            5..=9 => Status::Suspended,
            10..=13 => Status::Deactivated,
            _ => Status::Active,
        };
        if i <= 2 {
            user.status = Status::Active;
        }
        if user.status != Status::Invited {
            user.joined_at = Some(user.created_at);
            for _ in 0..rng.below(3) {
                user.roles
                    .insert(assignable[rng.below(assignable.len() as u64) as usize].clone());
            }
            if !group_keys.is_empty() {
                for _ in 0..rng.below(4) {
                    user.groups
                        .insert(group_keys[rng.below(group_keys.len() as u64) as usize].clone());
                }
            }
        }
        match i {
            1 => {
                user.roles.insert(RoleKey::trusted("owner"));
            }
            2 => {
                user.roles.insert(RoleKey::trusted("admin"));
            }
            _ if i % 97 == 0 && user.status != Status::Invited => {
                user.roles.insert(RoleKey::trusted("admin"));
            }
            _ => {}
        }
        if user.status == Status::Active {
            user.last_active_at = Some(Timestamp::from_unix_seconds(
                now.unix_seconds() - rng.below(30 * day as u64) as i64,
            ));
        } else {
            user.last_active_at = None;
        }
        org.users.insert(user.id.clone(), user);
    }

    // Seats: bought for 80% of the users unless set; given to most active users while free.
    let purchased = spec
        .seats_purchased
        .unwrap_or_else(|| (target as u32 * 4).div_ceil(5))
        .min(limits::SEATS_PURCHASED);
    org.seats_purchased = purchased;
    let mut held = 0;
    let ids: Vec<UserId> = org.users.keys().cloned().collect();
    for id in &ids {
        let Some(user) = org.users.get_mut(id) else {
            continue;
        };
        user.seat = false;
        let wants =
            user.status == Status::Active && (user.roles.contains("owner") || rng.below(10) < 9);
        if wants && held < purchased {
            user.seat = true;
            held += 1;
        }
    }

    // A pending invitation for each invited user, a few of them already expired.
    let mut invitations = SortedMap::new();
    for (n, id) in ids.iter().enumerate() {
        let Some(user) = org.users.get(id) else {
            continue;
        };
        if user.status != Status::Invited {
            continue;
        }
        let created_at =
            Timestamp::from_unix_seconds(now.unix_seconds() - rng.below(10 * day as u64) as i64);
        let token_hash = match new_token(&mut rng) {
            Ok((_, hash)) => hash,
            Err(_) => continue,
        };
        let invitation = Invitation {
            id: InvitationId::trusted(&format!("inv_{n:05}")),
            user_id: id.clone(),
            email: user.email.clone(),
            roles: [RoleKey::trusted("member")].into_iter().collect(),
            groups: group_keys.first().into_iter().cloned().collect(),
            invited_by: org.users.keys().next().cloned(),
            created_at,
            expires_at: created_at.plus_days(7),
            sends: 1,
            state: InvitationState::Pending,
            token_hash,
        };
        invitations.insert(invitation.id.clone(), invitation);
    }
    org.invitations = invitations;

    // Devices for members who were ever active.
    let mut devices = SortedMap::new();
    for (n, id) in ids.iter().enumerate() {
        let Some(user) = org.users.get(id) else {
            continue;
        };
        if user.status == Status::Invited {
            continue;
        }
        for d in 0..rng.below(4) {
            let (name, platform, os) = DEVICES[rng.below(DEVICES.len() as u64) as usize];
            let first = user.created_at.unix_seconds() + rng.below(day as u64) as i64;
            let last = first.max(now.unix_seconds() - rng.below(20 * day as u64) as i64);
            let revoked = user.status == Status::Deactivated || rng.below(10) == 0;
            let device = Device {
                id: DeviceId::trusted(&format!("dev_{n:05}_{d}")),
                user_id: id.clone(),
                name: Label::trusted(name),
                platform: Label::trusted(platform),
                os: Label::trusted(os),
                first_seen_at: Timestamp::from_unix_seconds(first),
                last_seen_at: Timestamp::from_unix_seconds(last),
                revoked_at: revoked.then_some(Timestamp::from_unix_seconds(last)),
            };
            devices.insert(device.id.clone(), device);
        }
    }
    org.devices = devices;
    org
}

/// The `i`th demo person: a name from the lists and a unique email.
fn person(i: usize, now: Timestamp, rng: &mut SeededEntropy) -> User {
    let first = FIRST[i % FIRST.len()];
    let last = LAST[(i / FIRST.len() + i) % LAST.len()];
    let ascii = |s: &str| -> String {
        s.chars()
            .map(|c| match c {
                'ë' => 'e',
                'Ñ' => 'n',
                'á' => 'a',
                'ö' => 'o',
                c => c,
            })
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase()
    };
    let email = if i == 0 {
        "ada@example.com".to_owned()
    } else {
        format!("{}.{}{}@example.com", ascii(first), ascii(last), i)
    };
    let locales = [
        ("en", "Europe/London"),
        ("fr", "Europe/Paris"),
        ("en-US", "America/New_York"),
    ];
    let (locale, zone) = locales[i % locales.len()];
    let created = now.unix_seconds() - 86_400 * (30 + rng.below(700) as i64);
    User {
        id: UserId::trusted(&format!("usr_{i:05}")),
        email: Email::trusted(&email),
        name: Some(Name::trusted(&format!("{first} {last}"))),
        status: Status::Active,
        roles: KeySet::new(),
        groups: KeySet::new(),
        seat: false,
        settings: UserSettings {
            locale: Some(Locale::trusted(locale)),
            time_zone: Some(TimeZone::trusted(zone)),
        },
        created_at: Timestamp::from_unix_seconds(created),
        joined_at: Some(Timestamp::from_unix_seconds(created)),
        last_active_at: Some(now),
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        // Keys are ASCII, so the first letter's capital is one character too.
        Some(c) => std::iter::once(c.to_ascii_uppercase())
            .chain(chars)
            .collect(),
        None => String::new(),
    }
}
