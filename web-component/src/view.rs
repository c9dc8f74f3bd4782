//! Drawing the element: the header with seat usage, the toolbar of search and filters, the
//! users table with its row actions, the pager and the toasts; and the one set of event
//! listeners that serves them all.
//!
//! Every piece of user data goes in with `set_text_content` or a text node, so a name like
//! `<img src=x onerror=alert(1)>` shows as those characters and never runs. Listeners are
//! attached once, to the shadow root, and find what was clicked by its `data-action`, so
//! drawing again never leaks a handler.

use roster_engine::{BuiltinRole, InvitationState, KeySet, Org, SortKey, SortOrder, Status, User};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, Event, HtmlElement, HtmlInputElement, HtmlSelectElement, Node};

use crate::actions::{is_destructive, row_actions, simple_action};
use crate::i18n::Locale;
use crate::{dialogs, sort_key_named, Shared, Slots};

const STYLE: &str = "
:host { display: block; color-scheme: light dark;
  font: 14px/1.45 var(--roster-font, system-ui, sans-serif);
  --_bg: var(--roster-background, #ffffff); --_text: var(--roster-text, #1f2328);
  --_muted: var(--roster-muted, #57606a); --_border: var(--roster-border, #d0d7de);
  --_accent: var(--roster-accent, #0969da); --_accent-text: var(--roster-accent-text, #ffffff);
  --_danger: var(--roster-danger, #b3261e); --_chip: var(--roster-chip, #eaeef2);
  color: var(--_text); background: var(--_bg); }
@media (prefers-color-scheme: dark) {
  :host { --_bg: var(--roster-background, #0d1117); --_text: var(--roster-text, #e6edf3);
    --_muted: var(--roster-muted, #9198a1); --_border: var(--roster-border, #30363d);
    --_accent: var(--roster-accent, #4493f8); --_accent-text: var(--roster-accent-text, #0d1117);
    --_danger: var(--roster-danger, #ff7b72); --_chip: var(--roster-chip, #262c36); }
}
* { box-sizing: border-box; }
header { display: flex; align-items: center; gap: 1rem; margin-bottom: .75rem; }
header h2 { margin: 0; font-size: 1.25rem; flex: 1; }
.seats { display: flex; align-items: center; gap: .5rem; color: var(--_muted); }
button { font: inherit; padding: .3rem .75rem; border-radius: 6px; cursor: pointer;
  border: 1px solid var(--_border); background: var(--_bg); color: var(--_text); }
button.primary { border-color: var(--_accent); background: var(--_accent);
  color: var(--_accent-text); }
button.danger { border-color: var(--_danger); color: var(--_danger); }
button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible {
  outline: 2px solid var(--_accent); outline-offset: 2px; }
button[disabled] { opacity: .6; cursor: default; }
.toolbar { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; margin-bottom: .5rem; }
label { display: grid; gap: .15rem; font-size: .8rem; color: var(--_muted); }
input, select, textarea { font: inherit; padding: .3rem .45rem; border-radius: 6px;
  border: 1px solid var(--_border); background: var(--_bg); color: var(--_text); }
input[type=search] { width: 16rem; }
.table-wrap { overflow-x: auto; }
table { width: 100%; border-collapse: collapse; }
caption { text-align: left; position: absolute; width: 1px; height: 1px; overflow: hidden;
  clip-path: inset(50%); }
th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid var(--_border);
  vertical-align: middle; }
th { font-weight: 600; white-space: nowrap; }
th button { border: 0; padding: 0; background: none; font-weight: 600; }
th[aria-sort=ascending] button::after { content: ' ▲'; font-size: .7em; }
th[aria-sort=descending] button::after { content: ' ▼'; font-size: .7em; }
.who { display: flex; align-items: center; gap: .5rem; }
.who .email { display: block; color: var(--_muted); font-size: .85rem; }
.avatar { display: inline-grid; place-items: center; flex: none; width: 2rem; height: 2rem;
  border-radius: 50%; background: var(--_chip); font-size: .75rem; font-weight: 600; }
.badge { padding: .05rem .5rem; border-radius: 999px; font-size: .8rem;
  background: var(--_chip); color: var(--_text); white-space: nowrap; }
.badge.active { background: #dafbe1; color: #0a3622; }
.badge.suspended { background: #fff8c5; color: #3b2300; }
.badge.invited { background: #ddf4ff; color: #0a3069; }
.badge.deactivated { background: #ffebe9; color: #5c0b0b; }
.actions { display: flex; flex-wrap: wrap; gap: .25rem; }
.actions button { padding: .15rem .5rem; font-size: .8rem; }
.pager { display: flex; align-items: center; justify-content: flex-end; gap: .5rem;
  margin-top: .5rem; color: var(--_muted); }
.state { padding: 1.5rem 1rem; color: var(--_muted); text-align: center; }
.state.error { color: var(--_danger); }
.toasts { position: fixed; right: 1rem; bottom: 1rem; display: grid; gap: .5rem;
  z-index: 10; }
.toast { padding: .5rem .8rem; border-radius: 6px; background: var(--_text);
  color: var(--_bg); max-width: 28rem; box-shadow: 0 2px 8px #0004; }
.toast.error { background: var(--_danger); color: #fff; }
dialog { border: 1px solid var(--_border); border-radius: 10px; padding: 1.25rem;
  background: var(--_bg); color: var(--_text); width: min(32rem, 92vw); }
dialog::backdrop { background: #0006; }
dialog h3 { margin: 0 0 .75rem; }
dialog .fields { display: grid; gap: .75rem; }
dialog fieldset { border: 1px solid var(--_border); border-radius: 6px; display: flex;
  flex-wrap: wrap; gap: .25rem 1rem; }
dialog fieldset label { display: flex; gap: .3rem; align-items: center; font-size: .9rem;
  color: var(--_text); }
dialog textarea { min-height: 5rem; width: 100%; }
dialog .hint { font-size: .8rem; color: var(--_muted); }
dialog .field-error { color: var(--_danger); font-size: .85rem; }
dialog .buttons { display: flex; justify-content: flex-end; gap: .5rem; margin-top: 1rem; }
dialog ul { list-style: none; padding: 0; margin: 0; display: grid; gap: .5rem; }
dialog li { display: flex; justify-content: space-between; align-items: center; gap: 1rem; }
";

pub(crate) fn document(shared: &Shared) -> Result<Document, JsValue> {
    shared
        .host
        .owner_document()
        .ok_or_else(|| JsValue::from_str("no document"))
}

// The element builds its DOM from fixed tag and attribute names, so `createElement`,
// `setAttribute` and `appendChild` can't throw here; the helpers below say so once, where a
// `?` at each of a few hundred calls would be a path (and code in the `.wasm`) never taken.

#[wasm_bindgen]
extern "C" {
    /// A document or element, through the methods drawing calls with names as JS strings.
    type Named;
    #[wasm_bindgen(method, js_name = createElement)]
    fn create_element(this: &Named, tag: &JsValue) -> Element;
    #[wasm_bindgen(method, js_name = setAttribute)]
    fn set_attribute(this: &Named, name: &JsValue, value: &JsValue);
    #[wasm_bindgen(method, js_name = setAttribute)]
    fn set_attribute_to(this: &Named, name: &JsValue, value: &str);
    #[wasm_bindgen(method, setter = className)]
    fn set_class_name(this: &Named, class: &JsValue);
}

thread_local! {
    /// The tag, class and attribute names drawn so far, each as a JS string made once: a
    /// string handed from Wasm to JS is decoded every time, and each of a page's rows hands
    /// over the same few dozen names (half the time of a redraw went to decoding them).
    static NAMES: std::cell::RefCell<Vec<(&'static str, JsValue)>> = const {
        std::cell::RefCell::new(Vec::new())
    };
}

/// Where `name` is among [`NAMES`], which it joins the first time it is asked for. (None
/// only if drawing were re-entered from a JS call made while the names are lent out; the
/// built-in elements drawn here call nothing back, but a fresh string is then used.)
fn name_at(name: &'static str) -> Option<usize> {
    NAMES.with(|names| {
        let mut names = names.try_borrow_mut().ok()?;
        let at = names.iter().position(|(n, _)| *n == name);
        Some(at.unwrap_or_else(|| {
            names.push((name, JsValue::from_str(name)));
            names.len() - 1
        }))
    })
}

/// Calls `f` with `name` as a JS string.
fn with_name<R>(name: &'static str, f: impl FnOnce(&JsValue) -> R) -> R {
    let at = name_at(name);
    NAMES.with(|names| match (at, names.try_borrow()) {
        (Some(at), Ok(names)) => f(&names[at].1),
        _ => f(&JsValue::from_str(name)),
    })
}

/// A new element with a tag and perhaps a class.
pub(crate) fn el(doc: &Document, tag: &'static str, class: Option<&'static str>) -> Element {
    let element = with_name(tag, |tag| doc.unchecked_ref::<Named>().create_element(tag));
    if let Some(class) = class {
        with_name(class, |class| {
            element.unchecked_ref::<Named>().set_class_name(class)
        });
    }
    element
}

/// Sets an attribute.
pub(crate) fn attr(element: &Element, name: &'static str, value: &str) {
    with_name(name, |name| {
        element
            .unchecked_ref::<Named>()
            .set_attribute_to(name, value)
    });
}

/// Sets an attribute to a fixed value.
pub(crate) fn attr_fixed(element: &Element, name: &'static str, value: &'static str) {
    let element = element.unchecked_ref::<Named>();
    let (at_name, at_value) = (name_at(name), name_at(value));
    NAMES.with(|names| match (at_name, at_value, names.try_borrow()) {
        (Some(n), Some(v), Ok(names)) => element.set_attribute(&names[n].1, &names[v].1),
        _ => element.set_attribute(&JsValue::from_str(name), &JsValue::from_str(value)),
    });
}

/// Appends `child` to `parent`.
pub(crate) fn append(parent: &Node, child: &Node) {
    let _ = parent.append_child(child);
}

/// An element holding only text.
pub(crate) fn text_el(
    doc: &Document,
    tag: &'static str,
    class: Option<&'static str>,
    text: &str,
) -> Element {
    let element = el(doc, tag, class);
    element.set_text_content(Some(text));
    element
}

/// A `<button type=button>` with a label and a `data-action`.
pub(crate) fn button(
    doc: &Document,
    class: Option<&'static str>,
    label: &str,
    action: &'static str,
) -> Element {
    let button = text_el(doc, "button", class, label);
    attr_fixed(&button, "type", "button");
    attr_fixed(&button, "data-action", action);
    button
}

/// A user's name, or their email while they have none.
pub(crate) fn display_name(user: &User) -> String {
    user.name
        .as_ref()
        .map_or(user.email.as_str(), |n| n.as_str())
        .to_owned()
}

fn initials(user: &User) -> String {
    let first: String = display_name(user)
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .collect();
    // The browser's capitals: Rust's would bring Unicode's case tables into the `.wasm`.
    js_sys::JsString::from(first.as_str())
        .to_upper_case()
        .into()
}

/// Creates the fixed frame: the style and the slots that are drawn into.
pub(crate) fn mount(root: &web_sys::ShadowRoot) -> Result<Slots, JsValue> {
    let doc = root
        .owner_document()
        .ok_or_else(|| JsValue::from_str("no document"))?;
    root.set_text_content(None);
    append(root, text_el(&doc, "style", None, STYLE).as_ref());
    let frame = el(&doc, "div", Some("roster"));
    attr_fixed(&frame, "part", "container");
    append(root, &frame);
    let slot = |class: &'static str| {
        let element = el(&doc, "div", Some(class));
        append(&frame, &element);
        element
    };
    let header = slot("header-slot");
    let toolbar = slot("toolbar");
    attr_fixed(&toolbar, "part", "toolbar");
    let table = slot("table-wrap");
    let pager = slot("pager");
    attr_fixed(&pager, "part", "pager");
    let toasts = el(&doc, "div", Some("toasts"));
    attr_fixed(&toasts, "part", "toasts");
    attr_fixed(&toasts, "role", "status");
    attr_fixed(&toasts, "aria-live", "polite");
    append(root, &toasts);
    Ok(Slots {
        header,
        toolbar,
        table,
        pager,
        toasts,
    })
}

/// Draws everything from the state.
pub(crate) fn render(shared: &Shared) -> Result<(), JsValue> {
    let doc = document(shared)?;
    let focus = Focus::take(shared);
    let slots = &shared.slots;
    for slot in [&slots.header, &slots.toolbar] {
        slot.set_text_content(None);
    }
    let state = shared.state.borrow();
    let Some(org) = state.org.as_ref() else {
        slots.pager.set_text_content(None);
        slots.table.set_text_content(None);
        let (class, message) = match &state.error {
            Some(error) => ("state error", error.as_str()),
            None => ("state", state.locale.words.loading),
        };
        let note = text_el(&doc, "p", Some(class), message);
        if state.error.is_some() {
            attr_fixed(&note, "role", "alert");
        }
        append(&slots.table, &note);
        return Ok(());
    };
    let viewer = state.viewer.as_deref().unwrap_or("");
    header(&doc, &slots.header, org, viewer, &state.locale);
    toolbar(&doc, &slots.toolbar, org, &state.query, &state.locale);
    drop(state);
    render_table(shared)?;
    focus.restore(shared);
    Ok(())
}

fn header(doc: &Document, slot: &Element, org: &Org, viewer: &str, locale: &Locale) {
    let header = el(doc, "header", None);
    attr_fixed(&header, "part", "header");
    append(
        &header,
        text_el(doc, "h2", None, locale.words.title).as_ref(),
    );
    let usage = org.seat_usage();
    let seats = el(doc, "div", Some("seats"));
    attr_fixed(&seats, "part", "seats");
    let meter = el(doc, "meter", None);
    attr_fixed(&meter, "part", "seat-meter");
    attr_fixed(&meter, "min", "0");
    attr(&meter, "max", &usage.purchased.to_string());
    attr(&meter, "value", &usage.held.to_string());
    let label = locale.seat_usage(usage.held, usage.purchased);
    attr(&meter, "aria-label", &label);
    append(&seats, &meter);
    append(
        &seats,
        text_el(doc, "span", Some("seat-label"), &label).as_ref(),
    );
    append(&header, &seats);
    if org.is_allowed(viewer, "invitations:create") {
        let invite = button(
            doc,
            Some("primary invite"),
            locale.words.invite_user,
            "invite",
        );
        attr_fixed(&invite, "part", "invite-button");
        attr_fixed(&invite, "aria-haspopup", "dialog");
        append(&header, &invite);
    }
    append(slot, &header);
}

/// Every role a user can hold: the built-in ones, then the org's own.
pub(crate) fn role_keys(org: &Org) -> Vec<(String, String)> {
    let builtin = BuiltinRole::ALL
        .iter()
        .map(|r| (r.key().to_owned(), r.name().to_owned()));
    let custom = org
        .custom_roles()
        .map(|r| (r.key.as_str().to_owned(), r.name.as_str().to_owned()));
    builtin.chain(custom).collect()
}

fn toolbar(
    doc: &Document,
    slot: &Element,
    org: &Org,
    query: &roster_engine::UserQuery,
    locale: &Locale,
) {
    let w = locale.words;
    let search_label = el(doc, "label", None);
    append(&search_label, &doc.create_text_node(w.search_label));
    let search: HtmlInputElement = el(doc, "input", None).unchecked_into();
    search.set_type("search");
    search.set_placeholder(w.search_placeholder);
    attr_fixed(&search, "part", "search");
    attr_fixed(&search, "data-filter", "search");
    search.set_value(query.search.as_deref().unwrap_or(""));
    append(&search_label, &search);
    append(slot, &search_label);

    let statuses: Vec<(String, String)> = Status::ALL
        .into_iter()
        .map(|s| (s.as_str().to_owned(), locale.status(s).to_owned()))
        .collect();
    let status_now = query.status.first().map_or("", |s| s.as_str());
    select(
        doc,
        slot,
        "status",
        w.filter_status,
        &statuses,
        status_now,
        w.any,
    );
    let role_now = query.role.as_ref().map_or("", |r| r.as_str());
    select(
        doc,
        slot,
        "role",
        w.filter_role,
        &role_keys(org),
        role_now,
        w.any,
    );
    let groups: Vec<(String, String)> = org
        .groups()
        .map(|g| (g.key.as_str().to_owned(), g.name.as_str().to_owned()))
        .collect();
    let group_now = query.group.as_ref().map_or("", |g| g.as_str());
    select(
        doc,
        slot,
        "group",
        w.filter_group,
        &groups,
        group_now,
        w.any,
    );
    let seats = [
        ("yes".to_owned(), w.with_seat.to_owned()),
        ("no".to_owned(), w.without_seat.to_owned()),
    ];
    let seat_now = match query.seat {
        Some(true) => "yes",
        Some(false) => "no",
        None => "",
    };
    select(doc, slot, "seat", w.filter_seat, &seats, seat_now, w.any);
}

/// A labelled `<select>` whose first option clears the filter.
fn select(
    doc: &Document,
    slot: &Element,
    filter: &str,
    title: &str,
    options: &[(String, String)],
    chosen: &str,
    any: &str,
) {
    let label = el(doc, "label", None);
    append(&label, &doc.create_text_node(title));
    let select: HtmlSelectElement = el(doc, "select", None).unchecked_into();
    attr(&select, "data-filter", filter);
    attr_fixed(&select, "part", "filter");
    let blank = text_el(doc, "option", None, any);
    attr_fixed(&blank, "value", "");
    append(&select, &blank);
    for (value, text) in options {
        let option = text_el(doc, "option", None, text);
        attr(&option, "value", value);
        append(&select, &option);
    }
    select.set_value(chosen);
    append(&label, &select);
    append(slot, &label);
}

/// Draws the table and the pager for the current query (sorting, filtering, paging).
pub(crate) fn render_table(shared: &Shared) -> Result<(), JsValue> {
    let doc = document(shared)?;
    let focus = Focus::take(shared);
    let state = shared.state.borrow();
    let Some(org) = state.org.as_ref() else {
        return Ok(());
    };
    let locale = &state.locale;
    let w = locale.words;
    let viewer = state.viewer.as_deref().unwrap_or("");
    let table = el(&doc, "table", None);
    attr_fixed(&table, "part", "table");
    append(&table, text_el(&doc, "caption", None, w.caption).as_ref());
    let head = el(&doc, "thead", None);
    let row = el(&doc, "tr", None);
    let columns: [(&str, Option<SortKey>); 8] = [
        (w.col_name, Some(SortKey::Name)),
        (w.col_status, Some(SortKey::Status)),
        (w.col_roles, None),
        (w.col_groups, None),
        (w.col_seat, None),
        (w.col_devices, None),
        (w.col_last_active, Some(SortKey::LastActive)),
        (w.col_actions, None),
    ];
    for (title, key) in columns {
        let th = el(&doc, "th", None);
        attr_fixed(&th, "scope", "col");
        match key {
            Some(key) => {
                let sort_state = match (state.query.sort == key, state.query.order) {
                    (false, _) => "none",
                    (true, SortOrder::Asc) => "ascending",
                    (true, SortOrder::Desc) => "descending",
                };
                attr(&th, "aria-sort", sort_state);
                let sort = button(&doc, None, title, "sort");
                attr(&sort, "data-key", key.as_str());
                append(&th, &sort);
            }
            None => th.set_text_content(Some(title)),
        }
        append(&row, &th);
    }
    append(&head, &row);
    append(&table, &head);

    let body = el(&doc, "tbody", None);
    let pager = &shared.slots.pager;
    pager.set_text_content(None);
    match org.list_users(&state.query) {
        Ok(page) if page.users.is_empty() => {
            let filtered = page.total == 0 && org.users().len() > 0;
            let message = if filtered { w.no_match } else { w.no_users };
            let tr = el(&doc, "tr", None);
            let td = text_el(&doc, "td", Some("state"), message);
            attr_fixed(&td, "colspan", "8");
            append(&tr, &td);
            append(&body, &tr);
        }
        Ok(page) => {
            let shown = page.users.len();
            // What a row needs beyond its user (active devices, a pending invitation), found
            // in one pass over each: the page's ids are a sorted set, each row a place in it.
            let on_page: KeySet<&str> = page.users.iter().map(|u| u.id.as_str()).collect();
            let place = |id: &str| on_page.as_slice().binary_search(&id).ok();
            let mut needs = vec![(0usize, false); on_page.len()];
            for device in org.devices().filter(|d| d.revoked_at.is_none()) {
                if let Some(at) = place(device.user_id.as_str()) {
                    needs[at].0 += 1;
                }
            }
            for invitation in org.invitations() {
                if invitation.state == InvitationState::Pending {
                    if let Some(at) = place(invitation.user_id.as_str()) {
                        needs[at].1 = true;
                    }
                }
            }
            let allowed = org.effective_permissions(viewer);
            let row = Row {
                org,
                viewer,
                may: &|p: &str| allowed.contains(p),
                locale,
                dates: Dates::new(locale),
            };
            for user in &page.users {
                let counts = place(user.id.as_str()).map_or((0, false), |at| needs[at]);
                append(&body, &row.draw(&doc, user, counts));
            }
            let first = state.earlier.len() * state.query.limit + 1;
            let range = locale.range(first, first + shown - 1, page.total);
            append(pager, text_el(&doc, "span", None, &range).as_ref());
            let previous = button(&doc, None, w.previous, "previous");
            if state.earlier.is_empty() {
                attr_fixed(&previous, "disabled", "");
            }
            append(pager, &previous);
            let next = button(&doc, None, w.next, "next");
            match &page.next_cursor {
                Some(cursor) => attr(&next, "data-cursor", cursor),
                None => attr_fixed(&next, "disabled", ""),
            }
            append(pager, &next);
        }
        Err(e) => {
            let tr = el(&doc, "tr", None);
            let td = text_el(&doc, "td", Some("state error"), &e.to_string());
            attr_fixed(&td, "colspan", "8");
            append(&tr, &td);
            append(&body, &tr);
        }
    }
    append(&table, &body);
    let slot = &shared.slots.table;
    slot.set_text_content(None);
    append(slot, &table);
    drop(state);
    focus.restore(shared);
    Ok(())
}

/// Dates of one drawing, formatted once per day shown rather than once per row.
struct Dates<'l> {
    locale: &'l Locale,
    seen: std::cell::RefCell<Vec<(i64, String)>>,
}

impl<'l> Dates<'l> {
    fn new(locale: &'l Locale) -> Dates<'l> {
        Dates {
            locale,
            seen: Default::default(),
        }
    }

    fn day(&self, at: roster_engine::Timestamp) -> String {
        let day = at.unix_seconds().div_euclid(86_400);
        let mut seen = self.seen.borrow_mut();
        if let Some((_, text)) = seen.iter().find(|(d, _)| *d == day) {
            return text.clone();
        }
        let text = self.locale.date(at);
        seen.push((day, text.clone()));
        text
    }
}

/// What drawing a row needs besides its user.
struct Row<'a> {
    org: &'a Org,
    viewer: &'a str,
    may: &'a dyn Fn(&str) -> bool,
    locale: &'a Locale,
    dates: Dates<'a>,
}

impl Row<'_> {
    /// One user's row; `devices` is their number of active devices, `pending` whether an
    /// invitation waits.
    fn draw(&self, doc: &Document, user: &User, (devices, pending): (usize, bool)) -> Element {
        let (org, locale) = (self.org, self.locale);
        let w = locale.words;
        let tr = el(doc, "tr", None);
        attr_fixed(&tr, "part", "row");
        attr(&tr, "data-user", user.id.as_str());
        let name = el(doc, "td", None);
        let who = el(doc, "div", Some("who"));
        let avatar = text_el(doc, "span", Some("avatar"), &initials(user));
        attr_fixed(&avatar, "aria-hidden", "true");
        append(&who, &avatar);
        let names = el(doc, "div", None);
        append(
            &names,
            text_el(doc, "span", Some("name"), &display_name(user)).as_ref(),
        );
        append(
            &names,
            text_el(doc, "span", Some("email"), user.email.as_str()).as_ref(),
        );
        append(&who, &names);
        append(&name, &who);
        append(&tr, &name);

        let status = el(doc, "td", None);
        let badge = text_el(doc, "span", None, locale.status(user.status));
        badge.set_class_name(&format!("badge {}", user.status.as_str()));
        attr_fixed(&badge, "part", "badge");
        append(&status, &badge);
        append(&tr, &status);

        // Held directly and through groups, each once, in order.
        let held = org.roles_held(user);
        let roles: KeySet<&str> = held.iter().map(|g| g.role.as_str()).collect();
        let roles: Vec<&str> = roles.into_iter().collect();
        append(
            &tr,
            text_el(doc, "td", Some("roles"), &roles.join(", ")).as_ref(),
        );
        let groups: Vec<&str> = user.groups.iter().map(|g| g.as_str()).collect();
        append(
            &tr,
            text_el(doc, "td", Some("groups"), &groups.join(", ")).as_ref(),
        );
        let seat = if user.seat { w.seat_yes } else { "—" };
        append(&tr, text_el(doc, "td", Some("seat"), seat).as_ref());
        append(
            &tr,
            text_el(doc, "td", Some("devices"), &locale.number(devices)).as_ref(),
        );
        let last = match (user.status, user.last_active_at) {
            (Status::Invited, _) | (_, None) => w.never.to_owned(),
            (_, Some(at)) => self.dates.day(at),
        };
        append(&tr, text_el(doc, "td", Some("last-active"), &last).as_ref());

        let cell = el(doc, "td", None);
        let actions = el(doc, "div", Some("actions"));
        attr_fixed(&actions, "part", "actions");
        let shown_name = display_name(user);
        for action in row_actions(self.may, self.viewer, user, pending) {
            let destructive = is_destructive(action);
            let class = destructive.then_some("danger");
            let label = locale.action(action);
            let b = button(doc, class, label, action);
            attr(&b, "data-user", user.id.as_str());
            attr(&b, "aria-label", &format!("{label}: {shown_name}"));
            if matches!(action, "roles" | "devices") || destructive {
                attr_fixed(&b, "aria-haspopup", "dialog");
            }
            append(&actions, &b);
        }
        append(&cell, &actions);
        append(&tr, &cell);
        tr
    }
}

/// Shows a toast for a few seconds. Errors stay longer.
pub(crate) fn toast(shared: &Shared, message: &str, error: bool) {
    let Ok(doc) = document(shared) else { return };
    let class = if error { "toast error" } else { "toast" };
    let toast = text_el(&doc, "div", Some(class), message);
    attr_fixed(&toast, "part", "toast");
    append(&shared.slots.toasts, &toast);
    let remove = Closure::once_into_js(move || toast.remove());
    if let Some(window) = web_sys::window() {
        let millis = if error { 8000 } else { 4000 };
        let _ = window
            .set_timeout_with_callback_and_timeout_and_arguments_0(remove.unchecked_ref(), millis);
    }
}

/// Where the keyboard focus was before a drawing, found again after it by what it was.
pub(crate) struct Focus {
    selector: Option<String>,
}

impl Focus {
    pub(crate) fn take(shared: &Shared) -> Focus {
        let active = shared.root.active_element();
        let selector = active.and_then(|e| selector_of(&e));
        Focus { selector }
    }

    pub(crate) fn restore(self, shared: &Shared) {
        let Some(selector) = self.selector else {
            return;
        };
        if shared.root.active_element().is_some() {
            return;
        }
        if let Ok(Some(found)) = shared.root.query_selector(&selector) {
            if let Ok(found) = found.dyn_into::<HtmlElement>() {
                let _ = found.focus();
            }
        }
    }
}

/// A selector that finds an equivalent control in a fresh drawing.
pub(crate) fn selector_of(element: &Element) -> Option<String> {
    let attr = |name: &str| element.get_attribute(name);
    if let Some(filter) = attr("data-filter") {
        return Some(format!("[data-filter=\"{filter}\"]"));
    }
    let action = attr("data-action")?;
    let mut selector = format!("[data-action=\"{action}\"]");
    for name in ["data-key", "data-user"] {
        if let Some(value) = attr(name) {
            // Ids and keys are validated by the engine: letters, digits, `_`, `-`, `:`.
            selector.push_str(&format!("[{name}=\"{value}\"]"));
        }
    }
    Some(selector)
}

/// Attaches the element's listeners, once.
pub(crate) fn listen(shared: &Shared) -> Result<(), JsValue> {
    let on_click = {
        let shared = shared.clone();
        Closure::<dyn FnMut(Event)>::new(move |event: Event| clicked(&shared, &event))
    };
    shared
        .root
        .add_event_listener_with_callback("click", on_click.as_ref().unchecked_ref())?;
    on_click.forget();
    let on_input = {
        let shared = shared.clone();
        Closure::<dyn FnMut(Event)>::new(move |event: Event| filtered(&shared, &event))
    };
    for kind in ["input", "change"] {
        shared
            .root
            .add_event_listener_with_callback(kind, on_input.as_ref().unchecked_ref())?;
    }
    on_input.forget();
    // `close` does not bubble; a capturing listener on the root still hears it.
    let on_close = {
        let shared = shared.clone();
        Closure::<dyn FnMut(Event)>::new(move |_: Event| dialogs::closed(&shared))
    };
    shared.root.add_event_listener_with_callback_and_bool(
        "close",
        on_close.as_ref().unchecked_ref(),
        true,
    )?;
    on_close.forget();
    Ok(())
}

fn target_element(event: &Event) -> Option<Element> {
    event.target()?.dyn_into::<Element>().ok()
}

fn filtered(shared: &Shared, event: &Event) {
    let Some(target) = target_element(event) else {
        return;
    };
    let Some(filter) = target.get_attribute("data-filter") else {
        return;
    };
    // Search answers every keystroke; selects answer their change.
    let value = if let Some(input) = target.dyn_ref::<HtmlInputElement>() {
        if event.type_() != "input" {
            return;
        }
        input.value()
    } else if let Some(select) = target.dyn_ref::<HtmlSelectElement>() {
        if event.type_() != "change" {
            return;
        }
        select.value()
    } else {
        return;
    };
    if shared
        .state
        .borrow_mut()
        .set_filter(&filter, &value)
        .is_ok()
    {
        let _ = render_table(shared);
    }
}

fn clicked(shared: &Shared, event: &Event) {
    let Some(target) = target_element(event) else {
        return;
    };
    let Ok(Some(control)) = target.closest("[data-action]") else {
        return;
    };
    if control.has_attribute("disabled") {
        return;
    }
    let action = control.get_attribute("data-action").unwrap_or_default();
    let user_id = control.get_attribute("data-user");
    match action.as_str() {
        "sort" => {
            let key = control.get_attribute("data-key");
            if let Some(key) = key.as_deref().and_then(sort_key_named) {
                shared.state.borrow_mut().sort_by(key);
                let _ = render_table(shared);
            }
        }
        "next" => {
            {
                let mut state = shared.state.borrow_mut();
                let cursor = state.query.cursor.take();
                state.earlier.push(cursor);
                state.query.cursor = control.get_attribute("data-cursor");
            }
            let _ = render_table(shared);
        }
        "previous" => {
            {
                let mut state = shared.state.borrow_mut();
                state.query.cursor = state.earlier.pop().flatten();
            }
            let _ = render_table(shared);
        }
        "invite" => dialogs::open_invite(shared, &control),
        "roles" | "devices" => {
            if let Some(user_id) = user_id {
                if action == "roles" {
                    dialogs::open_roles(shared, &user_id, &control);
                } else {
                    dialogs::open_devices(shared, &user_id, &control);
                }
            }
        }
        other if other.starts_with("dialog-") => dialogs::clicked(shared, other, &control),
        other => {
            let Some(user_id) = user_id else { return };
            let found = {
                let state = shared.state.borrow();
                let org = state.org.as_ref();
                org.and_then(|org| {
                    let user = org.user(&user_id)?;
                    Some((simple_action(org, other, user)?, display_name(user)))
                })
            };
            let Some((action, who)) = found else { return };
            if action.is_destructive() {
                dialogs::open_confirm(shared, action, &who, &control);
            } else {
                dialogs::run(shared, action);
            }
        }
    }
}
