// The <roster-users> custom element: a thin loader that defines the element, talks to the
// API, and hands each instance to the Rust implementation (roster_element.js and its .wasm).
//
//   <script type="module" src="/roster/roster-users.js"></script>
//   <roster-users api="https://api.example.com" org="acme" locale="fr"></roster-users>
//   document.querySelector('roster-users').token = () => getFreshToken();
//
// The token is a property (a string or a function, possibly async, returning one), never an
// attribute, so it never lands in the DOM or the page's HTML, and it is never logged or
// stored. `demo` shows a generated org of 120 users with no server. Changes are announced with
// `roster-change` events ({action, target}) and refusals with `roster-error` events
// ({action, target, status, detail}); both bubble out of the element.
import init, { RosterUsers } from './roster_element.js';

const ready = init({ module_or_path: new URL('./roster_element_bg.wasm', import.meta.url) });
// The demo org (a compact document made when the element was built), fetched once if asked.
let demoOrg = null;
const loadDemoOrg = () => {
  demoOrg ??= fetch(new URL('./demo-org.bin', import.meta.url))
    .then((res) => (res.ok ? res.arrayBuffer() : Promise.reject(new Error(res.statusText))))
    .then((buffer) => new Uint8Array(buffer));
  return demoOrg;
};

export class RosterUsersElement extends HTMLElement {
  static observedAttributes = ['api', 'org', 'demo', 'locale'];

  #impl = null;
  #token = null;
  #loading = null;

  /// The bearer token, or a function (possibly async) that returns a fresh one.
  set token(value) {
    this.#token = value;
    if (this.isConnected) this.refresh();
  }

  get token() {
    // Write-only: the host keeps the token; the element only uses it.
    return undefined;
  }

  async connectedCallback() {
    await ready;
    this.#impl ??= new RosterUsers(this);
    this.#impl.setLocale(this.#locale());
    await this.refresh();
  }

  attributeChangedCallback(name) {
    if (!this.#impl) return;
    if (name === 'locale') this.#impl.setLocale(this.#locale());
    else this.refresh();
  }

  #locale() {
    return this.getAttribute('locale') || document.documentElement.lang || navigator.language;
  }

  async #authorization() {
    const token = typeof this.#token === 'function' ? await this.#token() : this.#token;
    return token ? `Bearer ${token}` : null;
  }

  #url(path) {
    const api = (this.getAttribute('api') ?? '').replace(/\/$/, '');
    return `${api}/v1/orgs/${encodeURIComponent(this.getAttribute('org') ?? '')}${path}`;
  }

  /// One API call for the engine: resolves to {status, etag, body} and never rejects on an
  /// HTTP error (the Rust side reads the problem body).
  async #send(method, path, body, ifMatch) {
    const headers = { authorization: await this.#authorization() };
    if (body !== null) headers['content-type'] = 'application/json';
    if (ifMatch) headers['if-match'] = ifMatch;
    const res = await fetch(this.#url(path), { method, headers, body: body ?? undefined });
    return { status: res.status, etag: res.headers.get('etag'), body: await res.text() };
  }

  /// Loads the org again: the demo org, or the viewer and the org's directory from the API.
  refresh() {
    if (!this.#impl) return Promise.resolve();
    // One load at a time; a refresh asked for during one waits for it and runs after.
    const run = async () => {
      if (this.hasAttribute('demo')) {
        try {
          this.#impl.loadDemo(await loadDemoOrg());
        } catch (error) {
          this.#impl.showError(String(error.message ?? error));
        }
        return;
      }
      this.#impl.setTransport((...args) => this.#send(...args), () => this.refresh());
      const authorization = await this.#authorization();
      if (!this.getAttribute('org') || !authorization) return;
      try {
        const get = async (path, accept) => {
          const res = await fetch(this.#url(path), { headers: { authorization, accept } });
          if (!res.ok) {
            const problem = await res.json().catch(() => ({}));
            throw new Error(problem.detail ?? res.statusText);
          }
          return res;
        };
        // The org comes in its compact binary form: a third of the JSON's bytes, and read
        // without a JSON parser (see crates/engine/src/compact.rs).
        const [me, directory] = await Promise.all([
          get('/me', 'application/json').then((res) => res.json()),
          get('/directory', 'application/vnd.roster.org'),
        ]);
        const bytes = new Uint8Array(await directory.arrayBuffer());
        this.#impl.loadOrg(bytes, directory.headers.get('etag'), me.user.id);
      } catch (error) {
        this.#impl.showError(String(error.message ?? error));
      }
    };
    const previous = this.#loading ?? Promise.resolve();
    this.#loading = previous.then(run, run);
    return this.#loading;
  }
}

if (!customElements.get('roster-users')) {
  customElements.define('roster-users', RosterUsersElement);
}
