//! `<roster-users>` in headless Chromium: rendering from an org document, sorting, filters,
//! search, paging, actions shown by permission, dialogs, optimistic changes and their
//! rollback, events, the French locale, and user data kept as text.
#![cfg(target_arch = "wasm32")]
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    missing_docs,
    reason = "tests fail loudly"
)]

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Object, Promise, Reflect};
use roster_element::RosterUsers;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::ShadowRoot;
use web_sys::{CustomEvent, Element, HtmlElement, HtmlInputElement, HtmlTextAreaElement};

wasm_bindgen_test_configure!(run_in_browser);

const BASIC: &str = include_str!("../../tests/vectors/basic.json");

fn mount() -> (HtmlElement, RosterUsers) {
    let doc = web_sys::window().unwrap().document().unwrap();
    let host: HtmlElement = doc.create_element("div").unwrap().dyn_into().unwrap();
    doc.body().unwrap().append_child(&host).unwrap();
    let element = RosterUsers::new(host.clone()).unwrap();
    (host, element)
}

/// The basic org, seen by `viewer`.
fn basic(viewer: &str) -> (HtmlElement, RosterUsers) {
    let (host, element) = mount();
    let bytes = compact(&basic_document());
    element.load_org(&bytes, None, Some(viewer.into())).unwrap();
    (host, element)
}

fn root(host: &HtmlElement) -> ShadowRoot {
    host.shadow_root().unwrap()
}

fn basic_document() -> String {
    let vector: serde_json::Value = serde_json::from_str(BASIC).unwrap();
    vector["org"].to_string()
}

/// A generated demo org of `users` users, as the build writes `demo-org.bin`.
fn demo_org(users: usize) -> Vec<u8> {
    let spec = roster_engine::demo::DemoSpec::small(users, 7);
    roster_engine::demo::generate(&spec).to_compact()
}

/// An org document in the compact form the element reads.
fn compact(json: &str) -> Vec<u8> {
    roster_engine::Org::from_json(json).unwrap().to_compact()
}

/// A compact document with one text replaced, the new one unchecked (both under 128 bytes).
fn replace_text(bytes: &[u8], old: &str, new: &str) -> Vec<u8> {
    let mut needle = vec![old.len() as u8];
    needle.extend_from_slice(old.as_bytes());
    let at = bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap();
    let mut out = bytes[..at].to_vec();
    out.push(new.len() as u8);
    out.extend_from_slice(new.as_bytes());
    out.extend_from_slice(&bytes[at + needle.len()..]);
    out
}

fn find(host: &HtmlElement, selector: &str) -> Option<Element> {
    root(host).query_selector(selector).unwrap()
}

fn text(host: &HtmlElement, selector: &str) -> String {
    let found = find(host, selector).unwrap_or_else(|| panic!("nothing matches {selector}"));
    found.text_content().unwrap()
}

fn texts(host: &HtmlElement, selector: &str) -> Vec<String> {
    let cells = root(host).query_selector_all(selector).unwrap();
    (0..cells.length())
        .map(|i| cells.item(i).unwrap().text_content().unwrap())
        .collect()
}

fn click(host: &HtmlElement, selector: &str) {
    let found = find(host, selector).unwrap_or_else(|| panic!("nothing matches {selector}"));
    found.dyn_into::<HtmlElement>().unwrap().click();
}

/// The action buttons on `user`'s row.
fn row_actions(host: &HtmlElement, user: &str) -> Vec<String> {
    let selector = format!("tr[data-user={user}] .actions button");
    let buttons = root(host).query_selector_all(&selector).unwrap();
    (0..buttons.length())
        .map(|i| {
            let b: Element = buttons.item(i).unwrap().dyn_into().unwrap();
            b.get_attribute("data-action").unwrap()
        })
        .collect()
}

/// A promise that resolves to `value` after `millis`.
fn later(millis: i32, value: JsValue) -> Promise {
    Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_1(&resolve, millis, &value)
            .unwrap();
    })
}

/// Lets spawned tasks and promise callbacks run for `millis`.
async fn wait(millis: i32) {
    JsFuture::from(later(millis, JsValue::NULL)).await.unwrap();
}

/// Lets spawned tasks and promise callbacks run.
async fn settle() {
    wait(10).await;
}

/// Records the `roster-<name>` events the host sees, as `action target` strings.
fn record(host: &HtmlElement, name: &str) -> Rc<RefCell<Vec<String>>> {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let sink = seen.clone();
    let listener = Closure::<dyn FnMut(CustomEvent)>::new(move |event: CustomEvent| {
        let detail = event.detail();
        let field = |key: &str| {
            let value = Reflect::get(&detail, &key.into()).unwrap();
            js_sys::JSON::stringify(&value)
                .unwrap()
                .as_string()
                .unwrap()
        };
        sink.borrow_mut()
            .push(format!("{} {}", field("action"), field("target")));
    });
    host.add_event_listener_with_callback(
        &format!("roster-{name}"),
        listener.as_ref().unchecked_ref(),
    )
    .unwrap();
    listener.forget();
    seen
}

#[wasm_bindgen_test]
fn renders_every_user_with_seat_usage() {
    let (host, _element) = basic("usr_owner");
    assert_eq!(texts(&host, "tbody tr").len(), 9);
    assert_eq!(text(&host, ".seat-label"), "3 of 4 seats used");
    let meter = find(&host, "meter").unwrap();
    assert_eq!(meter.get_attribute("value").unwrap(), "3");
    assert_eq!(meter.get_attribute("max").unwrap(), "4");
    assert_eq!(text(&host, "tr[data-user=usr_member] .groups"), "platform");
    assert_eq!(text(&host, "tr[data-user=usr_member] .devices"), "1");
    assert_eq!(
        text(&host, "tr[data-user=usr_invited] .last-active"),
        "Never"
    );
    assert_eq!(text(&host, "tr[data-user=usr_invited] .badge"), "Invited");
    assert_eq!(text(&host, ".pager span"), "1–9 of 9");
}

#[wasm_bindgen_test]
fn sorting_by_a_header_and_reversing_announces_the_order() {
    let (host, _element) = basic("usr_owner");
    click(&host, "th button[data-key=status]");
    let statuses = texts(&host, "tbody .badge");
    assert_eq!(statuses.first().unwrap(), "Invited");
    let th = find(&host, "th[aria-sort=ascending]").unwrap();
    assert_eq!(th.text_content().unwrap(), "Status");
    click(&host, "th button[data-key=status]");
    assert!(find(&host, "th[aria-sort=descending]").is_some());
    let reversed = texts(&host, "tbody .badge");
    assert_eq!(reversed.first().unwrap(), "Deactivated");
}

#[wasm_bindgen_test]
fn sorting_by_email_through_the_api() {
    let (host, element) = basic("usr_owner");
    element.sort_by("email").unwrap();
    let emails = texts(&host, "tbody .email");
    let mut sorted = emails.clone();
    sorted.sort();
    assert_eq!(emails, sorted);
    assert!(element.sort_by("shoe_size").is_err());
}

#[wasm_bindgen_test]
fn search_filters_by_name_or_email() {
    let (host, element) = basic("usr_owner");
    element.set_search("GRACE").unwrap();
    assert_eq!(texts(&host, "tbody .email"), vec!["grace@example.com"]);
    element.set_search("nobody-like-this").unwrap();
    assert_eq!(text(&host, "td.state"), "No users match these filters.");
    // Typing in the box filters too, and the box keeps its focus.
    element.set_search("").unwrap();
    let input: HtmlInputElement = find(&host, "input[type=search]")
        .unwrap()
        .dyn_into()
        .unwrap();
    input.focus().unwrap();
    input.set_value("turing");
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    let typed = web_sys::Event::new_with_event_init_dict("input", &init).unwrap();
    input.dispatch_event(&typed).unwrap();
    assert_eq!(texts(&host, "tbody .email"), vec!["alan@example.com"]);
    let focused = root(&host).active_element().unwrap();
    assert_eq!(focused.get_attribute("data-filter").unwrap(), "search");
}

#[wasm_bindgen_test]
fn filters_by_status_role_group_and_seat() {
    let (host, element) = basic("usr_owner");
    element.set_filter("status", "suspended").unwrap();
    assert_eq!(texts(&host, "tbody .email"), vec!["barbara@example.com"]);
    element.set_filter("status", "").unwrap();
    element.set_filter("group", "helpdesk").unwrap();
    assert_eq!(texts(&host, "tbody .email"), vec!["ken@example.com"]);
    element.set_filter("group", "").unwrap();
    element.set_filter("seat", "yes").unwrap();
    assert_eq!(texts(&host, "tbody tr").len(), 3);
    element.set_filter("seat", "").unwrap();
    element.set_filter("role", "billing").unwrap();
    let billing = texts(&host, "tbody .email");
    assert!(
        billing.contains(&"margaret@example.com".to_owned()),
        "{billing:?}"
    );
    assert!(element.set_filter("seat", "maybe").is_err());
    assert!(element.set_filter("status", "asleep").is_err());
}

#[wasm_bindgen_test]
fn pages_of_fifty_with_next_and_previous() {
    let (host, element) = mount();
    element.load_demo(&demo_org(120)).unwrap();
    assert_eq!(texts(&host, "tbody tr").len(), 50);
    let first_page = texts(&host, "tbody .email");
    assert!(find(&host, "[data-action=previous][disabled]").is_some());
    click(&host, "[data-action=next]");
    assert_eq!(text(&host, ".pager span"), "51–100 of 120");
    let second_page = texts(&host, "tbody .email");
    assert!(second_page.iter().all(|e| !first_page.contains(e)));
    click(&host, "[data-action=next]");
    assert_eq!(texts(&host, "tbody tr").len(), 20);
    assert!(find(&host, "[data-action=next][disabled]").is_some());
    click(&host, "[data-action=previous]");
    click(&host, "[data-action=previous]");
    assert_eq!(texts(&host, "tbody .email"), first_page);
}

#[wasm_bindgen_test]
fn actions_are_shown_only_to_those_who_may_take_them() {
    let (host, element) = basic("usr_viewer_missing");
    assert!(
        find(&host, "button.invite").is_none(),
        "a stranger may not invite"
    );
    element.set_viewer("usr_admin").unwrap();
    assert!(find(&host, "button.invite").is_some());
    let on_member = row_actions(&host, "usr_member");
    for action in ["roles", "unassign_seat", "suspend", "deactivate", "devices"] {
        assert!(on_member.contains(&action.to_owned()), "{on_member:?}");
    }
    assert_eq!(
        row_actions(&host, "usr_suspended")[..2],
        ["roles", "reactivate"]
    );
    assert_eq!(
        row_actions(&host, "usr_invited"),
        ["resend_invitation", "revoke_invitation"]
    );
    assert!(row_actions(&host, "usr_deact").is_empty());
    // No one suspends or deactivates themselves from the table.
    let own = row_actions(&host, "usr_admin");
    assert!(!own.contains(&"suspend".to_owned()) && !own.contains(&"deactivate".to_owned()));
    element.set_viewer("usr_member").unwrap();
    assert!(find(&host, "button.invite").is_none());
    assert_eq!(row_actions(&host, "usr_noseat"), Vec::<String>::new());
    assert_eq!(
        row_actions(&host, "usr_member"),
        ["devices"],
        "one's own devices"
    );
    element.set_viewer("usr_suspended").unwrap();
    assert!(
        find(&host, ".actions button").is_none(),
        "a suspended admin may do nothing"
    );
}

#[wasm_bindgen_test]
async fn suspending_asks_first_then_frees_the_seat_and_says_so() {
    let (host, _element) = basic("usr_owner");
    let changes = record(&host, "change");
    click(&host, "tr[data-user=usr_member] [data-action=suspend]");
    let dialog = find(&host, "dialog[open]").expect("a confirmation");
    assert!(dialog
        .text_content()
        .unwrap()
        .contains("Suspend Alan Turing?"));
    click(&host, "dialog [data-action=dialog-cancel]");
    assert!(find(&host, "dialog").is_none());
    assert_eq!(text(&host, "tr[data-user=usr_member] .badge"), "Active");
    let focused = root(&host).active_element().unwrap();
    assert_eq!(
        focused.get_attribute("data-action").unwrap(),
        "suspend",
        "focus came back"
    );

    click(&host, "tr[data-user=usr_member] [data-action=suspend]");
    click(&host, "dialog [data-action=dialog-confirm]");
    settle().await;
    assert_eq!(text(&host, "tr[data-user=usr_member] .badge"), "Suspended");
    assert_eq!(text(&host, ".seat-label"), "2 of 4 seats used");
    assert_eq!(*changes.borrow(), vec![r#""suspend" "usr_member""#]);
    assert!(text(&host, ".toasts").contains("Alan Turing is suspended."));
}

#[wasm_bindgen_test]
async fn the_engine_refuses_before_anything_is_sent() {
    let (host, element) = basic("usr_owner");
    let errors = record(&host, "error");
    // Four seats, three held: one more fits, a second does not.
    click(&host, "tr[data-user=usr_noseat] [data-action=assign_seat]");
    settle().await;
    assert_eq!(text(&host, ".seat-label"), "4 of 4 seats used");
    element.set_filter("seat", "no").unwrap();
    click(&host, "tr[data-user=usr_support] [data-action=assign_seat]");
    settle().await;
    assert_eq!(text(&host, ".seat-label"), "4 of 4 seats used");
    assert_eq!(errors.borrow().len(), 1, "{:?}", errors.borrow());
    assert!(errors.borrow()[0].starts_with(r#""assign_seat" "usr_support""#));
    assert!(find(&host, ".toast.error").is_some());
}

#[wasm_bindgen_test]
async fn refusals_are_told_in_the_viewers_language() {
    let (host, element) = basic("usr_owner");
    element.set_locale("fr").unwrap();
    // The engine's own refusal: the last free seat taken, then one more asked for.
    click(&host, "tr[data-user=usr_noseat] [data-action=assign_seat]");
    settle().await;
    element.set_filter("seat", "no").unwrap();
    click(&host, "tr[data-user=usr_support] [data-action=assign_seat]");
    settle().await;
    let toast = text(&host, ".toast.error");
    assert!(toast.contains("Aucun siège libre"), "{toast}");
    // The server's refusal, by its code; an unknown code keeps the server's sentence.
    let problem = r#"{"status":409,"code":"last_owner","detail":"the org must keep one"}"#;
    let (send, reload, _) = fake_transport(409, problem);
    element.set_transport(Some(send), Some(reload));
    element.set_filter("seat", "").unwrap();
    click(&host, "tr[data-user=usr_member] [data-action=suspend]");
    click(&host, "dialog [data-action=dialog-confirm]");
    wait(100).await;
    assert!(text(&host, ".toasts").contains("au moins un propriétaire actif"));
}

/// A fake `send` that answers every call with `status` after 50 ms and counts the calls; and
/// a `reload` that counts its calls.
fn fake_transport(status: u16, body: &str) -> (Function, Function, Rc<RefCell<(u32, u32)>>) {
    let calls = Rc::new(RefCell::new((0, 0)));
    let (sent, reloaded) = (calls.clone(), calls.clone());
    let body = body.to_owned();
    let send = Closure::<dyn FnMut() -> Promise>::new(move || {
        sent.borrow_mut().0 += 1;
        let answer = Object::new();
        Reflect::set(&answer, &"status".into(), &status.into()).unwrap();
        Reflect::set(&answer, &"etag".into(), &JsValue::NULL).unwrap();
        Reflect::set(&answer, &"body".into(), &body.clone().into()).unwrap();
        later(50, answer.into())
    });
    let reload = Closure::<dyn FnMut() -> Promise>::new(move || {
        reloaded.borrow_mut().1 += 1;
        Promise::resolve(&JsValue::UNDEFINED)
    });
    let send: Function = send.into_js_value().unchecked_into();
    let reload: Function = reload.into_js_value().unchecked_into();
    (send, reload, calls)
}

#[wasm_bindgen_test]
async fn a_server_refusal_rolls_back_and_shows_why() {
    let (host, element) = basic("usr_owner");
    let problem = r#"{"status":409,"title":"Conflict","detail":"no seat is free"}"#;
    let (send, reload, calls) = fake_transport(409, problem);
    element.set_transport(Some(send), Some(reload));
    let errors = record(&host, "error");
    click(&host, "tr[data-user=usr_noseat] [data-action=assign_seat]");
    // Drawn at once, before the server answers...
    settle().await;
    assert_eq!(text(&host, ".seat-label"), "4 of 4 seats used");
    wait(100).await;
    // ...and taken back when it refuses.
    assert_eq!(text(&host, ".seat-label"), "3 of 4 seats used");
    assert_eq!(*calls.borrow(), (1, 0));
    assert!(text(&host, ".toast.error").contains("no seat is free"));
    assert!(errors.borrow()[0].starts_with(r#""assign_seat""#));
}

#[wasm_bindgen_test]
async fn a_stale_org_is_reloaded_and_the_viewer_told() {
    let (host, element) = basic("usr_owner");
    let (send, reload, calls) = fake_transport(412, "{}");
    element.set_transport(Some(send), Some(reload));
    click(&host, "tr[data-user=usr_noseat] [data-action=assign_seat]");
    wait(100).await;
    assert_eq!(text(&host, ".seat-label"), "3 of 4 seats used");
    assert_eq!(*calls.borrow(), (1, 1), "sent once, then reloaded");
    assert!(text(&host, ".toast.error").contains("Someone else changed this organisation"));
}

#[wasm_bindgen_test]
async fn the_invite_dialog_checks_emails_in_the_engine() {
    let (host, _element) = basic("usr_admin");
    let changes = record(&host, "change");
    click(&host, "button.invite");
    assert!(find(&host, "dialog[open] textarea[name=emails]").is_some());
    let emails: HtmlTextAreaElement = find(&host, "textarea[name=emails]")
        .unwrap()
        .dyn_into()
        .unwrap();
    emails.set_value("new@example.com, not-an-email");
    click(&host, "dialog [data-action=dialog-confirm]");
    let error = text(&host, "[data-error-for=emails]");
    assert!(error.starts_with("invitations[1].email"), "{error}");
    // An address already in the org is refused by the engine, next to the emails.
    emails.set_value("grace@example.com");
    click(&host, "dialog [data-action=dialog-confirm]");
    settle().await;
    assert!(
        find(&host, "dialog[open]").is_some(),
        "the dialog stays to show why"
    );
    assert!(!text(&host, "dialog .field-error").is_empty());
    emails.set_value("new@example.com\nother@example.com");
    click(&host, "dialog [data-action=dialog-confirm]");
    settle().await;
    assert!(find(&host, "dialog").is_none());
    let invited = texts(&host, "tbody tr .email");
    assert!(
        invited.contains(&"new@example.com".to_owned()),
        "{invited:?}"
    );
    assert_eq!(
        *changes.borrow(),
        vec![r#""invite" ["new@example.com","other@example.com"]"#]
    );
}

#[wasm_bindgen_test]
async fn roles_are_given_and_taken_in_a_dialog() {
    let (host, _element) = basic("usr_owner");
    click(&host, "tr[data-user=usr_billing] [data-action=roles]");
    let box_for = |role: &str| -> HtmlInputElement {
        find(&host, &format!("dialog input[value={role}]"))
            .unwrap()
            .dyn_into()
            .unwrap()
    };
    assert!(box_for("billing").checked());
    box_for("billing").set_checked(false);
    box_for("viewer").set_checked(true);
    click(&host, "dialog [data-action=dialog-confirm]");
    settle().await;
    assert_eq!(text(&host, "tr[data-user=usr_billing] .roles"), "viewer");
}

#[wasm_bindgen_test]
async fn devices_are_listed_and_revoked() {
    let (host, _element) = basic("usr_owner");
    click(&host, "tr[data-user=usr_member] [data-action=devices]");
    assert!(text(&host, "dialog[open]").contains("Alan's laptop"));
    click(&host, "dialog [data-action=dialog-revoke-device]");
    assert!(text(&host, "dialog[open]").contains("Revoke this device of Alan Turing?"));
    click(&host, "dialog [data-action=dialog-confirm]");
    settle().await;
    assert_eq!(text(&host, "tr[data-user=usr_member] .devices"), "0");
}

#[wasm_bindgen_test]
fn french_words_numbers_and_dates() {
    let (host, element) = mount();
    element.set_locale("fr-FR").unwrap();
    element.load_demo(&demo_org(1200)).unwrap();
    assert_eq!(text(&host, "h2"), "Utilisateurs");
    let range = text(&host, ".pager span");
    // French groups thousands with a narrow no-break space.
    assert_eq!(range, "1–50 sur 1\u{202f}200");
    assert!(text(&host, ".seat-label").contains("sièges utilisés sur"));
    let days = texts(&host, "tbody .last-active");
    let months = [
        "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.",
    ];
    let more = ["oct.", "nov.", "déc.", "Jamais"];
    assert!(
        days.iter()
            .all(|d| months.iter().chain(&more).any(|m| d.contains(m))),
        "{days:?}"
    );
}

#[wasm_bindgen_test]
fn user_data_is_text_never_markup() {
    let (host, element) = basic("usr_owner");
    // The engine refuses `<` and `>` in names, so markup can't reach a row; entities and
    // quotes can, and must show as typed rather than decoded.
    let doc = basic_document().replace("Ada Lovelace", "Ada &amp; \\\"Lovelace\\\" &lt;b&gt;");
    element.load_org(&compact(&doc), None, None).unwrap();
    assert_eq!(
        text(&host, "tr[data-user=usr_owner] .name"),
        "Ada &amp; \"Lovelace\" &lt;b&gt;"
    );
    // A refused document's error names the markup, and shows it as text too.
    let good = compact(&basic_document());
    let markup = replace_text(&good, "Ada Lovelace", "<img src=x onerror=alert(1)>");
    let error = element.load_org(&markup, None, None).unwrap_err();
    let message: js_sys::Error = JsValue::from(error).dyn_into().unwrap();
    element
        .show_error(&String::from(message.message()))
        .unwrap();
    assert!(text(&host, "[role=alert]").contains("<img src=x onerror=alert(1)>"));
    assert!(find(&host, "img, script").is_none());
}

#[wasm_bindgen_test]
fn demo_mode_needs_no_server() {
    let (host, element) = mount();
    element.load_demo(&demo_org(120)).unwrap();
    assert_eq!(texts(&host, "tbody tr").len(), 50, "one page of 50");
    assert!(
        find(&host, "button.invite").is_some(),
        "the demo viewer owns"
    );
}
