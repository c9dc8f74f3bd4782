//! The scenario modelled in cedar-policy.
//!
//! - Each role (built-in and custom) is a `Role` entity, each group a `Group` entity, and each
//!   user a `User` entity with the attributes `active` (status is `active`) and `seat`.
//! - A user's parents are the roles it holds directly and its groups; a group's parents are
//!   the roles it grants and its parent groups. Cedar's `in` follows these links
//!   transitively, as Roster resolves roles through groups and their ancestors.
//! - Each permission key is an action. One `permit` per role names the actions the role
//!   carries, in one of two styles ([`ActionStyle`]): as a list in the policy's scope
//!   (`action in [Action::"a", …]`), or as an action group (`action in Action::"role r"`),
//!   with each action entity listing the groups of the roles that carry it as its parents.
//! - Two `forbid` policies carry status and seats: nothing for a user who is not active, and
//!   nothing that needs a seat for a user without one (a list of the seat-needing actions, or
//!   the group `Action::"needs a seat"`). Forbid overrides permit in Cedar, as a deny reason
//!   overrides a grant in Roster.
//! - Every request names the one resource, `Org::"<org id>"`.
//!
//! An unknown user has no entity: `principal in Role::…` is false for it, and reading its
//! attributes is an error that only disables the forbid policies, so the answer is deny. An
//! unknown permission is an action no policy lists, so it is denied as well.

use cedar_policy::{
    Authorizer, Context, Decision, Entities, EntityId, EntityTypeName, EntityUid, PolicySet,
    Request,
};
use roster_engine::{Org, Status};
use serde_json::{json, Value};

use crate::queries::{Query, Workload};

/// The org as Cedar's inputs: entities as Cedar's JSON and policies as Cedar's text.
pub struct CedarSource {
    /// The entities, in Cedar's JSON entity format.
    pub entities_json: String,
    /// The policies, in Cedar's policy language.
    pub policies: String,
}

/// How a policy names the actions it covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionStyle {
    /// A list of actions in each policy's scope. Cedar builds the list's set every time it
    /// evaluates the scope, so a role carrying 200 permissions costs 200 uids per check.
    Lists,
    /// One action group per role (and one for the seat-needing actions), with every action
    /// entity a member of its groups; the scope then is one ancestry lookup.
    Groups,
}

/// The action group of a role's permissions. The space keeps it apart from every permission
/// key, which can't hold one.
fn role_group(role: &str) -> String {
    format!("role {role}")
}

/// The action group of the permissions that need a seat.
const SEAT_GROUP: &str = "needs a seat";

/// Translates `org` into Cedar's entities and policies.
pub fn source(org: &Org, style: ActionStyle) -> CedarSource {
    let uid = |kind: &str, id: &str| json!({ "type": kind, "id": id });
    let mut entities: Vec<Value> = Vec::new();

    let role_keys: Vec<String> = roster_engine::BuiltinRole::ALL
        .iter()
        .map(|r| r.key().to_owned())
        .chain(org.custom_roles().map(|r| r.key.as_str().to_owned()))
        .collect();
    for role in &role_keys {
        entities.push(json!({ "uid": uid("Role", role), "attrs": {}, "parents": [] }));
    }
    for group in org.groups() {
        let parents: Vec<Value> = group
            .roles
            .iter()
            .map(|r| uid("Role", r.as_str()))
            .chain(group.parents.iter().map(|g| uid("Group", g.as_str())))
            .collect();
        entities.push(
            json!({ "uid": uid("Group", group.key.as_str()), "attrs": {}, "parents": parents }),
        );
    }
    for user in org.users() {
        let parents: Vec<Value> = user
            .roles
            .iter()
            .map(|r| uid("Role", r.as_str()))
            .chain(user.groups.iter().map(|g| uid("Group", g.as_str())))
            .collect();
        entities.push(json!({
            "uid": uid("User", user.id.as_str()),
            "attrs": { "active": user.status == Status::Active, "seat": user.seat },
            "parents": parents,
        }));
    }
    entities.push(json!({ "uid": uid("Org", org.id().as_str()), "attrs": {}, "parents": [] }));
    if style == ActionStyle::Groups {
        for permission in org.permission_keys() {
            let mut parents: Vec<Value> = role_keys
                .iter()
                .filter(|r| {
                    org.role_permissions(r)
                        .is_some_and(|p| p.contains(permission))
                })
                .map(|r| uid("Action", &role_group(r)))
                .collect();
            if org.permission_needs_seat(permission) == Some(true) {
                parents.push(uid("Action", SEAT_GROUP));
            }
            entities
                .push(json!({ "uid": uid("Action", permission), "attrs": {}, "parents": parents }));
        }
        for group in role_keys
            .iter()
            .map(|r| role_group(r))
            .chain([SEAT_GROUP.to_owned()])
        {
            entities.push(json!({ "uid": uid("Action", &group), "attrs": {}, "parents": [] }));
        }
    }
    let entities_json = serde_json::to_string(&entities).expect("a JSON value always serialises");

    let mut policies = String::new();
    for role in &role_keys {
        let permissions = org.role_permissions(role).unwrap_or_default();
        if permissions.is_empty() {
            continue;
        }
        let actions = match style {
            ActionStyle::Lists => format!("[{}]", action_list(permissions.into_iter())),
            ActionStyle::Groups => format!("Action::{}", literal(&role_group(role))),
        };
        policies.push_str(&format!(
            "permit(principal in Role::{}, action in {actions}, resource);\n",
            literal(role)
        ));
    }
    policies.push_str("forbid(principal, action, resource) unless { principal.active };\n");
    let seated: Vec<&str> = org
        .permission_keys()
        .filter(|p| org.permission_needs_seat(p) == Some(true))
        .collect();
    if !seated.is_empty() {
        let actions = match style {
            ActionStyle::Lists => format!("[{}]", action_list(seated.into_iter())),
            ActionStyle::Groups => format!("Action::{}", literal(SEAT_GROUP)),
        };
        policies.push_str(&format!(
            "forbid(principal, action in {actions}, resource) unless {{ principal.seat }};\n"
        ));
    }
    CedarSource {
        entities_json,
        policies,
    }
}

/// `Action::"a", Action::"b", …` for the given permission keys.
fn action_list<'a>(keys: impl Iterator<Item = &'a str>) -> String {
    keys.map(|k| format!("Action::{}", literal(k)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A Cedar string literal. Keys and ids are restricted to ASCII letters, digits, spaces and a
/// little punctuation, for which Rust's debug quoting is also valid Cedar.
fn literal(text: &str) -> String {
    format!("{text:?}")
}

/// What Cedar holds once loaded: the policies and the entity store (with its transitive
/// closure computed).
pub struct Loaded {
    policies: PolicySet,
    entities: Entities,
}

/// Parses the policies and entities, as an application would on start.
pub fn load(source: &CedarSource) -> Loaded {
    let policies: PolicySet = source
        .policies
        .parse()
        .expect("the generated policies parse");
    let entities =
        Entities::from_json_str(&source.entities_json, None).expect("the generated entities load");
    Loaded { policies, entities }
}

/// Cedar ready to answer the workload's queries.
pub struct CedarEngine {
    loaded: Loaded,
    authorizer: Authorizer,
    users: Vec<EntityUid>,
    actions: Vec<EntityUid>,
    resource: EntityUid,
}

impl CedarEngine {
    /// Prepares the uids of every user and permission the workload names, so a check only
    /// clones them into a request.
    pub fn new(loaded: Loaded, org: &Org, workload: &Workload) -> CedarEngine {
        let users = workload
            .users
            .iter()
            .map(|id| entity_uid("User", id))
            .collect();
        let actions = workload
            .permissions
            .iter()
            .map(|key| entity_uid("Action", key))
            .collect();
        let resource = entity_uid("Org", org.id().as_str());
        CedarEngine {
            loaded,
            authorizer: Authorizer::new(),
            users,
            actions,
            resource,
        }
    }

    /// Cedar's decision for a query: a request built from the prepared uids, then authorised.
    #[inline]
    pub fn check(&self, query: Query) -> bool {
        let request = Request::new(
            self.users[query.user as usize].clone(),
            self.actions[query.permission as usize].clone(),
            self.resource.clone(),
            Context::empty(),
            None,
        )
        .expect("a request without a schema is always valid");
        let response =
            self.authorizer
                .is_authorized(&request, &self.loaded.policies, &self.loaded.entities);
        response.decision() == Decision::Allow
    }
}

fn entity_uid(kind: &str, id: &str) -> EntityUid {
    let kind: EntityTypeName = kind.parse().expect("the entity type names are valid");
    EntityUid::from_type_name_and_id(kind, EntityId::new(id))
}
