//! The scenario modelled in cedar-policy.
//!
//! - Each role (built-in and custom) is a `Role` entity, each group a `Group` entity, and each
//!   user a `User` entity with the attributes `active` (status is `active`) and `seat`.
//! - A user's parents are the roles it holds directly and its groups; a group's parents are
//!   the roles it grants and its parent groups. Cedar's `in` follows these links
//!   transitively, as Roster resolves roles through groups and their ancestors.
//! - One `permit` per role lists the actions (one per permission key) the role carries.
//! - Two `forbid` policies carry status and seats: nothing for a user who is not active, and
//!   nothing that needs a seat for a user without one. Forbid overrides permit in Cedar, as a
//!   deny reason overrides a grant in Roster.
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

/// Translates `org` into Cedar's entities and policies.
pub fn source(org: &Org) -> CedarSource {
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
        entities.push(json!({ "uid": uid("Group", group.key.as_str()), "attrs": {}, "parents": parents }));
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
    let entities_json = serde_json::to_string(&entities).expect("a JSON value always serialises");

    let mut policies = String::new();
    for role in &role_keys {
        let permissions = org.role_permissions(role).unwrap_or_default();
        if permissions.is_empty() {
            continue;
        }
        let actions = action_list(permissions.into_iter());
        policies.push_str(&format!(
            "permit(principal in Role::{}, action in [{actions}], resource);\n",
            literal(role)
        ));
    }
    policies.push_str("forbid(principal, action, resource) unless { principal.active };\n");
    let seated = action_list(org.permission_keys().filter(|p| org.permission_needs_seat(p) == Some(true)));
    if !seated.is_empty() {
        policies.push_str(&format!(
            "forbid(principal, action in [{seated}], resource) unless {{ principal.seat }};\n"
        ));
    }
    CedarSource { entities_json, policies }
}

/// `Action::"a", Action::"b", …` for the given permission keys.
fn action_list<'a>(keys: impl Iterator<Item = &'a str>) -> String {
    keys.map(|k| format!("Action::{}", literal(k))).collect::<Vec<_>>().join(", ")
}

/// A Cedar string literal. Keys and ids are restricted to ASCII letters, digits and a little
/// punctuation, for which Rust's debug quoting is also valid Cedar.
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
    let policies: PolicySet = source.policies.parse().expect("the generated policies parse");
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
        let users = workload.users.iter().map(|id| entity_uid("User", id)).collect();
        let actions = workload.permissions.iter().map(|key| entity_uid("Action", key)).collect();
        let resource = entity_uid("Org", org.id().as_str());
        CedarEngine { loaded, authorizer: Authorizer::new(), users, actions, resource }
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
            self.authorizer.is_authorized(&request, &self.loaded.policies, &self.loaded.entities);
        response.decision() == Decision::Allow
    }
}

fn entity_uid(kind: &str, id: &str) -> EntityUid {
    let kind: EntityTypeName = kind.parse().expect("the entity type names are valid");
    EntityUid::from_type_name_and_id(kind, EntityId::new(id))
}
