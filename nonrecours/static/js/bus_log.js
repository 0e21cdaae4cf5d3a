/* Journal du bus hors ligne : les personnes reçues pendant un passage du
 * bus, et les heures de présence, notées sur le téléphone.
 *
 * Chaque personne notée est rangée dans la boîte d'envoi (outbox.js) avec
 * sa clé d'envoi, puis envoyée quand le réseau revient : le serveur ne
 * l'enregistre qu'une fois. Une personne refusée revient avec la raison.
 * Le compte « personnes notées » réunit celles que le serveur avait à
 * l'ouverture de la page, celles envoyées depuis ce téléphone et celles en
 * attente, chacune une fois (par sa clé).
 */
(function () {
  "use strict";

  const configNode = document.getElementById("journal-config");
  if (!configNode) return;
  const config = JSON.parse(configNode.textContent);
  const { el, setText } = globalThis.nonrecoursOutbox;
  const form = document.getElementById("journal-personne");
  const presence = document.getElementById("journal-presence");
  const statusNetwork = document.getElementById("etat-reseau");
  const statusLog = document.getElementById("etat-journal");
  const rejectedList = document.getElementById("refusees");
  const notice = document.getElementById("annonce");
  const announce = (text) => { notice.textContent = text; };
  // The device may refuse to store (full, or storage withdrawn): what was
  // typed stays in the form and the agent is told.
  const NOT_STORED = "L'appareil n'a pas pu garder ce qui est noté (stockage plein ou refusé) : tout reste dans le formulaire ; libérez de la place puis réessayez.";
  const MAX_COUNT = Number(form.elements.simulations.max);
  const PRESENCE_KEY = `presence-${config.visit}-${config.user_id}`;

  const outbox = globalThis.nonrecoursOutbox.create({
    dbName: "nonrecours-journal", version: 1, stores: [["sent", "idempotency_key"]],
    user: config.user_id, submitUrl: config.submit_url,
    onChange: () => refreshStatus(), announce,
    onAccepted: async (item) => {
      if (item.kind === "person") await outbox.put("sent", { idempotency_key: item.idempotency_key, visit: item.visit });
    },
    expiredText: "Votre session a expiré : reconnectez-vous pour envoyer ce qui attend (tout reste sur l'appareil).",
    failedText: (status) => `Le serveur refuse cet envoi (erreur ${status}). Contactez l'équipe du territoire.`,
  });

  const plural = (n, word, many) => (n >= 2 ? many || word + "s" : word);
  const count = (n, word, many) => `${n.toLocaleString("fr-FR")} ${plural(n, word, many)}`;
  const labelOf = (name) => {
    const node = document.querySelector(`label[for="${name}"]`) || document.querySelector(`#${name} legend`);
    return node ? node.textContent : name;
  };

  /* ---------- La personne ---------- */
  const areas = [...form.elements.priority_area.options].filter((o) => o.value);
  function filterAreas() {
    const commune = form.elements.commune.value;
    let any = false;
    for (const option of areas) {
      const here = (option.dataset.communes || "").split(" ").includes(commune);
      option.hidden = option.disabled = !here;
      any = any || here;
    }
    if (form.elements.priority_area.selectedOptions[0]?.disabled) form.elements.priority_area.value = "";
    document.getElementById("qpv-champ").hidden = !any;
  }
  form.elements.commune.addEventListener("change", filterAreas);

  function read() {
    const first = form.querySelector('input[name="first_contact"]:checked');
    const commune = form.elements.commune.value;
    const number = (name) => {
      const text = form.elements[name].value.trim();
      return /^\d{1,3}$/.test(text) ? Number(text) : text;
    };
    return {
      first_contact: first ? first.value === "oui" : null,
      commune: commune === "hors" ? "" : commune,
      priority_area: form.elements.priority_area.value,
      age_band: form.elements.age_band.value,
      themes: [...form.querySelectorAll('input[name="themes"]:checked')].map((i) => i.value),
      simulations: number("simulations"),
      referrals: number("referrals"),
      appointments: number("appointments"),
    };
  }

  function check(person) {
    const errors = {};
    if (person.first_contact === null) errors.first_contact = "Premier contact : répondez oui ou non.";
    if (!form.elements.commune.value) errors.commune = "Commune où elle habite : choisissez la commune, ou « Hors du territoire ».";
    if (!person.themes.length) errors.themes = "Thèmes : cochez au moins un thème.";
    for (const name of ["simulations", "referrals", "appointments"]) {
      const value = person[name];
      if (typeof value !== "number" || value > MAX_COUNT) errors[name] = `${labelOf(name)} : un nombre entier de 0 à ${MAX_COUNT}.`;
    }
    return errors;
  }

  // Where a field's error sends the reader: its first box for a group.
  const target = (name) => (["first_contact", "themes"].includes(name) ? form.querySelector(`input[name="${name}"]`).id : name);

  function showErrors(box, errors, title) {
    const names = Object.keys(errors);
    box.replaceChildren();
    for (const node of document.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
    if (!names.length) return;
    const list = el("ul");
    for (const name of names) {
      const field = document.getElementById(target(name));
      if (field) field.setAttribute("aria-invalid", "true");
      list.append(el("li", {}, field ? el("a", { href: "#" + target(name) }, errors[name]) : errors[name]));
    }
    box.append(el("div", { class: "error-summary", role: "alert", tabindex: "-1" }, el("h3", {}, title), list));
    box.firstChild.focus();
  }

  let resumedKey = null;  // a refused person being corrected keeps her key
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const person = read();
    const errors = check(person);
    const box = document.getElementById("personne-erreurs");
    showErrors(box, errors, `${count(Object.keys(errors).length, "réponse")} à corriger`);
    if (Object.keys(errors).length) return;
    person.recorded_at = new Date().toISOString();
    try {
      await outbox.enqueue({
        idempotency_key: resumedKey || crypto.randomUUID(), kind: "person", visit: config.visit,
        title: document.querySelector("h1").textContent, submit_url: config.submit_url, person,
      });
    } catch (error) { announce(outbox.failureText(error, NOT_STORED)); return; }
    resumedKey = null;
    form.reset();
    filterAreas();
    announce("Personne enregistrée sur l'appareil. Formulaire prêt pour la suivante.");
    document.getElementById("personne-titre").focus();
    try { await refreshStatus(); } catch (error) { /* redrawn by the next sending */ }
    outbox.sync();
  });

  function resume(item) {
    const person = item.person || {};
    form.reset();
    if (typeof person.first_contact === "boolean") {
      form.querySelector(`input[name="first_contact"][value="${person.first_contact ? "oui" : "non"}"]`).checked = true;
    }
    form.elements.commune.value = person.commune === "" ? "hors" : person.commune || "";
    if (!form.elements.commune.value) form.elements.commune.value = "";
    filterAreas();
    form.elements.priority_area.value = person.priority_area || "";
    form.elements.age_band.value = person.age_band || "";
    for (const box of form.querySelectorAll('input[name="themes"]')) box.checked = (person.themes || []).includes(box.value);
    for (const name of ["simulations", "referrals", "appointments"]) form.elements[name].value = person[name] ?? 0;
    resumedKey = item.idempotency_key;
  }

  /* ---------- Heures de présence ---------- */
  presence.addEventListener("submit", async (event) => {
    event.preventDefault();
    const arrived = presence.elements.arrived_at.value;
    const left = presence.elements.left_at.value;
    const errors = {};
    if (!arrived && left) errors.arrived_at = "Arrivée : à donner avec l'heure de départ.";
    if (arrived && left && left <= arrived) errors.left_at = `Départ : ${left} n'est pas après l'arrivée (${arrived}).`;
    showErrors(document.getElementById("presence-erreurs"), errors, "Heures à corriger");
    if (Object.keys(errors).length) return;
    // One pending copy per visit: the last hours given replace the others.
    try {
      await outbox.enqueue({
        idempotency_key: PRESENCE_KEY, kind: "presence", visit: config.visit,
        title: document.querySelector("h1").textContent, submit_url: config.presence_url,
        arrived_at: arrived, left_at: left,
      });
    } catch (error) { announce(outbox.failureText(error, NOT_STORED)); return; }
    announce("Heures de présence enregistrées sur l'appareil.");
    try { await refreshStatus(); } catch (error) { /* redrawn by the next sending */ }
    outbox.sync();
  });

  /* ---------- État ---------- */
  async function refreshStatus() {
    const queued = (await outbox.all("outbox")).filter(outbox.mine);
    const waiting = queued.filter((i) => i.kind === "person" && i.visit === config.visit);
    const sent = (await outbox.all("sent")).filter((i) => i.visit === config.visit);
    const noted = new Set([...config.recorded_keys, ...sent.map((i) => i.idempotency_key), ...waiting.map((i) => i.idempotency_key)]);
    setText(statusNetwork, navigator.onLine ? "En ligne" : "Hors ligne : ce qui est noté reste sur l'appareil");
    let text = noted.size ? count(noted.size, "personne notée", "personnes notées") : "Aucune personne notée pour ce passage";
    if (noted.size) text += waiting.length ? `, dont ${waiting.length.toLocaleString("fr-FR")} en attente d'envoi` : ", toutes envoyées";
    const hours = queued.find((i) => i.kind === "presence" && i.visit === config.visit);
    if (hours) text += " ; heures de présence en attente d'envoi";
    const elsewhere = queued.filter((i) => i.visit !== config.visit).length;
    if (elsewhere) text += ` ; ${elsewhere.toLocaleString("fr-FR")} envoi${elsewhere > 1 ? "s" : ""} d'autres passages en attente`;
    setText(statusLog, text + ".");
    await drawRejected();
  }

  async function drawRejected() {
    const rejected = (await outbox.all("rejected")).filter(outbox.mine);
    const signature = JSON.stringify(rejected.map((r) => [r.idempotency_key, r.errors]));
    if (rejectedList.dataset.signature === signature) return;
    rejectedList.dataset.signature = signature;
    rejectedList.replaceChildren();
    for (const item of rejected) {
      const reasons = el("ul");
      for (const message of Object.values(item.errors)) reasons.append(el("li", {}, message));
      const here = item.visit === config.visit;
      const what = item.kind === "presence" ? "Heures de présence" : item.person && item.person.recorded_at
        ? `Personne notée à ${new Date(item.person.recorded_at).toLocaleTimeString("fr-FR", { hour: "2-digit", minute: "2-digit" })}`
        : "Personne notée";
      const entry = el("li", {}, el("p", {}, `${what}${here ? "" : ` (${item.title})`}, refusée :`), reasons);
      const actions = el("p", { class: "form-actions" });
      if (here && item.kind === "person") {
        const again = el("button", { type: "button", class: "button button--secondary" }, "Reprendre et corriger");
        again.addEventListener("click", async () => {
          resume(item);
          await outbox.remove("rejected", item.idempotency_key);
          await refreshStatus();
          document.getElementById("personne-titre").focus();
        });
        actions.append(again);
      }
      const drop = el("button", { type: "button", class: "button button--secondary" }, "Effacer");
      drop.addEventListener("click", async () => {
        await outbox.remove("rejected", item.idempotency_key);
        announce("Ligne refusée effacée.");
        await refreshStatus();
      });
      actions.append(drop);
      entry.append(actions);
      rejectedList.append(entry);
    }
    document.getElementById("refusees-bloc").hidden = !rejected.length;
  }

  window.nonrecoursSync = outbox.sync;
  document.getElementById("sans-js").hidden = true;
  // The hours are shown once read from the device: an hour typed could
  // not be drawn over. Busy until then.
  presence.setAttribute("aria-busy", "true");
  (async () => {
    let pending;
    try {
      pending = await outbox.get("outbox", PRESENCE_KEY);
    } catch (error) {
      // Private window, storage disabled: nothing could be kept.
      presence.removeAttribute("aria-busy");
      setText(statusNetwork, "Enregistrement impossible sur cet appareil");
      document.getElementById("stockage-refuse").hidden = false;
      return;
    }
    form.hidden = false;
    filterAreas();
    presence.elements.arrived_at.value = pending ? pending.arrived_at : config.arrived_at;
    presence.elements.left_at.value = pending ? pending.left_at : config.left_at;
    presence.hidden = false;
    presence.removeAttribute("aria-busy");
    outbox.start({ serviceWorkerUrl: config.service_worker_url, scope: config.scope, pagesCache: "nonrecours-journal-pages" });
    await outbox.sync();
  })();
})();
