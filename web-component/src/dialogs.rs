//! The element's dialogs: confirming a destructive action, inviting people, choosing a user's
//! roles, and a user's devices.
//!
//! Each is a native `<dialog>` opened with `showModal()`, so the browser keeps the focus inside
//! it and closes it on Escape; on closing, the focus goes back to the control that opened it.
//! Their buttons are served by the element's one click listener through `data-action`.

use roster_engine::text::{DeviceId, Email, GroupKey, RoleKey, UserId};
use roster_engine::{InviteSpec, KeySet};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlTextAreaElement;
use web_sys::{Document, Element, HtmlDialogElement, HtmlElement, HtmlInputElement};

use crate::actions::Action;
use crate::view::{
    append, attr, attr_fixed, button, display_name, document, el, role_keys, selector_of, text_el,
};
use crate::{Refusal, Shared};

/// What the open dialog is for.
#[derive(Clone)]
pub(crate) enum Kind {
    Confirm(Action),
    Invite,
    Roles(String),
    Devices,
}

/// The dialog open now.
pub(crate) struct Open {
    kind: Kind,
    dialog: HtmlDialogElement,
    /// Finds the control that opened the dialog, even after the table was drawn again.
    opener: Option<String>,
}

/// Runs an action in the background; its outcome shows as a toast.
pub(crate) fn run(shared: &Shared, action: Action) {
    let shared = shared.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let _ = shared.perform(action).await;
    });
}

/// Builds a dialog with a title and returns it with the box its content goes in.
fn frame(doc: &Document, id: &str, title: &str) -> (HtmlDialogElement, Element) {
    let dialog: HtmlDialogElement = el(doc, "dialog", None).unchecked_into();
    attr_fixed(&dialog, "part", "dialog");
    attr(&dialog, "aria-labelledby", &format!("{id}-title"));
    let heading = text_el(doc, "h3", None, title);
    heading.set_id(&format!("{id}-title"));
    append(&dialog, &heading);
    let content = el(doc, "div", Some("fields"));
    append(&dialog, &content);
    (dialog, content)
}

/// The row of buttons at the foot of a dialog.
fn buttons(doc: &Document, dialog: &Element, confirm: Option<(&str, bool)>, cancel: &str) {
    let row = el(doc, "div", Some("buttons"));
    append(&row, button(doc, None, cancel, "dialog-cancel").as_ref());
    if let Some((label, danger)) = confirm {
        let class = if danger {
            "primary danger-fill"
        } else {
            "primary"
        };
        let confirm = button(doc, Some(class), label, "dialog-confirm");
        attr_fixed(&confirm, "part", "dialog-confirm");
        append(&row, &confirm);
    }
    append(dialog, &row);
}

fn show(shared: &Shared, kind: Kind, dialog: HtmlDialogElement, opener: &Element) {
    // One dialog at a time: a new one replaces the old without returning the focus.
    if let Some(old) = shared.state.borrow_mut().dialog.take() {
        old.dialog.remove();
    }
    if shared.root.append_child(&dialog).is_err() {
        return;
    }
    let _ = dialog.show_modal();
    let opener = selector_of(opener);
    shared.state.borrow_mut().dialog = Some(Open {
        kind,
        dialog,
        opener,
    });
}

/// Asks before a destructive action.
pub(crate) fn open_confirm(shared: &Shared, action: Action, who: &str, opener: &Element) {
    let build = || -> Result<HtmlDialogElement, JsValue> {
        let doc = document(shared)?;
        let state = shared.state.borrow();
        let locale = &state.locale;
        let label = locale.action(action.name());
        let (dialog, content) = frame(&doc, "roster-confirm", label);
        attr_fixed(&dialog, "role", "alertdialog");
        let question = text_el(&doc, "p", None, &locale.confirm(action.name(), who));
        append(&content, &question);
        buttons(&doc, &dialog, Some((label, true)), locale.words.cancel);
        Ok(dialog)
    };
    if let Ok(dialog) = build() {
        show(shared, Kind::Confirm(action), dialog, opener);
    }
}

/// A checkbox with its label, in a fieldset.
fn checkbox(
    doc: &Document,
    fieldset: &Element,
    name: &str,
    value: &str,
    text: &str,
    checked: bool,
) -> HtmlInputElement {
    let label = el(doc, "label", None);
    let input: HtmlInputElement = el(doc, "input", None).unchecked_into();
    input.set_type("checkbox");
    input.set_name(name);
    input.set_value(value);
    input.set_checked(checked);
    append(&label, &input);
    append(&label, &doc.create_text_node(text));
    append(fieldset, &label);
    input
}

fn fieldset(doc: &Document, legend: &str, field: &str) -> Element {
    let fieldset = el(doc, "fieldset", None);
    attr(&fieldset, "data-field", field);
    append(&fieldset, text_el(doc, "legend", None, legend).as_ref());
    fieldset
}

/// The place a field's error is written, tied to its control for screen readers.
fn error_spot(doc: &Document, parent: &Element, field: &str) -> Element {
    let spot = el(doc, "p", Some("field-error"));
    spot.set_id(&format!("roster-error-{field}"));
    attr(&spot, "data-error-for", field);
    attr_fixed(&spot, "aria-live", "polite");
    append(parent, &spot);
    spot
}

/// The invite dialog: emails, roles and groups.
pub(crate) fn open_invite(shared: &Shared, opener: &Element) {
    let build = || -> Result<HtmlDialogElement, JsValue> {
        let doc = document(shared)?;
        let state = shared.state.borrow();
        let Some(org) = state.org.as_ref() else {
            return Err(JsValue::NULL);
        };
        let w = state.locale.words;
        let (dialog, content) = frame(&doc, "roster-invite", w.invite_title);
        error_spot(&doc, &content, "form");
        let label = el(&doc, "label", None);
        append(&label, &doc.create_text_node(w.emails_label));
        let emails: HtmlTextAreaElement = el(&doc, "textarea", None).unchecked_into();
        emails.set_name("emails");
        attr_fixed(
            &emails,
            "aria-describedby",
            "roster-invite-hint roster-error-emails",
        );
        attr_fixed(&emails, "autocomplete", "off");
        append(&label, &emails);
        append(&content, &label);
        let hint = text_el(&doc, "span", Some("hint"), w.emails_hint);
        hint.set_id("roster-invite-hint");
        append(&content, &hint);
        error_spot(&doc, &content, "emails");

        let roles = fieldset(&doc, w.roles_label, "roles");
        for (key, name) in role_keys(org) {
            checkbox(&doc, &roles, "roles", &key, &name, key == "member");
        }
        append(&content, &roles);
        error_spot(&doc, &content, "roles");
        if org.groups().len() > 0 {
            let groups = fieldset(&doc, w.groups_label, "groups");
            for group in org.groups() {
                let (key, name) = (group.key.as_str(), group.name.as_str());
                checkbox(&doc, &groups, "groups", key, name, false);
            }
            append(&content, &groups);
            error_spot(&doc, &content, "groups");
        }
        buttons(&doc, &dialog, Some((w.send_invitations, false)), w.cancel);
        Ok(dialog)
    };
    if let Ok(dialog) = build() {
        show(shared, Kind::Invite, dialog, opener);
    }
}

/// The roles dialog: the roles a user holds directly, and those they hold through groups.
pub(crate) fn open_roles(shared: &Shared, user_id: &str, opener: &Element) {
    let build = || -> Result<HtmlDialogElement, JsValue> {
        let doc = document(shared)?;
        let state = shared.state.borrow();
        let org = state.org.as_ref().ok_or(JsValue::NULL)?;
        let user = org.user(user_id).ok_or(JsValue::NULL)?;
        let w = state.locale.words;
        let title = format!("{}: {}", w.roles_label, display_name(user));
        let (dialog, content) = frame(&doc, "roster-roles", &title);
        let roles = fieldset(&doc, w.roles_label, "roles");
        let held = org.roles_held(user);
        for (key, name) in role_keys(org) {
            let direct = user.roles.contains(key.as_str());
            // Roles that come from a group are shown, with the group, but can't be taken
            // away here: that is a change to the group.
            let via: Vec<&str> = held
                .iter()
                .filter(|g| g.role.as_str() == key && !g.via.is_empty())
                .filter_map(|g| g.via.first().map(|v| v.as_str()))
                .collect();
            let text = match via.is_empty() {
                true => name,
                false => format!("{name} ({})", via.join(", ")),
            };
            checkbox(&doc, &roles, "roles", &key, &text, direct);
        }
        append(&content, &roles);
        error_spot(&doc, &content, "roles");
        buttons(&doc, &dialog, Some((w.save, false)), w.cancel);
        Ok(dialog)
    };
    if let Ok(dialog) = build() {
        show(shared, Kind::Roles(user_id.to_owned()), dialog, opener);
    }
}

/// The devices dialog: each device seen for a user, with Revoke where the viewer may.
pub(crate) fn open_devices(shared: &Shared, user_id: &str, opener: &Element) {
    let build = || -> Result<HtmlDialogElement, JsValue> {
        let doc = document(shared)?;
        let state = shared.state.borrow();
        let org = state.org.as_ref().ok_or(JsValue::NULL)?;
        let user = org.user(user_id).ok_or(JsValue::NULL)?;
        let locale = &state.locale;
        let w = locale.words;
        let viewer = state.viewer.as_deref().unwrap_or("");
        let may_revoke = viewer == user_id || org.is_allowed(viewer, "devices:revoke");
        let title = format!("{}: {}", w.devices_title, display_name(user));
        let (dialog, content) = frame(&doc, "roster-devices", &title);
        let list = el(&doc, "ul", None);
        let mut any = false;
        for device in org.devices_of(user_id) {
            any = true;
            let item = el(&doc, "li", None);
            let about = el(&doc, "div", None);
            append(
                &about,
                text_el(&doc, "strong", None, device.name.as_str()).as_ref(),
            );
            let seen = format!(
                "{} · {} · {} {}",
                device.platform.as_str(),
                device.os.as_str(),
                w.last_seen,
                locale.date(device.last_seen_at)
            );
            append(&about, text_el(&doc, "div", Some("hint"), &seen).as_ref());
            append(&item, &about);
            if device.revoked_at.is_some() {
                append(
                    &item,
                    text_el(&doc, "span", Some("badge"), w.revoked).as_ref(),
                );
            } else if may_revoke {
                let revoke = button(&doc, Some("danger"), w.revoke, "dialog-revoke-device");
                attr(&revoke, "data-device", device.id.as_str());
                attr(&revoke, "data-user", user_id);
                let label = format!("{}: {}", w.revoke, device.name.as_str());
                attr(&revoke, "aria-label", &label);
                append(&item, &revoke);
            }
            append(&list, &item);
        }
        if any {
            append(&content, &list);
        } else {
            append(
                &content,
                text_el(&doc, "p", Some("hint"), w.no_devices).as_ref(),
            );
        }
        buttons(&doc, &dialog, None, w.close);
        Ok(dialog)
    };
    if let Ok(dialog) = build() {
        show(shared, Kind::Devices, dialog, opener);
    }
}

/// A dialog closed (a button, Escape): it goes, and the focus goes back to its opener.
pub(crate) fn closed(shared: &Shared) {
    let open = {
        let mut state = shared.state.borrow_mut();
        match &state.dialog {
            Some(open) if !open.dialog.open() => state.dialog.take(),
            _ => None,
        }
    };
    let Some(open) = open else { return };
    open.dialog.remove();
    let opener = open
        .opener
        .and_then(|selector| shared.root.query_selector(&selector).ok().flatten())
        .and_then(|e| e.dyn_into::<HtmlElement>().ok());
    if let Some(opener) = opener {
        let _ = opener.focus();
    }
}

fn close(shared: &Shared) {
    let dialog = shared
        .state
        .borrow()
        .dialog
        .as_ref()
        .map(|o| o.dialog.clone());
    if let Some(dialog) = dialog {
        dialog.close();
        // The `close` event comes a task later; the dialog goes now.
        closed(shared);
    }
}

/// A dialog's button was clicked.
pub(crate) fn clicked(shared: &Shared, action: &str, control: &Element) {
    match action {
        "dialog-cancel" => close(shared),
        "dialog-revoke-device" => {
            let device = control.get_attribute("data-device");
            let user = control.get_attribute("data-user");
            let (Some(device), Some(user)) = (device, user) else {
                return;
            };
            let (Ok(device), Ok(user)) = (DeviceId::new(device), UserId::new(user)) else {
                return;
            };
            let who = {
                let state = shared.state.borrow();
                let org = state.org.as_ref();
                org.and_then(|o| o.user(user.as_str())).map(display_name)
            };
            let opener = shared
                .state
                .borrow()
                .dialog
                .as_ref()
                .and_then(|o| o.opener.clone());
            let action = Action::RevokeDevice { user, device };
            // The confirmation replaces the devices dialog, and returns to its opener.
            let opener_el = opener
                .and_then(|s| shared.root.query_selector(&s).ok().flatten())
                .unwrap_or_else(|| control.clone());
            open_confirm(shared, action, &who.unwrap_or_default(), &opener_el);
        }
        "dialog-confirm" => confirm(shared, control),
        _ => {}
    }
}

fn confirm(shared: &Shared, control: &Element) {
    let opened = shared
        .state
        .borrow()
        .dialog
        .as_ref()
        .map(|o| (o.kind.clone(), o.dialog.clone()));
    let Some((kind, dialog)) = opened else {
        return;
    };
    let action = match kind {
        Kind::Confirm(action) => {
            close(shared);
            run(shared, action);
            return;
        }
        Kind::Devices => {
            close(shared);
            return;
        }
        Kind::Invite => match invite_action(shared, &dialog) {
            Some(action) => action,
            None => return,
        },
        Kind::Roles(user) => match roles_action(shared, &dialog, &user) {
            Some(action) => action,
            None => {
                close(shared);
                return;
            }
        },
    };
    // Invitations and roles keep their dialog open until the server agrees, to show why not.
    let _ = control.set_attribute("disabled", "");
    let (shared, control) = (shared.clone(), control.clone());
    wasm_bindgen_futures::spawn_local(async move {
        let outcome = shared.perform(action).await;
        let _ = control.remove_attribute("disabled");
        match outcome {
            Ok(()) => close(&shared),
            Err(refusal) => show_errors(&dialog, &refusal),
        }
    });
}

/// Values of the checked boxes named `name`.
fn checked(dialog: &Element, name: &str) -> Vec<String> {
    let mut values = Vec::new();
    let selector = format!("input[name={name}]:checked");
    if let Ok(list) = dialog.query_selector_all(&selector) {
        for i in 0..list.length() {
            if let Some(input) = list
                .item(i)
                .and_then(|n| n.dyn_into::<HtmlInputElement>().ok())
            {
                values.push(input.value());
            }
        }
    }
    values
}

/// Writes `message` at the field `field` of a dialog (or clears it).
fn write_error(dialog: &Element, field: &str, message: &str) {
    let selector = format!("[data-error-for={field}]");
    if let Ok(Some(spot)) = dialog.query_selector(&selector) {
        spot.set_text_content(Some(message));
    }
}

fn clear_errors(dialog: &Element) {
    if let Ok(spots) = dialog.query_selector_all("[data-error-for]") {
        for i in 0..spots.length() {
            if let Some(spot) = spots.item(i) {
                spot.set_text_content(None);
            }
        }
    }
}

/// Shows a refusal next to the fields at fault: `invitations[2].email` goes to the emails box,
/// `...roles` to the roles, and anything else at the top.
fn show_errors(dialog: &Element, refusal: &Refusal) {
    clear_errors(dialog);
    if refusal.fields.is_empty() {
        write_error(dialog, "form", &refusal.message);
        return;
    }
    for (field, message) in &refusal.fields {
        let spot = if field.ends_with("email") {
            "emails"
        } else if field.contains("roles") || field == "role" {
            "roles"
        } else if field.contains("groups") {
            "groups"
        } else {
            "form"
        };
        let has_spot = dialog
            .query_selector(&format!("[data-error-for={spot}]"))
            .ok()
            .flatten()
            .is_some();
        let spot = if has_spot { spot } else { "form" };
        write_error(dialog, spot, &format!("{field}: {message}"));
    }
}

/// Reads the invite dialog into an action; writes what is wrong next to the field otherwise.
fn invite_action(shared: &Shared, dialog: &Element) -> Option<Action> {
    clear_errors(dialog);
    let words = shared.state.borrow().locale.words;
    let text = dialog
        .query_selector("textarea[name=emails]")
        .ok()
        .flatten()
        .and_then(|e| e.dyn_into::<HtmlTextAreaElement>().ok())
        .map(|t| t.value())
        .unwrap_or_default();
    let mut emails = Vec::new();
    for (i, part) in text
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|p| !p.is_empty())
        .enumerate()
    {
        match Email::new(part) {
            Ok(email) => emails.push(email),
            Err(e) => {
                write_error(dialog, "emails", &format!("invitations[{i}].email: {e}"));
                return None;
            }
        }
    }
    if emails.is_empty() {
        write_error(dialog, "emails", words.emails_required);
        return None;
    }
    let keys = |name: &str| checked(dialog, name);
    let roles: Result<KeySet<RoleKey>, _> = keys("roles").into_iter().map(RoleKey::new).collect();
    let groups: Result<KeySet<GroupKey>, _> =
        keys("groups").into_iter().map(GroupKey::new).collect();
    let (Ok(roles), Ok(groups)) = (roles, groups) else {
        write_error(dialog, "form", "a role or group key was refused");
        return None;
    };
    let specs = emails
        .into_iter()
        .map(|email| InviteSpec {
            email,
            roles: roles.clone(),
            groups: groups.clone(),
        })
        .collect();
    Some(Action::Invite(specs))
}

/// Reads the roles dialog into the roles to give and take; `None` when nothing changed.
fn roles_action(shared: &Shared, dialog: &Element, user_id: &str) -> Option<Action> {
    let wanted = checked(dialog, "roles");
    let state = shared.state.borrow();
    let user = state.org.as_ref()?.user(user_id)?;
    let assign: Vec<RoleKey> = wanted
        .iter()
        .filter(|k| !user.roles.contains(k.as_str()))
        .filter_map(|k| RoleKey::new(k.as_str()).ok())
        .collect();
    let unassign: Vec<RoleKey> = user
        .roles
        .iter()
        .filter(|k| !wanted.iter().any(|w| w == k.as_str()))
        .cloned()
        .collect();
    if assign.is_empty() && unassign.is_empty() {
        return None;
    }
    Some(Action::SetRoles {
        user: user.id.clone(),
        assign,
        unassign,
    })
}
