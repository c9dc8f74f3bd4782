// The <roster-users> custom element: a thin loader that defines the element and hands each
// instance to the Rust implementation (roster_element.js and its .wasm).
//
//   <script type="module" src="/roster/roster-users.js"></script>
//   <roster-users api="https://api.example.com" org="acme"></roster-users>
//   document.querySelector('roster-users').token = () => getFreshToken();
//
// The token is a property (a string or a function returning one), never an attribute, so it
// never lands in the DOM or the page's HTML. `demo` shows a generated org with no server.
import init, { RosterUsers } from './roster_element.js';

const ready = init({ module_or_path: new URL('./roster_element_bg.wasm', import.meta.url) });

class RosterUsersElement extends HTMLElement {
  static observedAttributes = ['api', 'org', 'demo'];

  #impl = null;
  #token = null;

  /// The bearer token, or a function (possibly async) that returns a fresh one.
  set token(value) {
    this.#token = value;
    if (this.isConnected) this.refresh();
  }

  async connectedCallback() {
    await ready;
    this.#impl ??= new RosterUsers(this);
    this.#impl.render();
    await this.refresh();
  }

  attributeChangedCallback() {
    if (this.#impl) this.refresh();
  }

  async #bearer() {
    const token = typeof this.#token === 'function' ? await this.#token() : this.#token;
    return token ? `Bearer ${token}` : null;
  }

  /// Loads the org again: the demo org, or the caller's org from the API.
  async refresh() {
    if (!this.#impl) return;
    if (this.hasAttribute('demo')) {
      this.#impl.loadDemo(Number(this.getAttribute('demo')) || 50, 7);
      return;
    }
    const api = this.getAttribute('api') ?? '';
    const org = this.getAttribute('org');
    const authorization = await this.#bearer();
    if (!org || !authorization) return;
    const headers = { authorization };
    const get = async (path) => {
      const res = await fetch(`${api}/v1/orgs/${encodeURIComponent(org)}${path}`, { headers });
      if (!res.ok) throw new Error((await res.json().catch(() => ({}))).detail ?? res.statusText);
      return res.json();
    };
    try {
      const me = await get('/me');
      // FIXME: the element reads the whole org through /export, which needs an owner's reach;
      // other viewers need it built from /users, /roles and /groups pages instead.
      const document = await get('/export');
      this.#impl.loadDocument(JSON.stringify(document));
      this.#impl.setViewer(me.user.id);
    } catch (error) {
      this.#impl.showError(String(error.message ?? error));
    }
  }
}

if (!customElements.get('roster-users')) {
  customElements.define('roster-users', RosterUsersElement);
}
