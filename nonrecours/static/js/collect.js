/* Collecte porte-à-porte hors ligne.
 *
 * Le questionnaire (pages, questions, conditions) est fourni par le serveur
 * dans la page ; les réponses terminées sont rangées dans IndexedDB
 * (« boîte d'envoi ») puis envoyées quand le réseau revient, chacune avec
 * sa clé d'envoi : le serveur ne l'enregistre qu'une fois, même si l'envoi
 * est rejoué. Une réponse refusée revient à l'enquêteur·rice avec la raison.
 */
/* ---------- Conditions (même grammaire que le serveur) ----------
 * Fonctions pures, aussi rangées dans `globalThis.nonrecoursConditions` :
 * la table de vérité tests/surveys/conditions_cases.yaml les vérifie dans
 * Chromium (tests/browser/test_conditions.py), comme l'évaluateur Python
 * (nonrecours/surveys/conditions.py). Une condition arrive telle que
 * `Condition.to_data()` l'écrit : codes en texte.
 */
globalThis.nonrecoursConditions = (function () {
  "use strict";

  function evaluate(condition, answers) {
    if (!condition) return true;
    if (condition.all) return condition.all.every((c) => evaluate(c, answers));
    if (condition.any) return condition.any.some((c) => evaluate(c, answers));
    if (condition.not) return !evaluate(condition.not, answers);
    const value = answers[condition.question];
    // Comme en Python : absente, null, "" et [] ne sont pas des réponses.
    if (condition.answered) return value !== undefined && value !== null && value !== "" && !(Array.isArray(value) && !value.length);
    if (condition.in) return condition.in.includes(value);
    if ("selected" in condition) return Array.isArray(value) && value.includes(condition.selected);
    return false;
  }
  function conditionQuestions(c) {
    if (!c) return [];
    if (c.all || c.any) return (c.all || c.any).flatMap(conditionQuestions);
    if (c.not) return conditionQuestions(c.not);
    return [c.question];
  }
  return Object.freeze({ evaluate, conditionQuestions });
})();

(function () {
  "use strict";

  const configNode = document.getElementById("collecte-config");
  if (!configNode) return; // la page de collecte seule porte un questionnaire
  const config = JSON.parse(configNode.textContent);
  const form = document.getElementById("collecte-formulaire");
  const statusNetwork = document.getElementById("etat-reseau");
  const statusQueue = document.getElementById("etat-envoi");
  const rejectedList = document.getElementById("refusees");
  const notice = document.getElementById("annonce");
  const questions = Object.fromEntries(config.questions.map((q) => [q.name, q]));

  /* ---------- Boîte d'envoi (outbox.js) ---------- */
  const { el, setText } = globalThis.nonrecoursOutbox;
  const outbox = globalThis.nonrecoursOutbox.create({
    dbName: "nonrecours-collecte", version: 2, stores: [["drafts", "id"]],
    user: config.user_id, submitUrl: config.submit_url, csrf: config.csrf,
    onChange: () => refreshStatus(), announce: (text) => announce(text),
    expiredText: "Votre session a expiré : reconnectez-vous pour envoyer les réponses en attente (elles restent sur l'appareil).",
    failedText: (status) => `Le serveur refuse cette réponse (erreur ${status}). Contactez l'équipe du territoire.`,
  });
  const { put, remove, all, get, mine } = outbox;

  const { evaluate, conditionQuestions } = globalThis.nonrecoursConditions;
  const shown = (page, answers) =>
    page.questions.map((n) => questions[n]).filter((q) => evaluate(q.relevant, answers));

  /* ---------- Brouillon (gardé sur l'appareil à chaque étape) ---------- */
  const DRAFT_ID = `${config.user_id}:${config.campaign}`;
  async function saveDraft() { await put("drafts", { ...draft, id: DRAFT_ID }); }
  // The commune of the previous answer, proposed again: only a default, so
  // a browser that blocks localStorage (SecurityError) just goes without.
  const COMMUNE_KEY = "nonrecours-derniere-commune";
  function lastCommune() { try { return localStorage.getItem(COMMUNE_KEY); } catch (error) { return null; } }
  function rememberCommune(code) { try { localStorage.setItem(COMMUNE_KEY, code); } catch (error) { /* a default only */ } }
  function newDraft() {
    const answers = {};
    const commune = lastCommune();
    if (commune) answers.commune = commune;
    return { key: crypto.randomUUID(), started_at: new Date().toISOString(), answers, page: 0 };
  }
  let draft = newDraft();

  /* ---------- Rendu ---------- */
  function renderQuestion(q, errors) {
    const error = errors[q.name];
    const value = draft.answers[q.name];
    const wrapper = el("div", { class: "field" + (error ? " field--error" : "") });
    const errorNode = error ? el("p", { class: "field-error", id: q.name + "-erreur" }, el("span", { class: "visually-hidden" }, "Erreur : "), error) : null;
    const suffix = q.required ? "" : " (facultatif)";
    if (q.type === "select_one" || q.type === "select_multiple") {
      const fieldset = el("fieldset", { class: "choices", "aria-describedby": error ? q.name + "-erreur" : null },
        el("legend", {}, q.label + suffix));
      if (q.hint) fieldset.append(el("p", { class: "hint" }, q.hint));
      if (errorNode) fieldset.append(errorNode);
      for (const choice of q.choices) {
        const id = q.name + "-" + choice.code;
        const checked = q.type === "select_one" ? value === choice.code : Array.isArray(value) && value.includes(choice.code);
        fieldset.append(el("div", { class: "choice" },
          el("input", { type: q.type === "select_one" ? "radio" : "checkbox", name: q.name, id, value: choice.code, checked, "aria-invalid": error ? "true" : null }),
          el("label", { for: id }, choice.label)));
      }
      wrapper.append(fieldset);
      return wrapper;
    }
    const id = "id_" + q.name;
    wrapper.append(el("label", { for: id }, q.label + suffix));
    if (q.hint) wrapper.append(el("p", { class: "hint", id: q.name + "-aide" }, q.hint));
    if (errorNode) wrapper.append(errorNode);
    let input;
    if (q.type === "commune") {
      input = el("select", { id, name: q.name }, el("option", { value: "" }, "Choisissez la commune"));
      for (const [code, name] of config.communes) input.append(el("option", { value: code, selected: value === code }, name));
    } else {
      const types = { phone: "tel", email: "email" };
      input = el("input", { id, name: q.name, type: types[q.type] || "text", value: value || "",
        autocomplete: q.type === "phone" ? "tel" : q.type === "email" ? "email" : "off",
        inputmode: q.type === "integer" ? "numeric" : null });
    }
    const described = [q.hint ? q.name + "-aide" : "", error ? q.name + "-erreur" : ""].filter(Boolean).join(" ");
    if (described) input.setAttribute("aria-describedby", described);
    if (error) input.setAttribute("aria-invalid", "true");
    wrapper.append(input);
    return wrapper;
  }

  function nextPage(from, step) {
    for (let i = from + step; i >= 0 && i < config.pages.length; i += step) {
      if (shown(config.pages[i], draft.answers).length) return i;
    }
    return null;
  }

  function renderPage(errors = {}) {
    const page = config.pages[draft.page];
    form.replaceChildren();
    form.append(el("p", { class: "eyebrow" }, `Étape ${page.number} sur ${config.pages.length}`));
    const title = el("h2", { tabindex: "-1", id: "titre-page" }, page.title);
    form.append(title);
    const names = Object.keys(errors);
    if (names.length) {
      const list = el("ul");
      for (const name of names) {
        const q = questions[name];
        const anchor = q && q.choices && q.choices.length ? `${name}-${q.choices[0].code}` : `id_${name}`;
        list.append(el("li", {}, el("a", { href: "#" + anchor }, `${q ? q.label : name} — ${errors[name]}`)));
      }
      form.append(el("div", { class: "error-summary", role: "alert", tabindex: "-1" },
        el("h3", {}, `${names.length} réponse${names.length > 1 ? "s" : ""} à corriger`), list));
    }
    for (const q of shown(page, draft.answers)) form.append(renderQuestion(q, errors));
    const submit = el("button", { type: "submit", class: "button" });
    const actions = el("div", { class: "form-actions" }, submit);
    // The button says what it does with the answers given on this page:
    // « Enregistrer la réponse » when no later page will appear (a person
    // who declines the call-back), « Continuer » otherwise.
    const label = () => { submit.textContent = isLast() ? SAVE : CONTINUE; };
    form.oninput = form.onchange = label;
    if (nextPage(draft.page, -1) !== null) {
      const back = el("button", { type: "button", class: "button button--secondary" }, "Étape précédente");
      back.addEventListener("click", async () => {
        collect(); draft.page = nextPage(draft.page, -1); renderPage(); focusTitle();
        try { await saveDraft(); } catch (error) { announce(outbox.failureText(error, NOT_STORED)); }
      });
      actions.append(back);
    }
    form.append(actions);
    label();
  }
  const SAVE = "Enregistrer la réponse";
  const CONTINUE = "Continuer";
  // Whether the page shown is the last, with what is given on it now (read
  // without touching the draft): no later page appears, and none depends on
  // a question of this page still unanswered.
  function isLast() {
    const saved = draft.answers;
    draft.answers = { ...saved };
    try {
      collect();
      const unanswered = new Set(config.pages[draft.page].questions.filter((n) => {
        const value = draft.answers[n];
        return value === undefined || value === "" || (Array.isArray(value) && !value.length);
      }));
      const waiting = config.pages.slice(draft.page + 1).some((p) =>
        p.questions.some((n) => conditionQuestions(questions[n].relevant).some((d) => unanswered.has(d))));
      return nextPage(draft.page, 1) === null && !waiting;
    } finally { draft.answers = saved; }
  }
  const focusTitle = () => document.getElementById("titre-page").focus();

  function collect() {
    for (const q of shown(config.pages[draft.page], draft.answers)) {
      if (q.type === "select_multiple") {
        draft.answers[q.name] = [...form.querySelectorAll(`input[name="${q.name}"]:checked`)].map((i) => i.value);
      } else if (q.type === "select_one") {
        const checked = form.querySelector(`input[name="${q.name}"]:checked`);
        draft.answers[q.name] = checked ? checked.value : "";
      } else {
        draft.answers[q.name] = form.elements[q.name].value.trim();
      }
    }
  }

  function pageErrors() {
    const errors = {};
    for (const q of shown(config.pages[draft.page], draft.answers)) {
      const value = draft.answers[q.name];
      const empty = value === undefined || value === "" || (Array.isArray(value) && !value.length);
      if (empty) { if (q.required) errors[q.name] = "Cette question est obligatoire."; continue; }
      if (q.type === "select_multiple") {
        const exclusive = q.choices.find((c) => c.exclusive && value.includes(c.code));
        if (exclusive && value.length > 1) errors[q.name] = `« ${exclusive.label} » ne peut pas être coché avec une autre réponse.`;
      }
      if (q.type === "phone" && !/^(0|\+33 ?|0033 ?)[1-9]([ .-]?\d{2}){4}$/.test(value)) errors[q.name] = "Numéro de téléphone invalide : 10 chiffres, par exemple 06 12 34 56 78.";
      if (q.type === "email" && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value)) errors[q.name] = "Adresse électronique invalide, par exemple prenom.nom@exemple.fr.";
    }
    return errors;
  }

  function relevantAnswers() {
    // Only what the skip logic shows, in questionnaire order.
    const result = {};
    for (const q of config.questions) {
      if (evaluate(q.relevant, result) && draft.answers[q.name] !== undefined && draft.answers[q.name] !== "") result[q.name] = draft.answers[q.name];
    }
    return result;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    // The device may refuse to store (full, or storage withdrawn): the
    // answers stay on screen and the agent is told, nothing is dropped.
    try { await submitted(); } catch (error) { announce(outbox.failureText(error, NOT_STORED)); }
  });
  async function submitted() {
    collect();
    const errors = pageErrors();
    if (Object.keys(errors).length) { renderPage(errors); form.querySelector(".error-summary").focus(); return; }
    const next = nextPage(draft.page, 1);
    if (next !== null) { draft.page = next; renderPage(); focusTitle(); await saveDraft(); return; }
    // Never saved by a button that said « Continuer »: the agent confirms.
    const button = form.querySelector("button[type=submit]");
    if (button.textContent !== SAVE) {
      await saveDraft();
      button.textContent = SAVE;
      announce("Dernière étape : vérifiez les réponses puis enregistrez la réponse.");
      button.focus();
      return;
    }
    const item = {
      idempotency_key: draft.key, campaign: config.campaign, submit_url: config.submit_url, user: config.user_id,
      answers: relevantAnswers(), started_at: draft.started_at, submitted_at: new Date().toISOString(),
    };
    if (item.answers.commune) rememberCommune(item.answers.commune);
    const fresh = newDraft();
    // The answer and the next, empty draft in one transaction: the answer
    // queued can never come back as the questionnaire in progress. Refused:
    // nothing changed, the agent is told (submit handler).
    await outbox.enqueue(item, { drafts: { ...fresh, id: DRAFT_ID } });
    draft = fresh;
    renderPage();
    announce("Réponse enregistrée sur l'appareil. Nouveau questionnaire prêt.");
    focusTitle();
    try { await refreshStatus(); } catch (error) { /* redrawn by the next sending */ }
    sync();
  }

  /* ---------- Envoi ---------- */
  function announce(text) { notice.textContent = text; }
  const NOT_STORED = "Les réponses n'ont pas pu être gardées sur l'appareil (stockage plein ou refusé) : ne fermez pas la page, libérez de la place puis réessayez.";
  async function refreshStatus() {
    const queued = await all("outbox");
    const waiting = queued.filter(mine);
    const others = queued.length - waiting.length;
    const rejected = (await all("rejected")).filter(mine);
    setText(statusNetwork, navigator.onLine ? "En ligne" : "Hors ligne : les réponses restent sur l'appareil");
    let text = waiting.length ? `${waiting.length} réponse${waiting.length > 1 ? "s" : ""} en attente d'envoi` : "Aucune réponse en attente d'envoi";
    if (others) text += ` (et ${others} d'un·e autre enquêteur·rice, envoyée${others > 1 ? "s" : ""} à sa prochaine connexion)`;
    setText(statusQueue, text);
    const signature = JSON.stringify(rejected.map((r) => r.idempotency_key));
    if (rejectedList.dataset.signature === signature) return;
    rejectedList.dataset.signature = signature;
    rejectedList.replaceChildren();
    for (const item of rejected) {
      const reasons = el("ul");
      for (const [name, message] of Object.entries(item.errors)) reasons.append(el("li", {}, `${questions[name] ? questions[name].label : name} : ${message}`));
      const resume = el("button", { type: "button", class: "button button--secondary" }, "Reprendre et corriger");
      resume.addEventListener("click", async () => {
        draft = { key: item.idempotency_key, started_at: item.started_at, answers: { ...item.answers }, page: 0 };
        renderPage(item.errors); focusTitle();
        try {
          await saveDraft();  // saved before the rejected copy goes
          await remove("rejected", item.idempotency_key);
          await refreshStatus();
        } catch (error) { announce(outbox.failureText(error, NOT_STORED)); }
      });
      rejectedList.append(el("li", {}, el("p", {}, `Réponse du ${new Date(item.submitted_at).toLocaleString("fr-FR")} refusée :`), reasons, resume));
    }
    document.getElementById("refusees-bloc").hidden = !rejected.length;
  }

  const sync = outbox.sync;
  window.nonrecoursSync = sync;
  document.getElementById("sans-js").hidden = true;
  // Empty until the saved draft is read: nothing typed could be drawn over.
  form.setAttribute("aria-busy", "true");
  form.replaceChildren(el("p", {}, "Lecture du questionnaire sur l'appareil…"));
  (async () => {
    let saved;
    try {
      saved = await get("drafts", DRAFT_ID);
      // A draft already queued (a page closed between the two, by an older
      // version) is not the questionnaire in progress.
      if (saved && saved.key && await get("outbox", saved.key)) saved = null;
    } catch (error) {
      // Private window, storage disabled: this mode cannot keep anything.
      form.replaceChildren();
      form.hidden = true;
      form.removeAttribute("aria-busy");
      setText(statusNetwork, "Enregistrement impossible sur cet appareil");
      document.getElementById("stockage-refuse").hidden = false;
      return;
    }
    const CHANGED = "Le questionnaire a changé depuis la dernière saisie : il reprend à la première étape, avec les réponses déjà données.";
    if (saved && saved.key) {
      draft = { key: saved.key, started_at: saved.started_at, answers: saved.answers || {}, page: saved.page || 0 };
      if (!config.pages[draft.page]) {
        draft.page = 0;  // a page the questionnaire no longer has
        announce(CHANGED);
      } else if (Object.keys(draft.answers).length) {
        announce("Questionnaire en cours repris là où il s'était arrêté.");
      }
    }
    try {
      renderPage();
    } catch (error) {
      // A draft the questionnaire no longer fits otherwise: its answers stay
      // if they can be drawn, else a new questionnaire starts.
      try {
        draft.page = 0;
        renderPage();
      } catch (again) {
        draft = newDraft();
        renderPage();
      }
      announce(CHANGED);
    } finally {
      form.removeAttribute("aria-busy");
    }
    outbox.start({ serviceWorkerUrl: config.service_worker_url, scope: config.scope, pagesCache: "nonrecours-collecte-pages" });
    await sync();
  })();
})();
