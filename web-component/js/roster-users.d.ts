// Types for <roster-users>: its attributes, properties, methods and events.
//
//   import '@roster/users-element';
//   const element = document.querySelector('roster-users')!;
//   element.token = async () => (await fetch('/session/roster-token')).text();
//   element.addEventListener('roster-change', (e) => console.log(e.detail.action));

/** What a `roster-change` event says: the action taken and what it was about. */
export interface RosterChangeDetail {
  /** `invite`, `roles`, `assign_seat`, `unassign_seat`, `suspend`, `reactivate`,
   * `deactivate`, `resend_invitation`, `revoke_invitation` or `revoke_device`. */
  action: string;
  /** A user id, a device id (`revoke_device`), or the invited emails (`invite`). */
  target: string | string[];
}

/** What a `roster-error` event says: the action refused, by whom and why. */
export interface RosterErrorDetail extends RosterChangeDetail {
  /** The API's HTTP status; 422 when the engine in the page refused before sending, 0 when
   * the server could not be reached, 412 when someone else changed the org first. */
  status: number;
  /** Why, in a sentence. */
  detail: string;
}

/** The bearer token for the API, or a function returning a fresh one. */
export type RosterToken = string | (() => string | Promise<string>);

/**
 * `<roster-users api="https://api.example.com" org="acme" locale="fr">`: an org's users table
 * and its actions. Attributes: `api` (the API's origin; empty for the page's own), `org` (the
 * org's key), `locale` (`en` or `fr`, with `Intl` formats; defaults to the page's language),
 * `demo` (present: a generated org of 120 users in the page, `demo-org.bin`, no server).
 */
export declare class RosterUsersElement extends HTMLElement {
  /** Write-only: the element uses the token and never shows, logs or stores it. */
  set token(value: RosterToken | null);
  /** Loads the viewer and the org again from the API (or the demo org). */
  refresh(): Promise<void>;
  addEventListener<K extends keyof RosterUsersEventMap>(
    type: K,
    listener: (this: RosterUsersElement, event: RosterUsersEventMap[K]) => unknown,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | AddEventListenerOptions,
  ): void;
}

export interface RosterUsersEventMap extends HTMLElementEventMap {
  'roster-change': CustomEvent<RosterChangeDetail>;
  'roster-error': CustomEvent<RosterErrorDetail>;
}

declare global {
  interface HTMLElementTagNameMap {
    'roster-users': RosterUsersElement;
  }
}
