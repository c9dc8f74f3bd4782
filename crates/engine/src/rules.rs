//! The rules of every command: who may run it, what it may change, and how.
//!
//! Each handler checks before it changes where it can; the org's invariants (seats, the last
//! owner, group structure) are re-checked over the whole org afterwards in [`verify`], so no
//! path through a command can leave them broken. A refused command is rolled back by the
//! transaction, so handlers may stop at any `?`.

use crate::catalog::BuiltinRole;
use crate::command::{
    Actor, Command, CommandResult, Context, InviteSpec, IssuedToken, Note, Outcome, TargetKind,
};
use crate::error::CommandError;
use crate::limits;
use crate::model::{CustomRole, Device, Group, Invitation, InvitationState, Org, Status, User};
use crate::set::KeySet;
use crate::text::{GroupKey, PermissionKey, RoleKey, UserId};
use crate::token::{new_id, new_token, TokenHash};
use crate::tx::Tx;

impl Org {
    /// Applies a command made by `ctx.actor` at `ctx.now`: all of it, or, when refused,
    /// nothing at all.
    pub fn execute(&mut self, ctx: &mut Context<'_>, command: &Command) -> CommandResult {
        let mut outcome = Outcome::default();
        let (tx, actor) = attempt(self, ctx, command, &mut outcome)?;
        outcome.events = tx.commit(command.name(), &actor, ctx.now);
        Ok(outcome)
    }

    /// Applies a command under the same rules as [`Org::execute`], without describing what
    /// changed: for a copy of the org that is only drawn, as the element does before the
    /// server answers. (Describing a change writes each record as JSON, which the element
    /// would otherwise carry a JSON writer for.)
    pub fn execute_unrecorded(
        &mut self,
        ctx: &mut Context<'_>,
        command: &Command,
    ) -> Result<(), CommandError> {
        let mut outcome = Outcome::default();
        attempt(self, ctx, command, &mut outcome).map(drop)
    }
}

/// Runs a command to its end: the change in progress and who made it, or the refusal with
/// the org put back.
fn attempt<'o>(
    org: &'o mut Org,
    ctx: &mut Context<'_>,
    command: &Command,
    outcome: &mut Outcome,
) -> Result<(Tx<'o>, Actor), CommandError> {
    let mut tx = Tx::new(org);
    let result = apply(&mut tx, ctx, command, outcome).and_then(|actor| {
        verify(&tx)?;
        Ok(actor)
    });
    match result {
        Ok(actor) => Ok((tx, actor.unwrap_or_else(|| ctx.actor.clone()))),
        Err(e) => {
            tx.rollback();
            Err(e)
        }
    }
}

/// What an actor holds: everything (the system) or the permissions their roles carry.
struct Authority {
    actor: Option<UserId>,
    held: Option<KeySet<String>>,
}

impl Authority {
    fn is(&self, user: &str) -> bool {
        self.actor.as_ref().is_some_and(|a| a.as_str() == user)
    }

    /// Refuses unless the actor holds every one of `permissions`.
    fn require_all<'a>(
        &self,
        permissions: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), CommandError> {
        let Some(held) = &self.held else {
            return Ok(());
        };
        let missing: KeySet<String> = permissions
            .into_iter()
            .filter(|p| !held.contains(*p))
            .map(str::to_owned)
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(CommandError::Escalation {
                missing: missing.into_iter().collect(),
            })
        }
    }

    /// Refuses unless the actor holds every permission `user` holds: nobody acts on a user
    /// more powerful than themselves.
    fn require_over(&self, org: &Org, user: &User) -> Result<(), CommandError> {
        self.require_all(org.granted_permissions(user))
    }
}

/// The authority to change or delete custom role `key`: `roles:manage`, a role that is not
/// built in, and every permission the role carries now.
fn authorize_custom_role_change(
    org: &Org,
    actor: &Actor,
    key: &RoleKey,
) -> Result<Authority, CommandError> {
    let auth = authorize(org, actor, Some("roles:manage"))?;
    if BuiltinRole::from_key(key.as_str()).is_some() {
        return Err(CommandError::BuiltinRole {
            role: key.to_string(),
        });
    }
    let old = org
        .roles
        .get(key)
        .ok_or_else(|| CommandError::not_found("role", key.as_str()))?;
    auth.require_all(old.permissions.iter().map(|p| p.as_str()))?;
    Ok(auth)
}

/// Resolves the actor. `permission` is what the command needs; `None` for commands a user may
/// only run on their own records (checked by the caller).
fn authorize(
    org: &Org,
    actor: &Actor,
    permission: Option<&'static str>,
) -> Result<Authority, CommandError> {
    let Actor::User(id) = actor else {
        return Ok(Authority {
            actor: None,
            held: None,
        });
    };
    let user = org
        .users
        .get(id)
        .ok_or_else(|| CommandError::UnknownActor {
            actor: id.to_string(),
        })?;
    if user.status != Status::Active {
        return Err(CommandError::ActorNotActive {
            actor: id.to_string(),
            status: user.status,
        });
    }
    let held: KeySet<String> = org
        .granted_permissions(user)
        .into_iter()
        .map(str::to_owned)
        .collect();
    if let Some(permission) = permission {
        if !held.contains(permission) {
            return Err(CommandError::Forbidden {
                actor: id.to_string(),
                permission,
            });
        }
    }
    Ok(Authority {
        actor: Some(id.clone()),
        held: Some(held),
    })
}

/// Like [`authorize`], but a user acting on their own record needs no permission.
fn authorize_self_or(
    org: &Org,
    actor: &Actor,
    user: &str,
    permission: Option<&'static str>,
) -> Result<Authority, CommandError> {
    let own = actor.user_id().is_some_and(|a| a.as_str() == user);
    if own {
        authorize(org, actor, None)
    } else {
        match permission {
            Some(p) => authorize(org, actor, Some(p)),
            None if actor.user_id().is_none() => authorize(org, actor, None),
            None => Err(CommandError::NotYours {
                kind: "user",
                id: user.to_owned(),
            }),
        }
    }
}

impl Org {
    /// Every permission the group's members get from it (its ancestors' roles included).
    pub fn group_permissions(&self, key: &str) -> KeySet<&str> {
        let Some((key, _)) = self.groups.get_key_value(key) else {
            return KeySet::new();
        };
        let mut out = KeySet::new();
        for (group, _) in self.group_closure([key]) {
            if let Some(record) = self.groups.get(group) {
                for role in &record.roles {
                    out.extend(self.role_permissions(role.as_str()).unwrap_or_default());
                }
            }
        }
        out
    }

    fn roles_permissions<'a>(
        &'a self,
        roles: impl IntoIterator<Item = &'a RoleKey>,
    ) -> KeySet<&'a str> {
        roles
            .into_iter()
            .filter_map(|r| self.role_permissions(r.as_str()))
            .flatten()
            .collect()
    }
}

fn check_roles_exist(org: &Org, roles: &KeySet<RoleKey>, field: &str) -> Result<(), CommandError> {
    if roles.len() > limits::ROLES_PER_HOLDER {
        return Err(CommandError::TooMany {
            what: "roles",
            max: limits::ROLES_PER_HOLDER,
        });
    }
    match roles.iter().find(|r| !org.role_exists(r.as_str())) {
        Some(role) => Err(CommandError::InvalidField {
            field: field.to_owned(),
            reason: format!("no role `{role}`"),
        }),
        None => Ok(()),
    }
}

fn check_groups_exist(
    org: &Org,
    groups: &KeySet<GroupKey>,
    field: &str,
    max: usize,
) -> Result<(), CommandError> {
    if groups.len() > max {
        return Err(CommandError::TooMany {
            what: "groups",
            max,
        });
    }
    match groups.iter().find(|g| !org.groups.contains_key(*g)) {
        Some(group) => Err(CommandError::InvalidField {
            field: field.to_owned(),
            reason: format!("no group `{group}`"),
        }),
        None => Ok(()),
    }
}

fn check_permissions_exist(
    org: &Org,
    permissions: &KeySet<PermissionKey>,
) -> Result<(), CommandError> {
    if permissions.len() > limits::PERMISSIONS_PER_ROLE {
        return Err(CommandError::TooMany {
            what: "permissions in a role",
            max: limits::PERMISSIONS_PER_ROLE,
        });
    }
    match permissions
        .iter()
        .find(|p| !org.permission_exists(p.as_str()))
    {
        Some(p) => Err(CommandError::InvalidField {
            field: "permissions".into(),
            reason: format!("no permission `{p}` in the catalog"),
        }),
        None => Ok(()),
    }
}

fn invitation_days(days: u32) -> Result<u32, CommandError> {
    if limits::INVITATION_DAYS.contains(&days) {
        Ok(days)
    } else {
        Err(CommandError::InvalidField {
            field: "expires_in_days".into(),
            reason: format!("`{days}` is not between 1 and 30"),
        })
    }
}

fn transition(user: &User, allowed: &[Status], action: &'static str) -> Result<(), CommandError> {
    if allowed.contains(&user.status) {
        Ok(())
    } else {
        Err(CommandError::InvalidTransition {
            user_id: user.id.to_string(),
            from: user.status,
            action,
        })
    }
}

fn find_user<'a>(org: &'a Org, id: &str) -> Result<&'a User, CommandError> {
    org.users
        .get(id)
        .ok_or_else(|| CommandError::not_found("user", id))
}

/// Runs one command inside `tx`. Returns the actor to record when it differs from the
/// context's (accepting an invitation is done by the new member).
fn apply(
    tx: &mut Tx<'_>,
    ctx: &mut Context<'_>,
    command: &Command,
    out: &mut Outcome,
) -> Result<Option<Actor>, CommandError> {
    let now = ctx.now;
    match command {
        Command::Invite {
            invitations,
            expires_in_days,
        } => {
            invite(tx, ctx, invitations, *expires_in_days, out)?;
        }
        Command::ResendInvitation { invitation_id } => {
            let auth = authorize(tx.org, &ctx.actor, Some("invitations:create"))?;
            let invitation = tx
                .org
                .invitations
                .get(invitation_id)
                .ok_or_else(|| CommandError::not_found("invitation", invitation_id.as_str()))?;
            if invitation.state != InvitationState::Pending {
                return Err(CommandError::InvitationNotPending {
                    invitation_id: invitation_id.to_string(),
                    state: invitation.state,
                });
            }
            let mut needed = tx.org.roles_permissions(&invitation.roles);
            for group in &invitation.groups {
                needed.extend(tx.org.group_permissions(group.as_str()));
            }
            auth.require_all(needed)?;
            let days = tx.org.settings.invitation_days;
            let (token, hash) = new_token(ctx.entropy)?;
            let invitation = tx.invitation_mut(invitation_id.as_str())?;
            invitation.token_hash = hash;
            invitation.expires_at = now.plus_days(days);
            invitation.sends = invitation.sends.saturating_add(1);
            out.tokens.push(IssuedToken {
                invitation_id: invitation.id.clone(),
                email: invitation.email.clone(),
                token,
                expires_at: invitation.expires_at,
            });
        }
        Command::RevokeInvitation { invitation_id } => {
            authorize(tx.org, &ctx.actor, Some("invitations:revoke"))?;
            revoke_invitation(tx, invitation_id.as_str())?;
        }
        Command::AcceptInvitation { token, name } => {
            return accept(tx, ctx, token, name.clone(), out).map(Some);
        }
        Command::SuspendUser { user_id } => {
            let auth = authorize(tx.org, &ctx.actor, Some("users:suspend"))?;
            if auth.is(user_id.as_str()) {
                return Err(CommandError::SelfAction { action: "suspend" });
            }
            let user = find_user(tx.org, user_id.as_str())?;
            transition(user, &[Status::Active], "suspend")?;
            auth.require_over(tx.org, user)?;
            let user = tx.user_mut(user_id.as_str())?;
            user.status = Status::Suspended;
            user.seat = false;
        }
        Command::ReactivateUser { user_id } => {
            let auth = authorize(tx.org, &ctx.actor, Some("users:suspend"))?;
            let user = find_user(tx.org, user_id.as_str())?;
            transition(user, &[Status::Suspended], "reactivate")?;
            auth.require_over(tx.org, user)?;
            tx.user_mut(user_id.as_str())?.status = Status::Active;
        }
        Command::DeactivateUser { user_id } => {
            let auth = authorize_self_or(
                tx.org,
                &ctx.actor,
                user_id.as_str(),
                Some("users:deactivate"),
            )?;
            let user = find_user(tx.org, user_id.as_str())?;
            transition(
                user,
                &[Status::Invited, Status::Active, Status::Suspended],
                "deactivate",
            )?;
            auth.require_over(tx.org, user)?;
            deactivate(tx, user_id, now)?;
        }
        Command::UpdateUser {
            user_id,
            name,
            settings,
        } => {
            authorize_self_or(tx.org, &ctx.actor, user_id.as_str(), Some("users:update"))?;
            let user = tx.user_mut(user_id.as_str())?;
            if let Some(name) = name {
                user.name = Some(name.clone());
            }
            if let Some(settings) = settings {
                user.settings = settings.clone();
            }
        }
        Command::RecordActivity { user_id } => {
            authorize_self_or(tx.org, &ctx.actor, user_id.as_str(), None)?;
            let user = find_user(tx.org, user_id.as_str())?;
            transition(user, &[Status::Active], "record activity for")?;
            tx.user_mut(user_id.as_str())?.last_active_at = Some(now);
        }
        Command::AssignRole { user_id, role } | Command::UnassignRole { user_id, role } => {
            let assign = matches!(command, Command::AssignRole { .. });
            let auth = authorize(tx.org, &ctx.actor, Some("roles:assign"))?;
            let permissions = tx
                .org
                .role_permissions(role.as_str())
                .ok_or_else(|| CommandError::not_found("role", role.as_str()))?;
            auth.require_all(permissions)?;
            let user = find_user(tx.org, user_id.as_str())?;
            let action = if assign {
                "assign a role to"
            } else {
                "unassign a role from"
            };
            transition(
                user,
                &[Status::Invited, Status::Active, Status::Suspended],
                action,
            )?;
            if assign && !user.roles.contains(role) && user.roles.len() >= limits::ROLES_PER_HOLDER
            {
                return Err(CommandError::TooMany {
                    what: "roles per user",
                    max: limits::ROLES_PER_HOLDER,
                });
            }
            let changes = user.roles.contains(role) != assign;
            if changes {
                let user = tx.user_mut(user_id.as_str())?;
                if assign {
                    user.roles.insert(role.clone());
                } else {
                    user.roles.remove(role);
                }
            }
        }
        Command::CreateRole {
            key,
            name,
            description,
            permissions,
        } => {
            let auth = authorize(tx.org, &ctx.actor, Some("roles:manage"))?;
            if BuiltinRole::from_key(key.as_str()).is_some() {
                return Err(CommandError::BuiltinRole {
                    role: key.to_string(),
                });
            }
            if tx.org.roles.contains_key(key) {
                return Err(CommandError::AlreadyExists {
                    kind: "role",
                    id: key.to_string(),
                });
            }
            if tx.org.roles.len() >= limits::CUSTOM_ROLES_PER_ORG {
                return Err(CommandError::TooMany {
                    what: "custom roles",
                    max: limits::CUSTOM_ROLES_PER_ORG,
                });
            }
            check_permissions_exist(tx.org, permissions)?;
            auth.require_all(permissions.iter().map(|p| p.as_str()))?;
            tx.insert_role(CustomRole {
                key: key.clone(),
                name: name.clone(),
                description: description.clone(),
                permissions: permissions.clone(),
            });
        }
        Command::UpdateRole {
            key,
            name,
            description,
            permissions,
        } => {
            let auth = authorize_custom_role_change(tx.org, &ctx.actor, key)?;
            if let Some(permissions) = permissions {
                check_permissions_exist(tx.org, permissions)?;
                auth.require_all(permissions.iter().map(|p| p.as_str()))?;
            }
            let role = tx.role_mut(key.as_str())?;
            if let Some(name) = name {
                role.name = name.clone();
            }
            if let Some(description) = description {
                role.description = Some(description.clone());
            }
            if let Some(permissions) = permissions {
                role.permissions = permissions.clone();
            }
        }
        Command::DeleteRole { key } => {
            authorize_custom_role_change(tx.org, &ctx.actor, key)?;
            delete_role(tx, key)?;
        }
        Command::CreateGroup {
            key,
            name,
            description,
            roles,
            parents,
        } => {
            let auth = authorize(tx.org, &ctx.actor, Some("groups:manage"))?;
            if tx.org.groups.contains_key(key) {
                return Err(CommandError::AlreadyExists {
                    kind: "group",
                    id: key.to_string(),
                });
            }
            if tx.org.groups.len() >= limits::GROUPS_PER_ORG {
                return Err(CommandError::TooMany {
                    what: "groups",
                    max: limits::GROUPS_PER_ORG,
                });
            }
            check_roles_exist(tx.org, roles, "roles")?;
            check_groups_exist(tx.org, parents, "parents", limits::PARENTS_PER_GROUP)?;
            tx.insert_group(Group {
                key: key.clone(),
                name: name.clone(),
                description: description.clone(),
                roles: roles.clone(),
                parents: parents.clone(),
            });
            check_group_structure(tx.org)?;
            auth.require_all(tx.org.group_permissions(key.as_str()))?;
        }
        Command::UpdateGroup {
            key,
            name,
            description,
            roles,
            parents,
        } => {
            let auth = authorize(tx.org, &ctx.actor, Some("groups:manage"))?;
            if !tx.org.groups.contains_key(key) {
                return Err(CommandError::not_found("group", key.as_str()));
            }
            auth.require_all(tx.org.group_permissions(key.as_str()))?;
            if let Some(roles) = roles {
                check_roles_exist(tx.org, roles, "roles")?;
            }
            if let Some(parents) = parents {
                check_groups_exist(tx.org, parents, "parents", limits::PARENTS_PER_GROUP)?;
            }
            let group = tx.group_mut(key.as_str())?;
            if let Some(name) = name {
                group.name = name.clone();
            }
            if let Some(description) = description {
                group.description = Some(description.clone());
            }
            if let Some(roles) = roles {
                group.roles = roles.clone();
            }
            if let Some(parents) = parents {
                group.parents = parents.clone();
            }
            check_group_structure(tx.org)?;
            auth.require_all(tx.org.group_permissions(key.as_str()))?;
        }
        Command::DeleteGroup { key } => {
            let auth = authorize(tx.org, &ctx.actor, Some("groups:manage"))?;
            if !tx.org.groups.contains_key(key) {
                return Err(CommandError::not_found("group", key.as_str()));
            }
            auth.require_all(tx.org.group_permissions(key.as_str()))?;
            delete_group(tx, key)?;
        }
        Command::AddGroupMember { group, user_id }
        | Command::RemoveGroupMember { group, user_id } => {
            let add = matches!(command, Command::AddGroupMember { .. });
            let auth = authorize(tx.org, &ctx.actor, Some("groups:manage"))?;
            if !tx.org.groups.contains_key(group) {
                return Err(CommandError::not_found("group", group.as_str()));
            }
            auth.require_all(tx.org.group_permissions(group.as_str()))?;
            let user = find_user(tx.org, user_id.as_str())?;
            let action = if add {
                "add to a group"
            } else {
                "remove from a group"
            };
            transition(
                user,
                &[Status::Invited, Status::Active, Status::Suspended],
                action,
            )?;
            if add && !user.groups.contains(group) && user.groups.len() >= limits::GROUPS_PER_USER {
                return Err(CommandError::TooMany {
                    what: "groups per user",
                    max: limits::GROUPS_PER_USER,
                });
            }
            if user.groups.contains(group) != add {
                let user = tx.user_mut(user_id.as_str())?;
                if add {
                    user.groups.insert(group.clone());
                } else {
                    user.groups.remove(group);
                }
            }
        }
        Command::RegisterDevice {
            user_id,
            name,
            platform,
            os,
        } => {
            authorize_self_or(tx.org, &ctx.actor, user_id.as_str(), None)?;
            let user = find_user(tx.org, user_id.as_str())?;
            transition(user, &[Status::Active], "register a device for")?;
            if tx.org.devices_of(user_id.as_str()).count() >= limits::DEVICES_PER_USER {
                return Err(CommandError::TooMany {
                    what: "devices per user",
                    max: limits::DEVICES_PER_USER,
                });
            }
            let id = fresh_id(ctx, "dev", |id| tx.org.devices.contains_key(id))?;
            tx.insert_device(Device {
                id: crate::text::DeviceId::trusted(&id),
                user_id: user_id.clone(),
                name: name.clone(),
                platform: platform.clone(),
                os: os.clone(),
                first_seen_at: now,
                last_seen_at: now,
                revoked_at: None,
            });
            tx.user_mut(user_id.as_str())?.last_active_at = Some(now);
        }
        Command::RecordDeviceSeen { device_id } => {
            let device = tx
                .org
                .devices
                .get(device_id)
                .ok_or_else(|| CommandError::not_found("device", device_id.as_str()))?;
            let owner = device.user_id.clone();
            authorize_self_or(tx.org, &ctx.actor, owner.as_str(), None).map_err(|e| match e {
                CommandError::NotYours { .. } => CommandError::NotYours {
                    kind: "device",
                    id: device_id.to_string(),
                },
                e => e,
            })?;
            if device.revoked_at.is_some() {
                return Err(CommandError::DeviceRevoked {
                    device_id: device_id.to_string(),
                });
            }
            tx.device_mut(device_id.as_str())?.last_seen_at = now;
            let user = tx.user_mut(owner.as_str())?;
            if user.status == Status::Active {
                user.last_active_at = Some(now);
            }
        }
        Command::RevokeDevice { device_id } => {
            let device = tx
                .org
                .devices
                .get(device_id)
                .ok_or_else(|| CommandError::not_found("device", device_id.as_str()))?;
            authorize_self_or(
                tx.org,
                &ctx.actor,
                device.user_id.as_str(),
                Some("devices:revoke"),
            )?;
            if device.revoked_at.is_some() {
                return Err(CommandError::DeviceRevoked {
                    device_id: device_id.to_string(),
                });
            }
            tx.device_mut(device_id.as_str())?.revoked_at = Some(now);
        }
        Command::AssignSeat { user_id } => {
            authorize(tx.org, &ctx.actor, Some("seats:assign"))?;
            let user = find_user(tx.org, user_id.as_str())?;
            transition(user, &[Status::Active], "assign a seat to")?;
            if !user.seat {
                let (purchased, held) = (tx.org.seats_purchased, tx.org.seats_held());
                if held >= purchased {
                    return Err(CommandError::SeatsExhausted { purchased, held });
                }
                tx.user_mut(user_id.as_str())?.seat = true;
            }
        }
        Command::UnassignSeat { user_id } => {
            authorize(tx.org, &ctx.actor, Some("seats:assign"))?;
            if find_user(tx.org, user_id.as_str())?.seat {
                tx.user_mut(user_id.as_str())?.seat = false;
            }
        }
        Command::SetSeatsPurchased { seats } => {
            authorize(tx.org, &ctx.actor, Some("billing:manage"))?;
            if *seats > limits::SEATS_PURCHASED {
                return Err(CommandError::InvalidField {
                    field: "seats".into(),
                    reason: format!("`{seats}` is more than {}", limits::SEATS_PURCHASED),
                });
            }
            let held = tx.org.seats_held();
            if *seats < held {
                return Err(CommandError::SeatsBelowHeld {
                    requested: *seats,
                    held,
                });
            }
            tx.org_fields_mut().seats_purchased = *seats;
        }
        Command::UpdateOrg { name, settings } => {
            authorize(tx.org, &ctx.actor, Some("org:manage"))?;
            if let Some(settings) = settings {
                invitation_days(settings.invitation_days).map_err(|_| {
                    CommandError::InvalidField {
                        field: "settings.invitation_days".into(),
                        reason: format!("`{}` is not between 1 and 30", settings.invitation_days),
                    }
                })?;
            }
            let org = tx.org_fields_mut();
            if let Some(name) = name {
                org.name = name.clone();
            }
            if let Some(settings) = settings {
                org.settings = settings.clone();
            }
        }
    }
    Ok(None)
}

/// A new random id with `prefix` that `taken` says is free.
fn fresh_id(
    ctx: &mut Context<'_>,
    prefix: &str,
    taken: impl Fn(&str) -> bool,
) -> Result<String, CommandError> {
    // 100 random bits make a clash all but impossible; a few tries cover a weak source.
    for _ in 0..4 {
        let id = new_id(prefix, ctx.entropy)?;
        if !taken(&id) {
            return Ok(id);
        }
    }
    Err(CommandError::Entropy(crate::token::EntropyError(
        "ids keep colliding".into(),
    )))
}

fn invite(
    tx: &mut Tx<'_>,
    ctx: &mut Context<'_>,
    specs: &[InviteSpec],
    expires_in_days: Option<u32>,
    out: &mut Outcome,
) -> Result<(), CommandError> {
    let auth = authorize(tx.org, &ctx.actor, Some("invitations:create"))?;
    if specs.is_empty() {
        return Err(CommandError::InvalidField {
            field: "invitations".into(),
            reason: "name at least one person to invite".into(),
        });
    }
    if specs.len() > limits::INVITATIONS_PER_BATCH {
        return Err(CommandError::TooMany {
            what: "invitations at once",
            max: limits::INVITATIONS_PER_BATCH,
        });
    }
    let days = invitation_days(expires_in_days.unwrap_or(tx.org.settings.invitation_days))?;
    if tx.org.users.len() + specs.len() > limits::USERS_PER_ORG {
        return Err(CommandError::TooMany {
            what: "users",
            max: limits::USERS_PER_ORG,
        });
    }
    if tx.org.invitations.len() + specs.len() > limits::INVITATIONS_PER_ORG {
        return Err(CommandError::TooMany {
            what: "invitations",
            max: limits::INVITATIONS_PER_ORG,
        });
    }

    // Check every invitation before creating any, so a batch is all or nothing.
    let holders = holders_of(tx.org, specs);
    let mut seen = KeySet::new();
    let mut needed: KeySet<&str> = KeySet::new();
    for (i, spec) in specs.iter().enumerate() {
        if !seen.insert(&spec.email) {
            return Err(CommandError::InvalidField {
                field: format!("invitations[{i}].email"),
                reason: format!("`{}` appears more than once", spec.email),
            });
        }
        check_roles_exist(tx.org, &spec.roles, &format!("invitations[{i}].roles"))?;
        check_groups_exist(
            tx.org,
            &spec.groups,
            &format!("invitations[{i}].groups"),
            limits::GROUPS_PER_USER,
        )?;
        if let Some((_, status)) = holders[i] {
            if status != Status::Deactivated {
                return Err(CommandError::EmailTaken {
                    email: spec.email.to_string(),
                    status,
                });
            }
        }
        needed.extend(tx.org.roles_permissions(&spec.roles));
        for group in &spec.groups {
            needed.extend(tx.org.group_permissions(group.as_str()));
        }
    }
    auth.require_all(needed)?;

    let now = ctx.now;
    for (spec, holder) in specs.iter().zip(holders) {
        let user_id = match holder.map(|(id, _)| id) {
            Some(id) => {
                // A deactivated member invited back keeps their id and history.
                let user = tx.user_mut(id.as_str())?;
                user.status = Status::Invited;
                user.roles.clear();
                user.groups.clear();
                user.seat = false;
                id
            }
            None => {
                let id =
                    UserId::trusted(&fresh_id(ctx, "usr", |id| tx.org.users.contains_key(id))?);
                tx.insert_user(User {
                    id: id.clone(),
                    email: spec.email.clone(),
                    name: None,
                    status: Status::Invited,
                    roles: KeySet::new(),
                    groups: KeySet::new(),
                    seat: false,
                    settings: Default::default(),
                    created_at: now,
                    joined_at: None,
                    last_active_at: None,
                });
                id
            }
        };
        let invitation_id = crate::text::InvitationId::trusted(&fresh_id(ctx, "inv", |id| {
            tx.org.invitations.contains_key(id)
        })?);
        let (token, token_hash) = new_token(ctx.entropy)?;
        let expires_at = now.plus_days(days);
        tx.insert_invitation(Invitation {
            id: invitation_id.clone(),
            user_id,
            email: spec.email.clone(),
            roles: spec.roles.clone(),
            groups: spec.groups.clone(),
            invited_by: ctx.actor.user_id().cloned(),
            created_at: now,
            expires_at,
            sends: 1,
            state: InvitationState::Pending,
            token_hash,
        });
        out.tokens.push(IssuedToken {
            invitation_id,
            email: spec.email.clone(),
            token,
            expires_at,
        });
    }
    Ok(())
}

/// For each invitation, the id and status of the user who holds its email already, if one
/// does: one pass over the org's users for the whole batch, where a look-up per person would
/// scan them all a hundred times.
fn holders_of(org: &Org, specs: &[InviteSpec]) -> Vec<Option<(UserId, Status)>> {
    let wanted: KeySet<&str> = specs.iter().map(|spec| spec.email.as_str()).collect();
    let mut holders = vec![None; specs.len()];
    for user in org.users.values() {
        if wanted.contains(user.email.as_str()) {
            // Every invitation with this email (a batch naming it twice is refused, later).
            for (holder, spec) in holders.iter_mut().zip(specs) {
                if spec.email == user.email {
                    *holder = Some((user.id.clone(), user.status));
                }
            }
        }
    }
    holders
}

fn accept(
    tx: &mut Tx<'_>,
    ctx: &mut Context<'_>,
    token: &str,
    name: Option<crate::text::Name>,
    out: &mut Outcome,
) -> Result<Actor, CommandError> {
    let now = ctx.now;
    if token.is_empty() || token.len() > 256 {
        return Err(CommandError::InvalidToken);
    }
    let hash = TokenHash::of(token);
    let invitation = tx
        .org
        .invitations
        .values()
        .find(|i| i.token_hash == hash)
        .ok_or(CommandError::InvalidToken)?;
    let state = invitation.state_at(now);
    if state != InvitationState::Pending {
        return Err(CommandError::InvitationNotPending {
            invitation_id: invitation.id.to_string(),
            state,
        });
    }
    let (invitation_id, user_id) = (invitation.id.clone(), invitation.user_id.clone());
    let (roles, groups) = (invitation.roles.clone(), invitation.groups.clone());
    transition(
        find_user(tx.org, user_id.as_str())?,
        &[Status::Invited],
        "accept an invitation for",
    )?;

    let seat_free = tx.org.seats_held() < tx.org.seats_purchased;
    let take_seat = tx.org.settings.seat_on_accept;
    let user = tx.user_mut(user_id.as_str())?;
    user.status = Status::Active;
    user.roles.extend(roles);
    user.groups.extend(groups);
    if let Some(name) = name {
        user.name = Some(name);
    }
    user.joined_at.get_or_insert(now);
    user.last_active_at = Some(now);
    if take_seat {
        if seat_free {
            user.seat = true;
        } else {
            out.notes.push(Note::NoSeatFree {
                user_id: user_id.clone(),
            });
        }
    }
    tx.invitation_mut(invitation_id.as_str())?.state = InvitationState::Accepted;
    Ok(Actor::User(user_id))
}

/// Revokes a pending (or expired) invitation. A user who never joined is removed; one who
/// was a member before goes back to deactivated.
fn revoke_invitation(tx: &mut Tx<'_>, invitation_id: &str) -> Result<(), CommandError> {
    let invitation = tx.invitation_mut(invitation_id)?;
    if invitation.state != InvitationState::Pending {
        return Err(CommandError::InvitationNotPending {
            invitation_id: invitation_id.to_owned(),
            state: invitation.state,
        });
    }
    invitation.state = InvitationState::Revoked;
    let user_id = invitation.user_id.clone();
    let user = find_user(tx.org, user_id.as_str())?;
    if user.status == Status::Invited {
        if user.joined_at.is_none() {
            tx.remove_user(&user_id);
        } else {
            tx.user_mut(user_id.as_str())?.status = Status::Deactivated;
        }
    }
    Ok(())
}

fn deactivate(
    tx: &mut Tx<'_>,
    user_id: &UserId,
    now: crate::time::Timestamp,
) -> Result<(), CommandError> {
    let pending: Vec<String> = tx
        .org
        .invitations
        .values()
        .filter(|i| i.user_id == *user_id && i.state == InvitationState::Pending)
        .map(|i| i.id.to_string())
        .collect();
    for id in pending {
        let invitation = tx.invitation_mut(&id)?;
        invitation.state = InvitationState::Revoked;
    }
    let devices: Vec<String> = tx
        .org
        .devices_of(user_id.as_str())
        .filter(|d| d.revoked_at.is_none())
        .map(|d| d.id.to_string())
        .collect();
    for id in devices {
        tx.device_mut(&id)?.revoked_at = Some(now);
    }
    let user = tx.user_mut(user_id.as_str())?;
    user.status = Status::Deactivated;
    user.seat = false;
    Ok(())
}

fn delete_role(tx: &mut Tx<'_>, key: &RoleKey) -> Result<(), CommandError> {
    let users: Vec<UserId> = tx
        .org
        .users
        .values()
        .filter(|u| u.roles.contains(key))
        .map(|u| u.id.clone())
        .collect();
    for id in users {
        tx.user_mut(id.as_str())?.roles.remove(key);
    }
    let groups: Vec<GroupKey> = tx
        .org
        .groups
        .values()
        .filter(|g| g.roles.contains(key))
        .map(|g| g.key.clone())
        .collect();
    for g in groups {
        tx.group_mut(g.as_str())?.roles.remove(key);
    }
    let invitations: Vec<String> = tx
        .org
        .invitations
        .values()
        .filter(|i| i.roles.contains(key))
        .map(|i| i.id.to_string())
        .collect();
    for id in invitations {
        tx.invitation_mut(&id)?.roles.remove(key);
    }
    tx.remove_role(key);
    Ok(())
}

fn delete_group(tx: &mut Tx<'_>, key: &GroupKey) -> Result<(), CommandError> {
    let users: Vec<UserId> = tx
        .org
        .users
        .values()
        .filter(|u| u.groups.contains(key))
        .map(|u| u.id.clone())
        .collect();
    for id in users {
        tx.user_mut(id.as_str())?.groups.remove(key);
    }
    let children: Vec<GroupKey> = tx
        .org
        .groups
        .values()
        .filter(|g| g.parents.contains(key))
        .map(|g| g.key.clone())
        .collect();
    for g in children {
        tx.group_mut(g.as_str())?.parents.remove(key);
    }
    let invitations: Vec<String> = tx
        .org
        .invitations
        .values()
        .filter(|i| i.groups.contains(key))
        .map(|i| i.id.to_string())
        .collect();
    for id in invitations {
        tx.invitation_mut(&id)?.groups.remove(key);
    }
    tx.remove_group(key);
    Ok(())
}

/// Refuses a cycle among group parents or a chain longer than [`limits::GROUP_DEPTH`].
pub(crate) fn check_group_structure(org: &Org) -> Result<(), CommandError> {
    use crate::map::SortedMap;
    // Depth of each group: 1 + the deepest parent. Computed by depth-first search with a
    // marker for groups on the current path, which is how a cycle shows itself.
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        OnPath,
        Done(usize),
    }
    fn depth<'a>(
        org: &'a Org,
        key: &'a GroupKey,
        marks: &mut SortedMap<&'a GroupKey, Mark>,
    ) -> Result<usize, CommandError> {
        match marks.get(key) {
            Some(Mark::Done(d)) => return Ok(*d),
            Some(Mark::OnPath) => {
                return Err(CommandError::GroupCycle {
                    group: key.to_string(),
                })
            }
            None => {}
        }
        marks.insert(key, Mark::OnPath);
        let mut deepest = 0;
        if let Some(group) = org.groups.get(key) {
            for parent in &group.parents {
                deepest = deepest.max(depth(org, parent, marks)?);
                if deepest >= limits::GROUP_DEPTH {
                    return Err(CommandError::GroupTooDeep {
                        group: key.to_string(),
                        max: limits::GROUP_DEPTH,
                    });
                }
            }
        }
        marks.insert(key, Mark::Done(deepest + 1));
        Ok(deepest + 1)
    }
    let mut marks = SortedMap::new();
    for key in org.groups.keys() {
        depth(org, key, &mut marks)?;
    }
    Ok(())
}

/// The org-wide invariants, re-checked after every command over whatever it touched.
fn verify(tx: &Tx<'_>) -> Result<(), CommandError> {
    let org = &*tx.org;
    let held = org.seats_held();
    if held > org.seats_purchased {
        return Err(CommandError::SeatsExhausted {
            purchased: org.seats_purchased,
            held,
        });
    }
    for id in tx.touched_users() {
        if let Some(user) = org.users.get(id) {
            if user.seat && user.status != Status::Active {
                return Err(CommandError::InvalidTransition {
                    user_id: id.to_owned(),
                    from: user.status,
                    action: "hold a seat as",
                });
            }
        }
    }
    if tx.touched_any(TargetKind::Group) {
        check_group_structure(org)?;
    }
    let owners_may_change = tx.touched_any(TargetKind::User)
        || tx.touched_any(TargetKind::Group)
        || tx.touched_any(TargetKind::Role);
    if owners_may_change && org.active_owners().next().is_none() {
        return Err(CommandError::LastOwner);
    }
    Ok(())
}
