//! Listing users: filters, sorting, and cursors that cover every user exactly once.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    missing_docs,
    reason = "tests fail loudly"
)]

use std::collections::BTreeSet;

use roster_engine::query::fold_case;
use roster_engine::{demo, Org, SortKey, SortOrder, Status, UserQuery};

fn org() -> Org {
    demo::generate(&demo::DemoSpec::small(400, 11))
}

fn all_pages(org: &Org, mut query: UserQuery) -> Vec<String> {
    let mut ids = Vec::new();
    let mut pages = 0;
    loop {
        let page = org.list_users(&query).unwrap();
        ids.extend(page.users.iter().map(|u| u.id.to_string()));
        pages += 1;
        assert!(pages < 1_000, "pagination does not end");
        match page.next_cursor {
            Some(cursor) => query.cursor = Some(cursor),
            None => return ids,
        }
    }
}

#[test]
fn pages_cover_every_user_once_in_order_for_every_sort() {
    let org = org();
    for sort in [
        SortKey::Name,
        SortKey::Email,
        SortKey::Status,
        SortKey::LastActive,
        SortKey::Created,
    ] {
        for order in [SortOrder::Asc, SortOrder::Desc] {
            let query = UserQuery {
                sort,
                order,
                limit: 37,
                ..UserQuery::default()
            };
            let paged = all_pages(&org, query.clone());
            let whole = org
                .list_users(&UserQuery {
                    limit: 500,
                    ..query
                })
                .unwrap();
            let whole: Vec<String> = whole.users.iter().map(|u| u.id.to_string()).collect();
            assert_eq!(paged.len(), 400, "{sort:?} {order:?}");
            assert_eq!(
                paged, whole,
                "{sort:?} {order:?}: pages differ from one big page"
            );
            let unique: BTreeSet<_> = paged.iter().collect();
            assert_eq!(unique.len(), 400);
        }
    }
}

#[test]
fn sorting_by_name_ignores_case_and_reverses() {
    let org = org();
    let page = org
        .list_users(&UserQuery {
            limit: 500,
            ..UserQuery::default()
        })
        .unwrap();
    let names: Vec<String> = page
        .users
        .iter()
        .map(|u| fold_case(u.name.as_ref().map_or(u.email.as_str(), |n| n.as_str())))
        .collect();
    assert!(names.windows(2).all(|w| w[0] <= w[1]));
    let desc = org
        .list_users(&UserQuery {
            limit: 500,
            order: SortOrder::Desc,
            ..UserQuery::default()
        })
        .unwrap();
    let mut reversed = desc.users.clone();
    reversed.reverse();
    assert_eq!(reversed, page.users);
}

#[test]
fn filters_combine() {
    let org = org();
    let query = UserQuery {
        status: vec![Status::Active],
        seat: Some(false),
        limit: 500,
        ..UserQuery::default()
    };
    let page = org.list_users(&query).unwrap();
    assert!(page.total > 0);
    assert!(page
        .users
        .iter()
        .all(|u| u.status == Status::Active && !u.seat));
    let expected = org
        .users()
        .filter(|u| u.status == Status::Active && !u.seat)
        .count();
    assert_eq!(page.total, expected);

    // A role filter counts roles held through groups.
    let role = "member";
    let page = org
        .list_users(&UserQuery {
            role: Some(role.try_into().unwrap()),
            limit: 500,
            ..Default::default()
        })
        .unwrap();
    let expected: Vec<_> = org
        .users()
        .filter(|u| org.holds_role(u, role))
        .map(|u| &u.id)
        .collect();
    let got: Vec<_> = page.users.iter().map(|u| &u.id).collect();
    assert_eq!(got.len(), expected.len());
    assert!(org
        .users()
        .any(|u| !u.roles.contains(role) && org.holds_role(u, role)));

    let group = org.groups().next().unwrap().key.clone();
    let page = org
        .list_users(&UserQuery {
            group: Some(group.clone()),
            limit: 500,
            ..Default::default()
        })
        .unwrap();
    assert!(page.total > 0 && page.users.iter().all(|u| u.groups.contains(&group)));
}

#[test]
fn search_matches_name_or_email_ignoring_case() {
    let org = org();
    let page = org
        .list_users(&UserQuery {
            search: Some("  LOVELACE ".into()),
            limit: 500,
            ..Default::default()
        })
        .unwrap();
    assert!(page.total > 0);
    assert!(page
        .users
        .iter()
        .all(|u| u.email.as_str().contains("lovelace")
            || u.name
                .as_ref()
                .is_some_and(|n| fold_case(n.as_str()).contains("lovelace"))));
    let page = org
        .list_users(&UserQuery {
            search: Some("zoë".into()),
            limit: 500,
            ..Default::default()
        })
        .unwrap();
    assert!(page.total > 0, "non-ASCII names are searchable");
    let page = org
        .list_users(&UserQuery {
            search: Some("no such person".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        (page.total, page.users.len(), page.next_cursor),
        (0, 0, None)
    );
}

#[test]
fn bad_queries_name_the_parameter() {
    let org = org();
    let cases = [
        (
            UserQuery {
                limit: 501,
                ..Default::default()
            },
            "limit",
        ),
        (
            UserQuery {
                search: Some("x".repeat(201)),
                ..Default::default()
            },
            "search",
        ),
        (
            UserQuery {
                role: Some("wizard".try_into().unwrap()),
                ..Default::default()
            },
            "role",
        ),
        (
            UserQuery {
                group: Some("nowhere".try_into().unwrap()),
                ..Default::default()
            },
            "group",
        ),
        (
            UserQuery {
                cursor: Some("not a cursor".into()),
                ..Default::default()
            },
            "cursor",
        ),
        (
            UserQuery {
                cursor: Some("e30".into()),
                ..Default::default()
            },
            "cursor",
        ),
    ];
    for (query, field) in cases {
        assert_eq!(org.list_users(&query).unwrap_err().field, field);
    }
    let first = org
        .list_users(&UserQuery {
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    let cursor = first.next_cursor.unwrap();
    let e = org
        .list_users(&UserQuery {
            cursor: Some(cursor),
            sort: SortKey::Email,
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(e.field, "cursor");
}

#[test]
fn a_page_continues_correctly_after_users_change() {
    let mut org = org();
    let query = UserQuery {
        limit: 50,
        sort: SortKey::Email,
        ..Default::default()
    };
    let first = org.list_users(&query).unwrap();
    let last_seen = first.users.last().unwrap().email.to_string();
    let cursor = first.next_cursor.clone().unwrap();
    // Invite someone who sorts before the cursor: the next page must not repeat anyone.
    let mut entropy = roster_engine::SeededEntropy::new(5);
    let mut ctx = roster_engine::Context {
        actor: roster_engine::Actor::System,
        now: roster_engine::Timestamp::from_unix_seconds(1_796_000_000),
        entropy: &mut entropy,
    };
    let command = roster_engine::Command::from_json(
        r#"{"command": "invite", "invitations": [{"email": "aaaa@example.com"}]}"#,
    )
    .unwrap();
    org.execute(&mut ctx, &command).unwrap();
    let next = org
        .list_users(&UserQuery {
            cursor: Some(cursor),
            ..query
        })
        .unwrap();
    assert!(next
        .users
        .iter()
        .all(|u| u.email.as_str() > last_seen.as_str()));
}
