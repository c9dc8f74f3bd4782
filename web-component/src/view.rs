//! Drawing the element: the header with seat usage, the search box and the users table.
//!
//! Every piece of user data goes in with `set_text_content` or a text node, so a name like
//! `<img src=x onerror=alert(1)>` would show as those characters and never run.

use std::cell::RefCell;
use std::rc::Rc;

use roster_engine::{SortKey, SortOrder, Status, User};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlElement, HtmlInputElement, ShadowRoot};

use crate::{parse_sort_key, State};

const STYLE: &str = "
:host { display: block; font: 14px/1.4 var(--roster-font, system-ui, sans-serif);
  color: var(--roster-text, #1f2328); }
header { display: flex; align-items: center; gap: 1rem; margin-bottom: .75rem; }
header h2 { margin: 0; font-size: 1.25rem; flex: 1; }
.seats { display: flex; align-items: center; gap: .5rem; }
button { font: inherit; padding: .35rem .8rem; border-radius: 6px; cursor: pointer;
  border: 1px solid var(--roster-accent, #0969da); background: var(--roster-accent, #0969da);
  color: #fff; }
input[type=search] { font: inherit; padding: .35rem .5rem; width: 16rem; margin-bottom: .5rem; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid #d0d7de; }
th button { all: unset; cursor: pointer; font-weight: 600; }
.badge { padding: 0 .45rem; border-radius: 999px; font-size: .8rem; background: #eaeef2; }
.badge.active { background: #dafbe1; } .badge.suspended { background: #fff8c5; }
.badge.invited { background: #ddf4ff; } .badge.deactivated { background: #ffebe9; }
.avatar { display: inline-grid; place-items: center; width: 1.75rem; height: 1.75rem;
  border-radius: 50%; background: #eaeef2; font-size: .75rem; margin-right: .4rem; }
.empty, .error { padding: 1rem; color: #57606a; }
@media (prefers-color-scheme: dark) {
  :host { color: var(--roster-text, #e6edf3); }
  th, td { border-color: #30363d; }
}
";

fn el(doc: &Document, tag: &str, class: Option<&str>) -> Result<Element, JsValue> {
    let element = doc.create_element(tag)?;
    if let Some(class) = class {
        element.set_class_name(class);
    }
    Ok(element)
}

/// An element holding only text.
fn text_el(doc: &Document, tag: &str, class: Option<&str>, text: &str) -> Result<Element, JsValue> {
    let element = el(doc, tag, class)?;
    element.set_text_content(Some(text));
    Ok(element)
}

fn initials(user: &User) -> String {
    let source = user
        .name
        .as_ref()
        .map_or(user.email.as_str(), |n| n.as_str());
    source
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .flat_map(char::to_uppercase)
        .collect()
}

pub(crate) fn render(
    host: &HtmlElement,
    root: &ShadowRoot,
    state: &Rc<RefCell<State>>,
) -> Result<(), JsValue> {
    let doc = host
        .owner_document()
        .ok_or_else(|| JsValue::from_str("no document"))?;
    root.set_text_content(None);
    root.append_child(text_el(&doc, "style", None, STYLE)?.as_ref())?;
    let borrowed = state.borrow();
    let Some(org) = borrowed.org.as_ref() else {
        let message = borrowed.error.as_deref().unwrap_or("Loading users…");
        root.append_child(text_el(&doc, "p", Some("empty"), message)?.as_ref())?;
        return Ok(());
    };
    let viewer = borrowed.viewer.as_deref().unwrap_or("");

    // Header: title, seat usage with a meter, and Invite User for those who may invite.
    let header = el(&doc, "header", None)?;
    header.set_attribute("part", "header")?;
    header.append_child(text_el(&doc, "h2", None, "Users")?.as_ref())?;
    let usage = org.seat_usage();
    let seats = el(&doc, "div", Some("seats"))?;
    seats.set_attribute("part", "seats")?;
    let meter = el(&doc, "meter", None)?;
    meter.set_attribute("min", "0")?;
    meter.set_attribute("max", &usage.purchased.to_string())?;
    meter.set_attribute("value", &usage.held.to_string())?;
    meter.set_attribute("aria-label", "seats used")?;
    seats.append_child(&meter)?;
    let label = format!("{} of {} seats used", usage.held, usage.purchased);
    seats.append_child(text_el(&doc, "span", Some("seat-label"), &label)?.as_ref())?;
    header.append_child(&seats)?;
    if org.is_allowed(viewer, "invitations:create") {
        let invite = text_el(&doc, "button", Some("invite"), "Invite User")?;
        invite.set_attribute("part", "invite-button")?;
        invite.set_attribute("type", "button")?;
        header.append_child(&invite)?;
    }
    root.append_child(&header)?;

    let search: HtmlInputElement = el(&doc, "input", None)?.dyn_into()?;
    search.set_type("search");
    search.set_placeholder("Search name or email");
    search.set_attribute("aria-label", "Search users by name or email")?;
    search.set_value(borrowed.query.search.as_deref().unwrap_or(""));
    root.append_child(&search)?;

    let table = el(&doc, "table", None)?;
    table.set_attribute("part", "table")?;
    let head = el(&doc, "thead", None)?;
    let row = el(&doc, "tr", None)?;
    let columns: [(&str, Option<SortKey>); 7] = [
        ("Name", Some(SortKey::Name)),
        ("Email", Some(SortKey::Email)),
        ("Status", Some(SortKey::Status)),
        ("Roles", None),
        ("Seat", None),
        ("Devices", None),
        ("Last active", Some(SortKey::LastActive)),
    ];
    for (title, key) in columns {
        let th = el(&doc, "th", None)?;
        th.set_attribute("scope", "col")?;
        match key {
            Some(key) => {
                let sorted = borrowed.query.sort == key;
                let state_word = match (sorted, borrowed.query.order) {
                    (false, _) => "none",
                    (true, SortOrder::Asc) => "ascending",
                    (true, SortOrder::Desc) => "descending",
                };
                th.set_attribute("aria-sort", state_word)?;
                let button = text_el(&doc, "button", None, title)?;
                button.set_attribute("data-sort", sort_name(key))?;
                th.append_child(&button)?;
            }
            None => th.set_text_content(Some(title)),
        }
        row.append_child(&th)?;
    }
    head.append_child(&row)?;
    table.append_child(&head)?;

    let body = el(&doc, "tbody", None)?;
    match org.list_users(&borrowed.query) {
        Ok(page) if page.users.is_empty() => {
            let tr = el(&doc, "tr", None)?;
            let td = text_el(&doc, "td", Some("empty"), "No users match.")?;
            td.set_attribute("colspan", "7")?;
            tr.append_child(&td)?;
            body.append_child(&tr)?;
        }
        Ok(page) => {
            for user in page.users {
                body.append_child(user_row(&doc, org, user)?.as_ref())?;
            }
        }
        Err(e) => {
            root.append_child(text_el(&doc, "p", Some("error"), &e.to_string())?.as_ref())?;
        }
    }
    table.append_child(&body)?;
    root.append_child(&table)?;
    drop(borrowed);
    wire(host, root, state, &search)
}

fn sort_name(key: SortKey) -> &'static str {
    match key {
        SortKey::Name => "name",
        SortKey::Email => "email",
        SortKey::Status => "status",
        SortKey::LastActive => "last_active",
        SortKey::Created => "created",
    }
}

fn user_row(doc: &Document, org: &roster_engine::Org, user: &User) -> Result<Element, JsValue> {
    let tr = el(doc, "tr", None)?;
    tr.set_attribute("data-user", user.id.as_str())?;
    let name = el(doc, "td", None)?;
    name.append_child(text_el(doc, "span", Some("avatar"), &initials(user))?.as_ref())?;
    name.append_child(&doc.create_text_node(user.name.as_ref().map_or("", |n| n.as_str())))?;
    tr.append_child(&name)?;
    tr.append_child(text_el(doc, "td", Some("email"), user.email.as_str())?.as_ref())?;
    let status = el(doc, "td", None)?;
    status.append_child(
        text_el(
            doc,
            "span",
            Some(&format!("badge {}", user.status.as_str())),
            user.status.as_str(),
        )?
        .as_ref(),
    )?;
    tr.append_child(&status)?;
    let roles: Vec<String> = org
        .roles_held(user)
        .into_iter()
        .map(|g| g.role.to_string())
        .collect();
    let mut roles_unique = roles.clone();
    roles_unique.sort();
    roles_unique.dedup();
    tr.append_child(text_el(doc, "td", Some("roles"), &roles_unique.join(", "))?.as_ref())?;
    tr.append_child(text_el(doc, "td", None, if user.seat { "Yes" } else { "—" })?.as_ref())?;
    let devices = org
        .devices_of(user.id.as_str())
        .filter(|d| d.revoked_at.is_none())
        .count();
    tr.append_child(text_el(doc, "td", None, &devices.to_string())?.as_ref())?;
    let last = match (user.status, user.last_active_at) {
        (Status::Invited, _) | (_, None) => "—".to_owned(),
        (_, Some(at)) => at.to_string()[..10].to_owned(),
    };
    tr.append_child(text_el(doc, "td", None, &last)?.as_ref())?;
    Ok(tr)
}

/// Connects the search box and the sort buttons to the element's state.
fn wire(
    host: &HtmlElement,
    root: &ShadowRoot,
    state: &Rc<RefCell<State>>,
    search: &HtmlInputElement,
) -> Result<(), JsValue> {
    {
        let (host, root, state) = (host.clone(), root.clone(), state.clone());
        let on_search = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
            let Some(input) = event
                .target()
                .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
            else {
                return;
            };
            let value = input.value();
            state.borrow_mut().query.search = Some(value).filter(|v| !v.is_empty());
            state.borrow_mut().query.cursor = None;
            let _ = render(&host, &root, &state);
            // Keep typing where it was: the box was drawn anew.
            if let Ok(Some(fresh)) = root.query_selector("input[type=search]") {
                if let Ok(fresh) = fresh.dyn_into::<HtmlElement>() {
                    let _ = fresh.focus();
                }
            }
        });
        search.add_event_listener_with_callback("change", on_search.as_ref().unchecked_ref())?;
        on_search.forget();
    }
    let buttons = root.query_selector_all("th button")?;
    for i in 0..buttons.length() {
        let Some(button) = buttons.item(i) else {
            continue;
        };
        let (host, root, state) = (host.clone(), root.clone(), state.clone());
        let on_sort = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
            let key = event
                .target()
                .and_then(|t| t.dyn_into::<Element>().ok())
                .and_then(|e| e.get_attribute("data-sort"));
            let Some(key) = key.as_deref().and_then(parse_sort_key) else {
                return;
            };
            state.borrow_mut().sort_by(key);
            let _ = render(&host, &root, &state);
        });
        button.add_event_listener_with_callback("click", on_sort.as_ref().unchecked_ref())?;
        on_sort.forget();
    }
    Ok(())
}
