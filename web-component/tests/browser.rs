//! `<roster-users>` in headless Chromium: rendering from an org document, sorting, search,
//! actions shown by permission, and the engine's decision vectors in the browser.
#![cfg(target_arch = "wasm32")]
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    missing_docs,
    reason = "tests fail loudly"
)]

use roster_element::RosterUsers;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{HtmlElement, ShadowRoot};

wasm_bindgen_test_configure!(run_in_browser);

const BASIC: &str = include_str!("../../tests/vectors/basic.json");

fn mount() -> (HtmlElement, RosterUsers) {
    let doc = web_sys::window().unwrap().document().unwrap();
    let host: HtmlElement = doc.create_element("div").unwrap().dyn_into().unwrap();
    doc.body().unwrap().append_child(&host).unwrap();
    let element = RosterUsers::new(host.clone()).unwrap();
    (host, element)
}

fn root(host: &HtmlElement) -> ShadowRoot {
    host.shadow_root().unwrap()
}

fn basic_document() -> String {
    let vector: serde_json::Value = serde_json::from_str(BASIC).unwrap();
    vector["org"].to_string()
}

fn column(host: &HtmlElement, class: &str) -> Vec<String> {
    let cells = root(host)
        .query_selector_all(&format!("tbody td.{class}"))
        .unwrap();
    (0..cells.length())
        .map(|i| cells.item(i).unwrap().text_content().unwrap())
        .collect()
}

#[wasm_bindgen_test]
fn renders_every_user_with_seat_usage() {
    let (host, element) = mount();
    element.load_document(&basic_document()).unwrap();
    let rows = root(&host).query_selector_all("tbody tr").unwrap();
    assert_eq!(rows.length(), 9);
    let label = root(&host).query_selector(".seat-label").unwrap().unwrap();
    assert_eq!(label.text_content().unwrap(), "3 of 4 seats used");
}

#[wasm_bindgen_test]
fn sorting_by_email_and_reversing() {
    let (host, element) = mount();
    element.load_document(&basic_document()).unwrap();
    element.sort_by("email").unwrap();
    let emails = column(&host, "email");
    let mut sorted = emails.clone();
    sorted.sort();
    assert_eq!(emails, sorted);
    element.sort_by("email").unwrap();
    let mut reversed = column(&host, "email");
    reversed.reverse();
    assert_eq!(reversed, sorted);
    let th = root(&host)
        .query_selector("th[aria-sort=descending]")
        .unwrap()
        .unwrap();
    assert_eq!(th.text_content().unwrap(), "Email");
}

#[wasm_bindgen_test]
fn search_filters_by_name_or_email() {
    let (host, element) = mount();
    element.load_document(&basic_document()).unwrap();
    element.set_search("GRACE").unwrap();
    assert_eq!(column(&host, "email"), vec!["grace@example.com".to_owned()]);
    element.set_search("nobody-like-this").unwrap();
    let empty = root(&host).query_selector("td.empty").unwrap().unwrap();
    assert_eq!(empty.text_content().unwrap(), "No users match.");
}

#[wasm_bindgen_test]
fn invite_button_only_for_viewers_who_may_invite() {
    let (host, element) = mount();
    element.load_document(&basic_document()).unwrap();
    element.set_viewer("usr_member").unwrap();
    assert!(root(&host)
        .query_selector("button.invite")
        .unwrap()
        .is_none());
    element.set_viewer("usr_admin").unwrap();
    assert!(root(&host)
        .query_selector("button.invite")
        .unwrap()
        .is_some());
    element.set_viewer("usr_suspended").unwrap();
    assert!(root(&host)
        .query_selector("button.invite")
        .unwrap()
        .is_none());
}

#[wasm_bindgen_test]
fn user_data_is_text_never_markup() {
    let (host, element) = mount();
    // The engine refuses markup in names, so the closest a document can get is an email full
    // of symbols; what counts is that the cell holds text nodes only.
    element.load_document(&basic_document()).unwrap();
    let cells = root(&host).query_selector_all("tbody td.email").unwrap();
    for i in 0..cells.length() {
        let cell = cells.item(i).unwrap();
        assert_eq!(cell.child_nodes().length(), 1);
        assert_eq!(
            cell.first_child().unwrap().node_type(),
            web_sys::Node::TEXT_NODE
        );
    }
    assert!(root(&host)
        .query_selector("tbody img, tbody script")
        .unwrap()
        .is_none());
}

#[wasm_bindgen_test]
fn demo_mode_needs_no_server() {
    let (host, element) = mount();
    element.load_demo(120, 7).unwrap();
    let rows = root(&host).query_selector_all("tbody tr").unwrap();
    assert_eq!(rows.length(), 50, "one page of 50");
    assert!(
        root(&host)
            .query_selector("button.invite")
            .unwrap()
            .is_some(),
        "the demo viewer owns"
    );
}
