//! The element's words in English and French, and numbers and dates formatted for the locale
//! through the browser's `Intl`.
//!
//! Engine errors (why a command was refused) come from the engine in English in both locales;
//! the words around them are translated.

use js_sys::{Array, Date, Function, Intl, Object, Reflect};
use roster_engine::{Status, Timestamp};
use wasm_bindgen::JsValue;

/// A language the element speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English.
    En,
    /// French.
    Fr,
}

impl Lang {
    /// The language of a BCP 47 tag: French for `fr` and `fr-*`, English otherwise.
    pub fn of_tag(tag: &str) -> Lang {
        let primary = tag.split(['-', '_']).next().unwrap_or("");
        if primary.eq_ignore_ascii_case("fr") {
            Lang::Fr
        } else {
            Lang::En
        }
    }
}

/// Every fixed piece of text the element shows.
pub struct Words {
    pub title: &'static str,
    pub invite_user: &'static str,
    pub search_placeholder: &'static str,
    pub search_label: &'static str,
    pub filter_status: &'static str,
    pub filter_role: &'static str,
    pub filter_group: &'static str,
    pub filter_seat: &'static str,
    pub any: &'static str,
    pub with_seat: &'static str,
    pub without_seat: &'static str,
    pub col_name: &'static str,
    pub col_status: &'static str,
    pub col_roles: &'static str,
    pub col_groups: &'static str,
    pub col_seat: &'static str,
    pub col_devices: &'static str,
    pub col_last_active: &'static str,
    pub col_actions: &'static str,
    pub caption: &'static str,
    pub loading: &'static str,
    pub no_match: &'static str,
    pub no_users: &'static str,
    pub previous: &'static str,
    pub next: &'static str,
    pub seat_yes: &'static str,
    pub never: &'static str,
    pub roles_button: &'static str,
    pub assign_seat: &'static str,
    pub unassign_seat: &'static str,
    pub suspend: &'static str,
    pub reactivate: &'static str,
    pub deactivate: &'static str,
    pub resend: &'static str,
    pub revoke: &'static str,
    pub devices_button: &'static str,
    pub cancel: &'static str,
    pub close: &'static str,
    pub save: &'static str,
    pub send_invitations: &'static str,
    pub invite_title: &'static str,
    pub emails_label: &'static str,
    pub emails_hint: &'static str,
    pub roles_label: &'static str,
    pub groups_label: &'static str,
    pub devices_title: &'static str,
    pub no_devices: &'static str,
    pub revoked: &'static str,
    pub last_seen: &'static str,
    pub refused: &'static str,
    pub stale: &'static str,
    pub offline: &'static str,
    pub emails_required: &'static str,
}

const EN: Words = Words {
    title: "Users",
    invite_user: "Invite User",
    search_placeholder: "Search name or email",
    search_label: "Search users by name or email",
    filter_status: "Status",
    filter_role: "Role",
    filter_group: "Group",
    filter_seat: "Seat",
    any: "Any",
    with_seat: "With a seat",
    without_seat: "Without a seat",
    col_name: "Name",
    col_status: "Status",
    col_roles: "Roles",
    col_groups: "Groups",
    col_seat: "Seat",
    col_devices: "Devices",
    col_last_active: "Last active",
    col_actions: "Actions",
    caption: "Members of the organisation",
    loading: "Loading users…",
    no_match: "No users match these filters.",
    no_users: "No users yet. Invite someone to get started.",
    previous: "Previous",
    next: "Next",
    seat_yes: "Seat",
    never: "Never",
    roles_button: "Roles",
    assign_seat: "Assign seat",
    unassign_seat: "Unassign seat",
    suspend: "Suspend",
    reactivate: "Reactivate",
    deactivate: "Deactivate",
    resend: "Resend",
    revoke: "Revoke",
    devices_button: "Devices",
    cancel: "Cancel",
    close: "Close",
    save: "Save",
    send_invitations: "Send invitations",
    invite_title: "Invite users",
    emails_label: "Email addresses",
    emails_hint: "One per line, or separated by commas.",
    roles_label: "Roles",
    groups_label: "Groups",
    devices_title: "Devices",
    no_devices: "No devices seen yet.",
    revoked: "Revoked",
    last_seen: "Last seen",
    refused: "Not done",
    stale: "Someone else changed this organisation. The table was reloaded; try again.",
    offline: "The server could not be reached.",
    emails_required: "Enter at least one email address.",
};

const FR: Words = Words {
    title: "Utilisateurs",
    invite_user: "Inviter",
    search_placeholder: "Rechercher un nom ou un e-mail",
    search_label: "Rechercher des utilisateurs par nom ou e-mail",
    filter_status: "Statut",
    filter_role: "Rôle",
    filter_group: "Groupe",
    filter_seat: "Siège",
    any: "Tous",
    with_seat: "Avec un siège",
    without_seat: "Sans siège",
    col_name: "Nom",
    col_status: "Statut",
    col_roles: "Rôles",
    col_groups: "Groupes",
    col_seat: "Siège",
    col_devices: "Appareils",
    col_last_active: "Dernière activité",
    col_actions: "Actions",
    caption: "Membres de l'organisation",
    loading: "Chargement des utilisateurs…",
    no_match: "Aucun utilisateur ne correspond à ces filtres.",
    no_users: "Aucun utilisateur pour l'instant. Invitez quelqu'un pour commencer.",
    previous: "Précédent",
    next: "Suivant",
    seat_yes: "Siège",
    never: "Jamais",
    roles_button: "Rôles",
    assign_seat: "Attribuer un siège",
    unassign_seat: "Retirer le siège",
    suspend: "Suspendre",
    reactivate: "Réactiver",
    deactivate: "Désactiver",
    resend: "Renvoyer",
    revoke: "Révoquer",
    devices_button: "Appareils",
    cancel: "Annuler",
    close: "Fermer",
    save: "Enregistrer",
    send_invitations: "Envoyer les invitations",
    invite_title: "Inviter des utilisateurs",
    emails_label: "Adresses e-mail",
    emails_hint: "Une par ligne, ou séparées par des virgules.",
    roles_label: "Rôles",
    groups_label: "Groupes",
    devices_title: "Appareils",
    no_devices: "Aucun appareil vu pour l'instant.",
    revoked: "Révoqué",
    last_seen: "Vu pour la dernière fois",
    refused: "Non effectué",
    stale: "Quelqu'un d'autre a modifié cette organisation. Le tableau a été rechargé ; \
        réessayez.",
    offline: "Le serveur est injoignable.",
    emails_required: "Saisissez au moins une adresse e-mail.",
};

/// The words, numbers and dates of one locale.
pub struct Locale {
    pub lang: Lang,
    pub words: &'static Words,
    number: Option<Function>,
    date: Option<Function>,
}

impl Locale {
    /// The locale of a BCP 47 tag (`en`, `fr-FR`, ...). Formats fall back to plain digits and
    /// ISO dates where `Intl` is missing.
    pub fn new(tag: &str) -> Locale {
        let lang = Lang::of_tag(tag);
        let tag = if tag.is_empty() { "en" } else { tag };
        let tags = Array::of1(&JsValue::from_str(tag));
        let number = Intl::NumberFormat::new(&tags, &Object::new()).format();
        let options = Object::new();
        let _ = Reflect::set(&options, &"dateStyle".into(), &"medium".into());
        let date = Intl::DateTimeFormat::new(&tags, &options).format();
        Locale {
            lang,
            words: match lang {
                Lang::En => &EN,
                Lang::Fr => &FR,
            },
            number: Some(number),
            date: Some(date),
        }
    }

    /// A count as the locale writes it (`10,000` or `10 000`).
    pub fn number(&self, n: usize) -> String {
        self.number
            .as_ref()
            .and_then(|f| f.call1(&JsValue::NULL, &JsValue::from_f64(n as f64)).ok())
            .and_then(|v| v.as_string())
            .unwrap_or_else(|| n.to_string())
    }

    /// A day as the locale writes it (`3 Dec 2026`, `3 déc. 2026`).
    pub fn date(&self, at: Timestamp) -> String {
        let millis = at.unix_seconds() as f64 * 1000.0;
        self.date
            .as_ref()
            .and_then(|f| f.call1(&JsValue::NULL, &Date::new(&millis.into())).ok())
            .and_then(|v| v.as_string())
            .unwrap_or_else(|| at.to_string().chars().take(10).collect())
    }

    /// "32 of 40 seats used".
    pub fn seat_usage(&self, held: u32, purchased: u32) -> String {
        let (held, purchased) = (self.number(held as usize), self.number(purchased as usize));
        match self.lang {
            Lang::En => format!("{held} of {purchased} seats used"),
            Lang::Fr => format!("{held} sièges utilisés sur {purchased}"),
        }
    }

    /// "1–50 of 10,000".
    pub fn range(&self, first: usize, last: usize, total: usize) -> String {
        let (a, b, n) = (self.number(first), self.number(last), self.number(total));
        match self.lang {
            Lang::En => format!("{a}–{b} of {n}"),
            Lang::Fr => format!("{a}–{b} sur {n}"),
        }
    }

    /// A status as a word.
    pub fn status(&self, status: Status) -> &'static str {
        match (self.lang, status) {
            (Lang::En, Status::Invited) => "Invited",
            (Lang::En, Status::Active) => "Active",
            (Lang::En, Status::Suspended) => "Suspended",
            (Lang::En, Status::Deactivated) => "Deactivated",
            (Lang::Fr, Status::Invited) => "Invité",
            (Lang::Fr, Status::Active) => "Actif",
            (Lang::Fr, Status::Suspended) => "Suspendu",
            (Lang::Fr, Status::Deactivated) => "Désactivé",
        }
    }

    /// The question asked before a destructive action on `who`.
    pub fn confirm(&self, action: &str, who: &str) -> String {
        match (self.lang, action) {
            (Lang::En, "suspend") => format!("Suspend {who}? They lose access until reactivated."),
            (Lang::En, "deactivate") => {
                format!("Deactivate {who}? Their membership ends and their seat is freed.")
            }
            (Lang::En, "unassign_seat") => format!("Take {who}'s seat? They lose product access."),
            (Lang::En, "revoke_invitation") => format!("Revoke the invitation to {who}?"),
            (Lang::En, _) => format!("Revoke this device of {who}?"),
            (Lang::Fr, "suspend") => {
                format!("Suspendre {who} ? Son accès est coupé jusqu'à sa réactivation.")
            }
            (Lang::Fr, "deactivate") => {
                format!("Désactiver {who} ? Son adhésion prend fin et son siège est libéré.")
            }
            (Lang::Fr, "unassign_seat") => {
                format!("Retirer le siège de {who} ? Son accès au produit est coupé.")
            }
            (Lang::Fr, "revoke_invitation") => format!("Révoquer l'invitation de {who} ?"),
            (Lang::Fr, _) => format!("Révoquer cet appareil de {who} ?"),
        }
    }

    /// The word on a row action's button.
    pub fn action(&self, action: &str) -> &'static str {
        let w = self.words;
        match action {
            "roles" => w.roles_button,
            "assign_seat" => w.assign_seat,
            "unassign_seat" => w.unassign_seat,
            "suspend" => w.suspend,
            "reactivate" => w.reactivate,
            "deactivate" => w.deactivate,
            "resend_invitation" => w.resend,
            "revoke_invitation" | "revoke_device" => w.revoke,
            _ => w.devices_button,
        }
    }

    /// Why a change was refused, from the engine's stable `code` (the same in the engine and
    /// in the API's problem bodies) and its English sentence. The French sentences carry no
    /// values; where none fits, the English one is kept.
    pub fn refusal(&self, code: &str, english: &str) -> String {
        if self.lang == Lang::En {
            return english.to_owned();
        }
        let french = match code {
            "forbidden" => "Vous n’avez pas la permission de faire cela.",
            "actor_not_active" => "Votre compte n’est pas actif.",
            "escalation" => "Refusé : cela donnerait des permissions que vous n’avez pas.",
            "last_owner" => "L’organisation doit garder au moins un propriétaire actif.",
            "seats_exhausted" => "Aucun siège libre : libérez-en un ou achetez-en davantage.",
            "invalid_transition" => "Ce changement de statut n’est pas possible pour lui.",
            "email_taken" => "Cette adresse est déjà invitée ou membre.",
            "invitation_not_pending" => "Cette invitation n’est plus en attente.",
            "self_action" => "Vous ne pouvez pas faire cela sur vous-même.",
            "not_found" => "Introuvable : la liste a peut-être changé entre-temps.",
            "already_exists" => "Cela existe déjà.",
            "device_revoked" => "Cet appareil est déjà révoqué.",
            "too_many" => "Trop d’éléments à la fois.",
            "invalid_value" | "invalid_field" => return format!("Valeur refusée : {english}"),
            _ => return english.to_owned(),
        };
        french.to_owned()
    }

    /// The toast after an action succeeded.
    pub fn succeeded(&self, action: &str, who: &str) -> String {
        match (self.lang, action) {
            (Lang::En, "invite") => format!("Invited {who}."),
            (Lang::En, "roles") => format!("Roles of {who} saved."),
            (Lang::En, "assign_seat") => format!("{who} now holds a seat."),
            (Lang::En, "unassign_seat") => format!("{who}'s seat is free."),
            (Lang::En, "suspend") => format!("{who} is suspended."),
            (Lang::En, "reactivate") => format!("{who} is active again."),
            (Lang::En, "deactivate") => format!("{who} is deactivated."),
            (Lang::En, "resend_invitation") => format!("Invitation to {who} sent again."),
            (Lang::En, "revoke_invitation") => format!("Invitation to {who} revoked."),
            (Lang::En, _) => format!("Device of {who} revoked."),
            (Lang::Fr, "invite") => format!("{who} invité(s)."),
            (Lang::Fr, "roles") => format!("Rôles de {who} enregistrés."),
            (Lang::Fr, "assign_seat") => format!("{who} a désormais un siège."),
            (Lang::Fr, "unassign_seat") => format!("Le siège de {who} est libre."),
            (Lang::Fr, "suspend") => format!("{who} est suspendu."),
            (Lang::Fr, "reactivate") => format!("{who} est de nouveau actif."),
            (Lang::Fr, "deactivate") => format!("{who} est désactivé."),
            (Lang::Fr, "resend_invitation") => format!("Invitation de {who} renvoyée."),
            (Lang::Fr, "revoke_invitation") => format!("Invitation de {who} révoquée."),
            (Lang::Fr, _) => format!("Appareil de {who} révoqué."),
        }
    }
}
