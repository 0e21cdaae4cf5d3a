/* The serious game's pages (docs/guide/jeu-serieux.md): the round's clock,
 * and the live refresh of the board, a team's page and a table's page.
 *
 * Without JavaScript the pages work as they are: the clock's end time is
 * written, and a link reloads the page. With it, the page asks every few
 * seconds (never while its tab is hidden) a small JSON, {"version": "…"},
 * and when the version changed, fetches the page again and replaces in
 * place each element marked data-live by the new page's element of the
 * same id; the new state is read out by the page's status region
 * (#jeu-annonce).
 */
(function () {
  "use strict";

  var root = document.getElementById("jeu");
  if (!root) {
    return;
  }
  var PERIOD = 4000;
  var stateUrl = root.getAttribute("data-etat");
  var version = root.getAttribute("data-version");
  var timer = null;
  var busy = false;

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  /* Each [data-compte-a-rebours] shows the minutes and seconds left from
   * its data-secondes, counted from when the element was drawn (the
   * server's clock, not the phone's). */
  var clocks = [];
  function startClocks() {
    clocks = [];
    var found = document.querySelectorAll("[data-compte-a-rebours]");
    for (var i = 0; i < found.length; i++) {
      var seconds = parseInt(found[i].getAttribute("data-secondes"), 10) || 0;
      clocks.push({ el: found[i], ends: Date.now() + seconds * 1000 });
    }
    tick();
  }
  function tick() {
    for (var i = 0; i < clocks.length; i++) {
      var left = Math.max(0, Math.round((clocks[i].ends - Date.now()) / 1000));
      var text = left > 0
        ? Math.floor(left / 60) + ":" + pad(left % 60)
        : "temps écoulé";
      if (clocks[i].el.textContent !== text) {
        clocks[i].el.textContent = text;
      }
      clocks[i].el.classList.toggle("game-clock--over", left === 0);
    }
  }
  setInterval(tick, 1000);
  startClocks();

  function replace(fresh) {
    var focused = document.activeElement && document.activeElement.id;
    /* The parts live now are replaced; a part the new page no longer marks
     * live (a table's note form, once the first round opened) stays as it
     * is afterwards, whatever is typed in it. */
    var parts = document.querySelectorAll("[data-live]");
    for (var i = 0; i < parts.length; i++) {
      var replacement = fresh.getElementById(parts[i].id);
      if (replacement) {
        parts[i].replaceWith(document.importNode(replacement, true));
      }
    }
    if (focused && document.getElementById(focused)) {
      document.getElementById(focused).focus();
    }
    var said = fresh.getElementById("jeu-etat-texte");
    var announce = document.getElementById("jeu-annonce");
    if (said && announce) {
      announce.textContent = said.textContent.trim();
    }
    startClocks();
  }

  function refresh() {
    return fetch(window.location.pathname, { credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html) {
          replace(new DOMParser().parseFromString(html, "text/html"));
        }
      });
  }

  function poll() {
    if (busy || document.hidden) {
      return;
    }
    busy = true;
    fetch(stateUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (data && data.version && data.version !== version) {
          version = data.version;
          root.setAttribute("data-version", version);
          return refresh();
        }
        return null;
      })
      .catch(function () {
        /* No network for a moment: the next poll tries again. */
      })
      .then(function () {
        busy = false;
      });
  }

  function start() {
    if (timer === null) {
      timer = setInterval(poll, PERIOD);
    }
  }
  function stop() {
    if (timer !== null) {
      clearInterval(timer);
      timer = null;
    }
  }
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) {
      stop();
    } else {
      poll();
      start();
    }
  });
  var manual = document.querySelectorAll("[data-sans-js]");
  for (var j = 0; j < manual.length; j++) {
    manual[j].hidden = true;
  }
  if (!document.hidden) {
    start();
  }
}());
