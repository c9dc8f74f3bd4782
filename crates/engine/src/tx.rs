//! A change in progress: remembers each record before its first change, so a refused command
//! can be undone exactly and a successful one can report what it changed as events.

use serde::Serialize;
use serde_json::Value;

use crate::command::{Actor, Event, TargetKind};
use crate::error::CommandError;
use crate::map::SortedMap;
use crate::model::{CustomRole, Device, Group, Invitation, Org, OrgSettings, User};
use crate::set::KeySet;
use crate::text::{DeviceId, GroupKey, InvitationId, Name, RoleKey, UserId};
use crate::time::Timestamp;

/// The org's own fields, which commands like `update_org` change.
#[derive(Clone)]
struct OrgFields {
    name: Name,
    seats_purchased: u32,
    settings: OrgSettings,
}

enum Undo {
    User(UserId, Option<User>),
    Invitation(InvitationId, Option<Invitation>),
    Role(RoleKey, Option<CustomRole>),
    Group(GroupKey, Option<Group>),
    Device(DeviceId, Option<Device>),
    Org(OrgFields),
}

/// An org being changed by one command.
pub(crate) struct Tx<'o> {
    pub(crate) org: &'o mut Org,
    undo: Vec<Undo>,
    touched: KeySet<(TargetKind, String)>,
}

impl<'o> Tx<'o> {
    pub(crate) fn new(org: &'o mut Org) -> Tx<'o> {
        Tx {
            org,
            undo: Vec::new(),
            touched: KeySet::new(),
        }
    }

    fn first_touch(&mut self, kind: TargetKind, id: &str) -> bool {
        self.touched.insert((kind, id.to_owned()))
    }

    /// Whether any record of this kind was touched.
    pub(crate) fn touched_any(&self, kind: TargetKind) -> bool {
        self.touched.iter().any(|(k, _)| *k == kind)
    }

    /// The users touched so far.
    pub(crate) fn touched_users(&self) -> impl Iterator<Item = &str> {
        self.touched
            .iter()
            .filter(|(k, _)| *k == TargetKind::User)
            .map(|(_, id)| id.as_str())
    }

    pub(crate) fn user_mut(&mut self, id: &str) -> Result<&mut User, CommandError> {
        let key = self.org.users.get_key_value(id).map(|(k, _)| k.clone());
        let key = key.ok_or_else(|| CommandError::not_found("user", id))?;
        if self.first_touch(TargetKind::User, id) {
            self.undo
                .push(Undo::User(key.clone(), self.org.users.get(id).cloned()));
        }
        self.org
            .users
            .get_mut(id)
            .ok_or_else(|| CommandError::not_found("user", id))
    }

    pub(crate) fn insert_user(&mut self, user: User) {
        if self.first_touch(TargetKind::User, user.id.as_str()) {
            self.undo.push(Undo::User(
                user.id.clone(),
                self.org.users.get(&user.id).cloned(),
            ));
        }
        self.org.users.insert(user.id.clone(), user);
    }

    pub(crate) fn remove_user(&mut self, id: &UserId) {
        if self.first_touch(TargetKind::User, id.as_str()) {
            self.undo
                .push(Undo::User(id.clone(), self.org.users.get(id).cloned()));
        }
        self.org.users.remove(id);
    }

    pub(crate) fn invitation_mut(&mut self, id: &str) -> Result<&mut Invitation, CommandError> {
        let key = self
            .org
            .invitations
            .get_key_value(id)
            .map(|(k, _)| k.clone());
        let key = key.ok_or_else(|| CommandError::not_found("invitation", id))?;
        if self.first_touch(TargetKind::Invitation, id) {
            self.undo
                .push(Undo::Invitation(key, self.org.invitations.get(id).cloned()));
        }
        self.org
            .invitations
            .get_mut(id)
            .ok_or_else(|| CommandError::not_found("invitation", id))
    }

    pub(crate) fn insert_invitation(&mut self, invitation: Invitation) {
        if self.first_touch(TargetKind::Invitation, invitation.id.as_str()) {
            let old = self.org.invitations.get(&invitation.id).cloned();
            self.undo.push(Undo::Invitation(invitation.id.clone(), old));
        }
        self.org
            .invitations
            .insert(invitation.id.clone(), invitation);
    }

    pub(crate) fn role_mut(&mut self, key: &str) -> Result<&mut CustomRole, CommandError> {
        let k = self.org.roles.get_key_value(key).map(|(k, _)| k.clone());
        let k = k.ok_or_else(|| CommandError::not_found("role", key))?;
        if self.first_touch(TargetKind::Role, key) {
            self.undo
                .push(Undo::Role(k, self.org.roles.get(key).cloned()));
        }
        self.org
            .roles
            .get_mut(key)
            .ok_or_else(|| CommandError::not_found("role", key))
    }

    pub(crate) fn insert_role(&mut self, role: CustomRole) {
        if self.first_touch(TargetKind::Role, role.key.as_str()) {
            self.undo.push(Undo::Role(
                role.key.clone(),
                self.org.roles.get(&role.key).cloned(),
            ));
        }
        self.org.roles.insert(role.key.clone(), role);
    }

    pub(crate) fn remove_role(&mut self, key: &RoleKey) {
        if self.first_touch(TargetKind::Role, key.as_str()) {
            self.undo
                .push(Undo::Role(key.clone(), self.org.roles.get(key).cloned()));
        }
        self.org.roles.remove(key);
    }

    pub(crate) fn group_mut(&mut self, key: &str) -> Result<&mut Group, CommandError> {
        let k = self.org.groups.get_key_value(key).map(|(k, _)| k.clone());
        let k = k.ok_or_else(|| CommandError::not_found("group", key))?;
        if self.first_touch(TargetKind::Group, key) {
            self.undo
                .push(Undo::Group(k, self.org.groups.get(key).cloned()));
        }
        self.org
            .groups
            .get_mut(key)
            .ok_or_else(|| CommandError::not_found("group", key))
    }

    pub(crate) fn insert_group(&mut self, group: Group) {
        if self.first_touch(TargetKind::Group, group.key.as_str()) {
            let old = self.org.groups.get(&group.key).cloned();
            self.undo.push(Undo::Group(group.key.clone(), old));
        }
        self.org.groups.insert(group.key.clone(), group);
    }

    pub(crate) fn remove_group(&mut self, key: &GroupKey) {
        if self.first_touch(TargetKind::Group, key.as_str()) {
            self.undo
                .push(Undo::Group(key.clone(), self.org.groups.get(key).cloned()));
        }
        self.org.groups.remove(key);
    }

    pub(crate) fn device_mut(&mut self, id: &str) -> Result<&mut Device, CommandError> {
        let k = self.org.devices.get_key_value(id).map(|(k, _)| k.clone());
        let k = k.ok_or_else(|| CommandError::not_found("device", id))?;
        if self.first_touch(TargetKind::Device, id) {
            self.undo
                .push(Undo::Device(k, self.org.devices.get(id).cloned()));
        }
        self.org
            .devices
            .get_mut(id)
            .ok_or_else(|| CommandError::not_found("device", id))
    }

    pub(crate) fn insert_device(&mut self, device: Device) {
        if self.first_touch(TargetKind::Device, device.id.as_str()) {
            self.undo.push(Undo::Device(
                device.id.clone(),
                self.org.devices.get(&device.id).cloned(),
            ));
        }
        self.org.devices.insert(device.id.clone(), device);
    }

    /// The org's own fields, for a change of name, settings or seats purchased.
    pub(crate) fn org_fields_mut(&mut self) -> &mut Org {
        let id = self.org.id.as_str().to_owned();
        if self.first_touch(TargetKind::Org, &id) {
            self.undo.push(Undo::Org(OrgFields {
                name: self.org.name.clone(),
                seats_purchased: self.org.seats_purchased,
                settings: self.org.settings.clone(),
            }));
        }
        self.org
    }

    /// Puts every touched record back as it was, newest change first.
    pub(crate) fn rollback(self) {
        let org = self.org;
        for undo in self.undo.into_iter().rev() {
            match undo {
                Undo::User(id, old) => {
                    restore(&mut org.users, id, old);
                }
                Undo::Invitation(id, old) => restore(&mut org.invitations, id, old),
                Undo::Role(key, old) => restore(&mut org.roles, key, old),
                Undo::Group(key, old) => restore(&mut org.groups, key, old),
                Undo::Device(id, old) => restore(&mut org.devices, id, old),
                Undo::Org(fields) => {
                    org.name = fields.name;
                    org.seats_purchased = fields.seats_purchased;
                    org.settings = fields.settings;
                }
            }
        }
    }

    /// Keeps the changes and describes each touched record that actually changed.
    pub(crate) fn commit(self, command: &str, actor: &Actor, at: Timestamp) -> Vec<Event> {
        let org = &*self.org;
        let mut events = Vec::new();
        for undo in self.undo {
            let (target_kind, target_id, before, after) = match undo {
                Undo::User(id, old) => {
                    let after = snapshot(org.users.get(&id));
                    (
                        TargetKind::User,
                        id.to_string(),
                        snapshot(old.as_ref()),
                        after,
                    )
                }
                Undo::Invitation(id, old) => {
                    let after = invitation_snapshot(org.invitations.get(&id));
                    (
                        TargetKind::Invitation,
                        id.to_string(),
                        invitation_snapshot(old.as_ref()),
                        after,
                    )
                }
                Undo::Role(key, old) => {
                    let after = snapshot(org.roles.get(&key));
                    (
                        TargetKind::Role,
                        key.to_string(),
                        snapshot(old.as_ref()),
                        after,
                    )
                }
                Undo::Group(key, old) => {
                    let after = snapshot(org.groups.get(&key));
                    (
                        TargetKind::Group,
                        key.to_string(),
                        snapshot(old.as_ref()),
                        after,
                    )
                }
                Undo::Device(id, old) => {
                    let after = snapshot(org.devices.get(&id));
                    (
                        TargetKind::Device,
                        id.to_string(),
                        snapshot(old.as_ref()),
                        after,
                    )
                }
                Undo::Org(fields) => {
                    let now = OrgFields {
                        name: org.name.clone(),
                        seats_purchased: org.seats_purchased,
                        settings: org.settings.clone(),
                    };
                    (
                        TargetKind::Org,
                        org.id.to_string(),
                        org_snapshot(&fields),
                        org_snapshot(&now),
                    )
                }
            };
            if before != after {
                events.push(Event {
                    command: command.to_owned(),
                    actor: actor.clone(),
                    at,
                    target_kind,
                    target_id,
                    before,
                    after,
                });
            }
        }
        events
    }
}

fn restore<K: Ord, V>(map: &mut SortedMap<K, V>, key: K, old: Option<V>) {
    match old {
        Some(value) => {
            map.insert(key, value);
        }
        None => {
            map.remove(&key);
        }
    }
}

fn snapshot<T: Serialize>(record: Option<&T>) -> Option<Value> {
    record.and_then(|r| serde_json::to_value(r).ok())
}

/// An invitation without its token hash: audit logs keep no secret material.
fn invitation_snapshot(record: Option<&Invitation>) -> Option<Value> {
    let mut value = snapshot(record)?;
    if let Value::Object(map) = &mut value {
        map.remove("token_hash");
    }
    Some(value)
}

fn org_snapshot(fields: &OrgFields) -> Option<Value> {
    Some(serde_json::json!({
        "name": fields.name,
        "seats_purchased": fields.seats_purchased,
        "settings": fields.settings,
    }))
}
