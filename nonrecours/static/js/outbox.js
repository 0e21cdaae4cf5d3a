/* Boîte d'envoi des applications hors ligne (collecte porte-à-porte,
 * journal du bus) : ce qui est noté sur le téléphone est rangé dans
 * IndexedDB puis envoyé au serveur quand le réseau revient, chaque élément
 * avec sa clé d'envoi (le serveur ne l'enregistre qu'une fois, même si
 * l'envoi est rejoué). Un élément refusé passe dans la liste « rejected »
 * avec les raisons données par le serveur ; une panne du serveur est
 * réessayée, et après 5 échecs l'élément revient aussi à la personne.
 *
 * globalThis.nonrecoursOutbox.create(options) rend la boîte d'une
 * application ; options :
 *   dbName, version        la base IndexedDB de l'application ;
 *   stores                 [[nom, keyPath], …] en plus de outbox et rejected ;
 *   user                   l'identifiant de la personne connectée : seuls ses
 *                          éléments sont envoyés (téléphone partagé) ;
 *   submitUrl              l'adresse par défaut (sinon item.submit_url) ;
 *   onChange()             redessine l'état (appelée après chaque envoi) ;
 *   onAccepted(item, body) facultative : un élément accepté par le serveur ;
 *   announce(texte)        la zone d'annonce de la page ;
 *   expiredText            le texte quand la session a expiré ;
 *   failedText(statut)     la raison donnée après 5 échecs du serveur.
 */
globalThis.nonrecoursOutbox = (function () {
  "use strict";

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attributes || {})) {
      if (v === false || v === null || v === undefined) continue;
      node.setAttribute(k, v === true ? "" : v);
    }
    for (const child of children) node.append(child);
    return node;
  }

  // Live regions are only rewritten when their text changes, so that screen
  // readers do not repeat the same status every 30 seconds.
  function setText(node, text) { if (node.textContent !== text) node.textContent = text; }

  function csrfToken(fallback) {
    const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : fallback;
  }

  // The server's reasons by field; a refusal without field keeps its text.
  function reasons(body) {
    if (body && body.errors && Object.keys(body.errors).length) return body.errors;
    return { envoi: (body && body.error) || "Refusé par le serveur." };
  }

  const BLOCKED = "Cette application est ouverte dans un autre onglet avec une version plus ancienne : fermez les autres onglets pour continuer.";
  const NEWER = "Une version plus récente de l'application est ouverte dans un autre onglet : rechargez cette page (ce qui attend l'envoi reste sur l'appareil).";

  function create(options) {
    const stores = [["outbox", "idempotency_key"], ["rejected", "idempotency_key"], ...(options.stores || [])];

    // One connection per page, closed when another tab must upgrade the
    // database (this page is then told to reload); a failed opening is
    // tried again at the next use.
    let connection = null;
    let blocked = false;
    let outdated = false;
    function openDb() {
      if (outdated) return Promise.reject(new DOMException(NEWER, "VersionError"));
      if (connection) return connection;
      connection = new Promise((resolve, reject) => {
        const request = indexedDB.open(options.dbName, options.version);
        request.onupgradeneeded = () => {
          const db = request.result;
          for (const [name, keyPath] of stores) {
            if (!db.objectStoreNames.contains(name)) db.createObjectStore(name, { keyPath });
          }
        };
        request.onblocked = () => { blocked = true; announce(BLOCKED); };
        request.onsuccess = () => {
          const db = request.result;
          db.onversionchange = () => { db.close(); connection = null; outdated = true; announce(NEWER); };
          db.onclose = () => { connection = null; };
          if (blocked) { blocked = false; announce(""); }
          resolve(db);
        };
        request.onerror = () => reject(request.error);
      });
      // Thrown at once (storage refused) or failed: tried again next time.
      const attempt = connection;
      attempt.catch(() => { if (connection === attempt) connection = null; });
      return attempt;
    }
    // One transaction over `names`: `action(tx)` makes its requests; the
    // result is that of the request it returns. A full device aborts the
    // transaction (QuotaExceededError): both end it.
    async function transaction(names, mode, action) {
      const db = await openDb();
      return new Promise((resolve, reject) => {
        const tx = db.transaction(names, mode);
        const result = action(tx);
        const failed = (event) => reject(tx.error || (event && event.target && event.target.error) || new DOMException("abandon", "AbortError"));
        tx.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
        tx.onerror = failed;
        tx.onabort = failed;
      });
    }
    const store = (name, mode, action) => transaction(name, mode, (tx) => action(tx.objectStore(name)));
    const put = (name, item) => store(name, "readwrite", (s) => s.put(item));
    const remove = (name, key) => store(name, "readwrite", (s) => s.delete(key));
    const all = (name) => store(name, "readonly", (s) => s.getAll());
    const get = (name, key) => store(name, "readonly", (s) => s.get(key));
    // Only this person's items (a phone shared by two agents).
    const mine = (item) => item.user === options.user;
    const announce = options.announce || (() => {});
    const changed = async () => { if (options.onChange) await options.onChange(); };

    // Puts an item in the queue (its earlier refusal, if any, goes), and
    // `also` ({store: value}) in the same transaction: all or nothing, so a
    // failure means nothing was kept and trying again keeps it once.
    async function enqueue(item, also = {}) {
      const names = ["outbox", "rejected", ...Object.keys(also)];
      await transaction(names, "readwrite", (tx) => {
        tx.objectStore("outbox").put({ attempts: 0, ...item, user: options.user });
        tx.objectStore("rejected").delete(item.idempotency_key);
        for (const [name, value] of Object.entries(also)) tx.objectStore(name).put(value);
      });
    }
    // Moves an item from the queue to « rejected », with the reasons, in
    // one transaction: never in both lists, never in neither.
    function reject(item, errors) {
      return transaction(["outbox", "rejected"], "readwrite", (tx) => {
        tx.objectStore("rejected").put({ ...item, errors });
        tx.objectStore("outbox").delete(item.idempotency_key);
      });
    }
    // What to tell the person when keeping something on the device failed:
    // `fallback`, unless this page is outdated (another tab upgraded it).
    const failureText = (error, fallback) => (outdated ? NEWER : fallback);

    // Sends this person's queue. Asked again while a sending runs (an
    // answer saved meanwhile), it runs once more when that one ends: the
    // promise returned settles after a pass that saw the queue as it was
    // when asked, unless the network went away meanwhile (then the next
    // "online" event sends it).
    let running = null;
    let again = false;
    async function sendAll() {
      for (const item of (await all("outbox")).filter(mine)) {
        let response;
        try {
          response = await fetch(item.submit_url || options.submitUrl, {
            method: "POST",
            credentials: "same-origin",
            headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(options.csrf) },
            body: JSON.stringify(item),
          });
        } catch (networkError) { return; }
        const body = await response.json().catch(() => null);
        if ((response.status === 201 || response.status === 200) && body && body.id) {
          await remove("outbox", item.idempotency_key);
          if (options.onAccepted) await options.onAccepted(item, body);
        } else if (response.status === 401 || response.status === 403) {
          announce(options.expiredText);
          return;
        } else if (response.status >= 400 && response.status < 500 && body && (body.errors || body.error)) {
          // Refused for a reason a person can read: retrying changes nothing.
          await reject(item, reasons(body));
        } else {
          // Server trouble with this item: try the others, retry it later,
          // and after 5 failures hand it back to the person.
          item.attempts = (item.attempts || 0) + 1;
          if (item.attempts >= 5) {
            await reject(item, { envoi: options.failedText(response.status) });
          } else {
            await put("outbox", item);
          }
        }
      }
    }
    function sync() {
      if (!navigator.onLine) return changed();
      if (running) { again = true; return running; }
      running = (async () => {
        try {
          do { again = false; await sendAll(); } while (again && navigator.onLine);
        } finally {
          running = null;
          await changed();
        }
      })();
      return running;
    }

    // Sends when the network comes back and every 30 seconds; registers the
    // service worker and keeps this page for offline use from the very
    // first visit (in `<pagesCache>`, which the worker keeps).
    function start({ serviceWorkerUrl, scope, pagesCache }) {
      window.addEventListener("online", sync);
      window.addEventListener("offline", changed);
      setInterval(sync, 30000);
      if ("serviceWorker" in navigator) {
        navigator.serviceWorker.register(serviceWorkerUrl, { scope });
        if (navigator.onLine && "caches" in window) caches.open(pagesCache).then((c) => c.add(location.href)).catch(() => {});
      }
    }

    return Object.freeze({ put, remove, all, get, mine, enqueue, failureText, sync, start });
  }

  return Object.freeze({ create, el, setText, csrfToken });
})();
