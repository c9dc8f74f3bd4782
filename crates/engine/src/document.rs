//! The org document: the whole org as versioned JSON, for export, import and test fixtures.
//!
//! Import checks the shape (types, bounds, unknown fields) and then every invariant of
//! [`Org`], and refuses a bad document with the path of the first bad field, such as
//! `users[12].email`.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::catalog::{is_builtin_permission, BuiltinRole, ProductPermission};
use crate::limits;
use crate::model::{
    CustomRole, Device, Group, Invitation, InvitationState, Org, OrgSettings, Status, User,
};
use crate::set::{count_in_sorted, first_repeat, heap_sort_by, KeySet};
use crate::text::{GroupKey, Name, OrgId};
use crate::token::TokenHash;

/// The document version this engine reads and writes.
pub const DOCUMENT_VERSION: u32 = 1;

/// The org's own fields in a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgHeader {
    /// The org's key.
    pub id: OrgId,
    /// Its display name.
    pub name: Name,
    /// Seats bought, as the billing side set it.
    pub seats_purchased: u32,
    /// Org-wide settings.
    #[serde(default)]
    pub settings: OrgSettings,
}

/// A whole org as it is written to JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgDocument {
    /// Always [`DOCUMENT_VERSION`].
    pub version: u32,
    /// The org's own fields.
    pub org: OrgHeader,
    /// Permissions the host product declares.
    #[serde(default)]
    pub permissions: Vec<ProductPermission>,
    /// Custom roles.
    #[serde(default)]
    pub roles: Vec<CustomRole>,
    /// Groups.
    #[serde(default)]
    pub groups: Vec<Group>,
    /// Users in every status.
    pub users: Vec<User>,
    /// Invitations in every state.
    #[serde(default)]
    pub invitations: Vec<Invitation>,
    /// Devices.
    #[serde(default)]
    pub devices: Vec<Device>,
}

/// A document that was refused, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentError {
    /// The path of the first bad field, e.g. `users[3].email`; `.` for the document itself.
    pub path: String,
    /// What is wrong there.
    pub message: String,
}

impl fmt::Display for DocumentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for DocumentError {}

fn bad(path: impl Into<String>, message: impl Into<String>) -> DocumentError {
    DocumentError {
        path: path.into(),
        message: message.into(),
    }
}

impl OrgDocument {
    /// Reads a document's shape from JSON (no cross-record checks yet).
    pub fn from_json(text: &str) -> Result<OrgDocument, DocumentError> {
        // The fast parse first; only a failing document pays for tracking the path.
        serde_json::from_str(text).map_err(|e| path_of_error(text, e))
    }
}

/// Parses a refused document again, tracking where the parse stops, to name the bad field.
#[cfg(feature = "field-paths")]
fn path_of_error(text: &str, first: serde_json::Error) -> DocumentError {
    let de = &mut serde_json::Deserializer::from_str(text);
    match serde_path_to_error::deserialize::<_, OrgDocument>(de) {
        Ok(_) => bad(".".to_owned(), without_position(&first.to_string())),
        Err(e) => {
            // A syntax error has no field path; report it at the document.
            let path = match e.path().to_string() {
                p if p == "?" || p.is_empty() => ".".to_owned(),
                p => p,
            };
            let inner = e.into_inner();
            bad(path, without_position(&inner.to_string()))
        }
    }
}

/// Without path tracking the error says only where in the text the parse stopped.
#[cfg(not(feature = "field-paths"))]
fn path_of_error(_text: &str, first: serde_json::Error) -> DocumentError {
    bad(".".to_owned(), first.to_string())
}

/// serde_json ends its messages with ` at line L column C`; the path says where already,
/// except for syntax errors, where the position is all there is.
#[cfg(feature = "field-paths")]
pub(crate) fn without_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) if !message.starts_with("expected") && !message.contains("EOF") => {
            message[..i].to_owned()
        }
        _ => message.to_owned(),
    }
}

impl Org {
    /// Reads and checks an org document.
    pub fn from_json(text: &str) -> Result<Org, DocumentError> {
        Org::from_document(OrgDocument::from_json(text)?)
    }

    /// The org as pretty-printed JSON.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(&self.to_document()).unwrap_or_default()
    }

    /// The org as compact JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.to_document()).unwrap_or_default()
    }

    /// The org as a document.
    pub fn to_document(&self) -> OrgDocument {
        OrgDocument {
            version: DOCUMENT_VERSION,
            org: OrgHeader {
                id: self.id.clone(),
                name: self.name.clone(),
                seats_purchased: self.seats_purchased,
                settings: self.settings.clone(),
            },
            permissions: self.product_permissions.clone(),
            roles: self.roles.values().cloned().collect(),
            groups: self.groups.values().cloned().collect(),
            users: self.users.values().cloned().collect(),
            invitations: self.invitations.values().cloned().collect(),
            devices: self.devices.values().cloned().collect(),
        }
    }

    /// The org as a document for someone who may see its users but not its secrets: every
    /// invitation's token hash is [`TokenHash::redacted`]. The element loads this to draw the
    /// table and to try commands before sending them; it can accept no invitation with it.
    pub fn to_directory(&self) -> OrgDocument {
        let mut document = self.to_document();
        for invitation in &mut document.invitations {
            invitation.token_hash = TokenHash::redacted();
        }
        document
    }

    /// Checks every rule of a document and builds the org.
    pub fn from_document(doc: OrgDocument) -> Result<Org, DocumentError> {
        if doc.version != DOCUMENT_VERSION {
            return Err(bad(
                "version",
                format!("unsupported version {}: expected 1", doc.version),
            ));
        }
        check_header(&doc.org)?;
        let product_permissions = check_permissions(doc.permissions)?;
        let header = doc.org;
        let mut org = Org::empty(
            header.id,
            header.name,
            header.seats_purchased,
            header.settings,
            product_permissions,
        );
        load_roles(&mut org, doc.roles)?;
        load_groups(&mut org, doc.groups)?;
        load_users(&mut org, doc.users, &doc.invitations)?;
        load_invitations(&mut org, doc.invitations)?;
        load_devices(&mut org, doc.devices)?;
        Ok(org)
    }
}

fn check_header(header: &OrgHeader) -> Result<(), DocumentError> {
    if header.seats_purchased > limits::SEATS_PURCHASED {
        return Err(bad(
            "org.seats_purchased",
            format!("more than {}", limits::SEATS_PURCHASED),
        ));
    }
    if !limits::INVITATION_DAYS.contains(&header.settings.invitation_days) {
        return Err(bad(
            "org.settings.invitation_days",
            "must be between 1 and 30",
        ));
    }
    Ok(())
}

fn check_permissions(
    list: Vec<ProductPermission>,
) -> Result<Vec<ProductPermission>, DocumentError> {
    if list.len() > limits::PRODUCT_PERMISSIONS {
        return Err(bad(
            "permissions",
            format!("more than {}", limits::PRODUCT_PERMISSIONS),
        ));
    }
    let mut seen = KeySet::new();
    for (i, p) in list.iter().enumerate() {
        if is_builtin_permission(p.key.as_str()) {
            return Err(bad(
                format!("permissions[{i}].key"),
                format!("`{}` is built in", p.key),
            ));
        }
        if !seen.insert(&p.key) {
            return Err(bad(
                format!("permissions[{i}].key"),
                format!("`{}` appears twice", p.key),
            ));
        }
        for (j, role) in p.builtin_roles.iter().enumerate() {
            if BuiltinRole::from_key(role.as_str()).is_none() {
                return Err(bad(
                    format!("permissions[{i}].builtin_roles[{j}]"),
                    format!("`{role}` is not a built-in role"),
                ));
            }
        }
    }
    Ok(list)
}

fn load_roles(org: &mut Org, roles: Vec<CustomRole>) -> Result<(), DocumentError> {
    if roles.len() > limits::CUSTOM_ROLES_PER_ORG {
        return Err(bad(
            "roles",
            format!("more than {}", limits::CUSTOM_ROLES_PER_ORG),
        ));
    }
    for (i, role) in roles.into_iter().enumerate() {
        if BuiltinRole::from_key(role.key.as_str()).is_some() {
            return Err(bad(
                format!("roles[{i}].key"),
                format!("`{}` is built in", role.key),
            ));
        }
        if org.roles.contains_key(&role.key) {
            return Err(bad(
                format!("roles[{i}].key"),
                format!("`{}` appears twice", role.key),
            ));
        }
        if role.permissions.len() > limits::PERMISSIONS_PER_ROLE {
            return Err(bad(
                format!("roles[{i}].permissions"),
                "too many permissions",
            ));
        }
        if let Some(p) = role
            .permissions
            .iter()
            .find(|p| !org.permission_exists(p.as_str()))
        {
            return Err(bad(
                format!("roles[{i}].permissions"),
                format!("no permission `{p}`"),
            ));
        }
        org.roles.insert(role.key.clone(), role);
    }
    Ok(())
}

fn load_groups(org: &mut Org, groups: Vec<Group>) -> Result<(), DocumentError> {
    if groups.len() > limits::GROUPS_PER_ORG {
        return Err(bad(
            "groups",
            format!("more than {}", limits::GROUPS_PER_ORG),
        ));
    }
    let keys: KeySet<_> = groups.iter().map(|g| g.key.clone()).collect();
    // The document's order, to name a group in a refusal found after they are all loaded.
    let order: Vec<GroupKey> = groups.iter().map(|g| g.key.clone()).collect();
    for (i, group) in groups.into_iter().enumerate() {
        if org.groups.contains_key(&group.key) {
            return Err(bad(
                format!("groups[{i}].key"),
                format!("`{}` appears twice", group.key),
            ));
        }
        if group.roles.len() > limits::ROLES_PER_HOLDER {
            return Err(bad(format!("groups[{i}].roles"), "too many roles"));
        }
        if let Some(r) = group.roles.iter().find(|r| !org.role_exists(r.as_str())) {
            return Err(bad(format!("groups[{i}].roles"), format!("no role `{r}`")));
        }
        if group.parents.len() > limits::PARENTS_PER_GROUP {
            return Err(bad(format!("groups[{i}].parents"), "too many parents"));
        }
        if let Some(p) = group.parents.iter().find(|p| !keys.contains(*p)) {
            return Err(bad(
                format!("groups[{i}].parents"),
                format!("no group `{p}`"),
            ));
        }
        org.groups.insert(group.key.clone(), group);
    }
    crate::rules::check_group_structure(org).map_err(|e| {
        let group = match &e {
            crate::error::CommandError::GroupCycle { group }
            | crate::error::CommandError::GroupTooDeep { group, .. } => Some(group.as_str()),
            _ => None,
        };
        let place = group.and_then(|g| order.iter().position(|k| k.as_str() == g));
        let path = match place {
            Some(i) => format!("groups[{i}].parents"),
            None => "groups".to_owned(),
        };
        bad(path, e.to_string())
    })
}

/// Checks and loads the users. Invited users need exactly one pending invitation, which is
/// checked here (from the document's invitations) so the error can name the user's position.
fn load_users(
    org: &mut Org,
    users: Vec<User>,
    invitations: &[Invitation],
) -> Result<(), DocumentError> {
    if users.len() > limits::USERS_PER_ORG {
        return Err(bad("users", format!("more than {}", limits::USERS_PER_ORG)));
    }
    let mut pending_for: Vec<&str> = Vec::new();
    for (i, invitation) in invitations.iter().enumerate() {
        match invitation.state {
            InvitationState::Pending => pending_for.push(invitation.user_id.as_str()),
            InvitationState::Expired => {
                let message = "`expired` is derived from `expires_at`; store `pending`";
                return Err(bad(format!("invitations[{i}].state"), message));
            }
            InvitationState::Accepted | InvitationState::Revoked => {}
        }
    }
    heap_sort_by(&mut pending_for, |a, b| a < b);
    // The first repeated id and email, reported when the loop below reaches them so that the
    // first fault in the document is the one named.
    let repeated_id = first_repeat(users.iter().map(|u| u.id.as_str()));
    let repeated_email = first_repeat(users.iter().map(|u| u.email.as_str()));
    let mut held = 0u32;
    for (i, user) in users.iter().enumerate() {
        let at = |field: &str| format!("users[{i}].{field}");
        if repeated_id == Some(i) {
            return Err(bad(at("id"), format!("`{}` appears twice", user.id)));
        }
        if repeated_email == Some(i) {
            return Err(bad(
                at("email"),
                format!("`{}` belongs to another user", user.email),
            ));
        }
        if user.roles.len() > limits::ROLES_PER_HOLDER {
            return Err(bad(at("roles"), "too many roles"));
        }
        if let Some(r) = user.roles.iter().find(|r| !org.role_exists(r.as_str())) {
            return Err(bad(at("roles"), format!("no role `{r}`")));
        }
        if user.groups.len() > limits::GROUPS_PER_USER {
            return Err(bad(at("groups"), "too many groups"));
        }
        if let Some(g) = user.groups.iter().find(|g| !org.groups.contains_key(*g)) {
            return Err(bad(at("groups"), format!("no group `{g}`")));
        }
        if user.seat {
            if user.status != Status::Active {
                let status = user.status.as_str();
                return Err(bad(
                    at("seat"),
                    format!("a {status} user can't hold a seat"),
                ));
            }
            held += 1;
            if held > org.seats_purchased {
                return Err(bad(
                    at("seat"),
                    format!("more seats held than the {} purchased", org.seats_purchased),
                ));
            }
        }
        // (A pending invitation of a user who isn't invited is refused with the invitations.)
        if user.status == Status::Invited && count_in_sorted(&pending_for, user.id.as_str()) != 1 {
            return Err(bad(
                at("status"),
                format!(
                    "invited user `{}` needs exactly one pending invitation",
                    user.id
                ),
            ));
        }
    }
    drop(pending_for);
    org.users = users.into_iter().map(|u| (u.id.clone(), u)).collect();
    if org.active_owners().next().is_none() {
        return Err(bad("users", "no active user holds the `owner` role"));
    }
    Ok(())
}

fn load_invitations(org: &mut Org, invitations: Vec<Invitation>) -> Result<(), DocumentError> {
    if invitations.len() > limits::INVITATIONS_PER_ORG {
        return Err(bad(
            "invitations",
            format!("more than {}", limits::INVITATIONS_PER_ORG),
        ));
    }
    for (i, invitation) in invitations.into_iter().enumerate() {
        let at = |field: &str| format!("invitations[{i}].{field}");
        if org.invitations.contains_key(&invitation.id) {
            return Err(bad(at("id"), format!("`{}` appears twice", invitation.id)));
        }
        // A revoked invitation may outlive its user: revoking removes a user who never joined.
        let user = org.users.get(&invitation.user_id);
        if user.is_none() && invitation.state != InvitationState::Revoked {
            return Err(bad(
                at("user_id"),
                format!("no user `{}`", invitation.user_id),
            ));
        }
        if user.is_some_and(|u| u.email != invitation.email) {
            return Err(bad(at("email"), "differs from the invited user's email"));
        }
        if let (Some(user), InvitationState::Pending) = (user, invitation.state) {
            if user.status != Status::Invited {
                return Err(bad(
                    at("state"),
                    "pending, but the user is not in status `invited`",
                ));
            }
        }
        if let Some(r) = invitation
            .roles
            .iter()
            .find(|r| !org.role_exists(r.as_str()))
        {
            return Err(bad(at("roles"), format!("no role `{r}`")));
        }
        if let Some(g) = invitation
            .groups
            .iter()
            .find(|g| !org.groups.contains_key(*g))
        {
            return Err(bad(at("groups"), format!("no group `{g}`")));
        }
        if invitation.expires_at < invitation.created_at {
            return Err(bad(at("expires_at"), "before `created_at`"));
        }
        org.invitations.insert(invitation.id.clone(), invitation);
    }
    Ok(())
}

fn load_devices(org: &mut Org, devices: Vec<Device>) -> Result<(), DocumentError> {
    // Devices per user, counted in a slot per user: the user's place among the org's users,
    // whose binary search also tells that the user exists.
    let mut per_user: Vec<usize> = vec![0; org.users.len()];
    let repeated_id = first_repeat(devices.iter().map(|d| d.id.as_str()));
    for (i, device) in devices.iter().enumerate() {
        let at = |field: &str| format!("devices[{i}].{field}");
        if repeated_id == Some(i) {
            return Err(bad(at("id"), format!("`{}` appears twice", device.id)));
        }
        let Some(place) = org.users.place_of(device.user_id.as_str()) else {
            return Err(bad(at("user_id"), format!("no user `{}`", device.user_id)));
        };
        per_user[place] += 1;
        if per_user[place] > limits::DEVICES_PER_USER {
            return Err(bad(at("user_id"), "too many devices for one user"));
        }
        if device.last_seen_at < device.first_seen_at {
            return Err(bad(at("last_seen_at"), "before `first_seen_at`"));
        }
    }
    drop(per_user);
    org.devices = devices.into_iter().map(|d| (d.id.clone(), d)).collect();
    Ok(())
}
