//! The scenario modelled in casbin: RBAC with a role hierarchy.
//!
//! Every name carries a prefix (`user:`, `group:`, `role:`, `flag:`) so that a user, a group
//! and a role with the same key stay apart in casbin's single role graph.
//!
//! - `g, user:U, role:R` for a role held directly; `g, user:U, group:G` for membership;
//!   `g, group:G, role:R` for a role a group grants; `g, group:G, group:P` for a parent group.
//!   casbin's role manager follows these links transitively (up to 10 levels by default,
//!   beyond Roster's group depth of 8 plus the final role link).
//! - `p, role:R, <permission>, yes|no` for each permission a role carries, the last field
//!   saying whether it needs a seat.
//! - Status and seats are two marker nodes: `g, user:U, flag:active` for every active user
//!   and `g, user:U, flag:seat` for every seat holder. Only users link to them, so no chain
//!   through groups or roles reaches them. Inactive users keep their roles and groups, as
//!   they do in Roster, and the matcher denies them.
//!
//! The matcher compares the action first so that casbin evaluates the graph only for policy
//! lines of the requested permission; the result is the same in any order.

use casbin::{CoreApi, DefaultModel, Enforcer, StringAdapter};
use roster_engine::{Org, Status};

use crate::queries::{Query, Workload};

/// The casbin model. casbin joins a line ending in `\` to the next.
pub const MODEL: &str = r#"[request_definition]
r = sub, act

[policy_definition]
p = sub, act, seat

[role_definition]
g = _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = r.act == p.act && g(r.sub, p.sub) && g(r.sub, "flag:active") \
    && (p.seat == "no" || g(r.sub, "flag:seat"))
"#;

/// Translates `org` into casbin's policy lines (the CSV a file or string adapter reads).
pub fn policy(org: &Org) -> String {
    let mut lines: Vec<String> = Vec::new();
    let role_keys = roster_engine::BuiltinRole::ALL
        .iter()
        .map(|r| r.key())
        .chain(org.custom_roles().map(|r| r.key.as_str()));
    for role in role_keys {
        for permission in org.role_permissions(role).unwrap_or_default() {
            let seat = if org.permission_needs_seat(permission) == Some(true) {
                "yes"
            } else {
                "no"
            };
            lines.push(format!("p, role:{role}, {permission}, {seat}"));
        }
    }
    for group in org.groups() {
        let key = group.key.as_str();
        for role in &group.roles {
            lines.push(format!("g, group:{key}, role:{role}"));
        }
        for parent in &group.parents {
            lines.push(format!("g, group:{key}, group:{parent}"));
        }
    }
    for user in org.users() {
        let id = user.id.as_str();
        for role in &user.roles {
            lines.push(format!("g, user:{id}, role:{role}"));
        }
        for group in &user.groups {
            lines.push(format!("g, user:{id}, group:{group}"));
        }
        if user.status == Status::Active {
            lines.push(format!("g, user:{id}, flag:active"));
        }
        if user.seat {
            lines.push(format!("g, user:{id}, flag:seat"));
        }
    }
    lines.join("\n")
}

/// Builds an enforcer from the model and the policy lines, as an application would on start.
pub fn load(runtime: &tokio::runtime::Runtime, policy: &str) -> Enforcer {
    runtime.block_on(async {
        let model = DefaultModel::from_str(MODEL)
            .await
            .expect("the casbin model parses");
        Enforcer::new(model, StringAdapter::new(policy))
            .await
            .expect("the casbin policy loads")
    })
}

/// casbin ready to answer the workload's queries.
pub struct CasbinEngine {
    enforcer: Enforcer,
    subjects: Vec<String>,
    actions: Vec<String>,
}

impl CasbinEngine {
    /// Prepares the prefixed subject of every user the workload names.
    pub fn new(enforcer: Enforcer, workload: &Workload) -> CasbinEngine {
        let subjects = workload
            .users
            .iter()
            .map(|id| format!("user:{id}"))
            .collect();
        CasbinEngine {
            enforcer,
            subjects,
            actions: workload.permissions.clone(),
        }
    }

    /// casbin's decision for a query.
    #[inline]
    pub fn check(&self, query: Query) -> bool {
        let subject = self.subjects[query.user as usize].as_str();
        let action = self.actions[query.permission as usize].as_str();
        self.enforcer
            .enforce((subject, action))
            .expect("casbin evaluates the matcher")
    }
}
