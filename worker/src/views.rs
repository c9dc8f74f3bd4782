//! The JSON shapes the API returns for users, invitations, roles and groups: the engine's
//! records plus what a client would otherwise compute itself (roles held through groups,
//! device counts, an invitation's current state). Never a token or a token hash.

use roster_engine::catalog::{BuiltinRole, BUILTIN_PERMISSIONS};
use roster_engine::{Invitation, Org, Timestamp, User};
use serde_json::{json, Value};

pub fn user(org: &Org, user: &User, now: Timestamp) -> Value {
    let mut value = serde_json::to_value(user).unwrap_or(Value::Null);
    let held: Vec<Value> = org
        .roles_held(user)
        .into_iter()
        .map(|g| serde_json::to_value(g).unwrap_or(Value::Null))
        .collect();
    value["roles_held"] = Value::Array(held);
    value["devices"] = json!(org
        .devices_of(user.id.as_str())
        .filter(|d| d.revoked_at.is_none())
        .count());
    if let Some(invitation) = org
        .invitations()
        .find(|i| i.user_id == user.id && i.state == roster_engine::InvitationState::Pending)
    {
        value["invitation"] = invitation_view(invitation, now);
    }
    value
}

pub fn invitation_view(invitation: &Invitation, now: Timestamp) -> Value {
    let mut value = serde_json::to_value(invitation).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut value {
        map.remove("token_hash");
    }
    value["state"] = serde_json::to_value(invitation.state_at(now)).unwrap_or(Value::Null);
    value
}

/// Every role, built-in and custom, with its permissions.
pub fn roles(org: &Org) -> Value {
    let builtin = BuiltinRole::ALL.iter().map(|role| {
        json!({
            "key": role.key(),
            "name": role.name(),
            "description": role.description(),
            "builtin": true,
            "permissions": org.role_permissions(role.key()).unwrap_or_default(),
        })
    });
    let custom = org.custom_roles().map(|role| {
        let mut value = serde_json::to_value(role).unwrap_or(Value::Null);
        value["builtin"] = json!(false);
        value
    });
    Value::Array(builtin.chain(custom).collect())
}

/// The permission catalog: Roster's own and the product's.
pub fn permissions(org: &Org) -> Value {
    let own = BUILTIN_PERMISSIONS.iter().map(|p| {
        json!({
            "key": p.key, "description": p.description, "needs_seat": false, "builtin": true,
        })
    });
    let product = org.product_permissions().iter().map(|p| {
        json!({
            "key": p.key, "description": p.description, "needs_seat": p.needs_seat,
            "builtin": false,
        })
    });
    Value::Array(own.chain(product).collect())
}

pub fn group(org: &Org, key: &str) -> Value {
    let Some(group) = org.group(key) else {
        return Value::Null;
    };
    let mut value = serde_json::to_value(group).unwrap_or(Value::Null);
    value["members"] = json!(org
        .members_of(key)
        .map(|u| u.id.as_str())
        .collect::<Vec<_>>());
    value["permissions"] = json!(org.group_permissions(key));
    value
}
