/* Budgets: add and remove projects without leaving the page.

   Progressive enhancement: without this file the ballot forms post and the server redirects
   back (303) to the page they came from. With it, a press posts the same form data (CSRF
   token included) with fetch, which follows that redirect; the parts of the page marked
   [data-refresh] (the ballot summary, each project's button) are replaced by the same parts
   of the page received, and the live region says what changed. A refused press (400) shows
   the reason the server gives. Anything unexpected falls back to a normal submission. */
(function () {
  "use strict";

  if (!window.fetch || !window.DOMParser || !window.FormData) {
    return;
  }

  var busy = false;

  function announce(text) {
    var region = document.getElementById("ballot-announce");
    if (!region) {
      return;
    }
    region.textContent = "";
    // A fresh text node is read out even when the sentence is the same as the last one.
    window.setTimeout(function () { region.textContent = text; }, 50);
  }

  function textOf(doc, selector) {
    var found = doc.querySelector(selector);
    return found ? found.textContent.replace(/\s+/g, " ").trim() : "";
  }

  function refresh(doc) {
    var parts = document.querySelectorAll("[data-refresh]");
    Array.prototype.forEach.call(parts, function (part) {
      var key = part.getAttribute("data-refresh");
      var fresh = doc.querySelector('[data-refresh="' + key + '"]');
      if (fresh) {
        // A project's card is marked as chosen, as the server marks it on a page load.
        var card = part.closest(".project-card");
        if (card) {
          card.classList.toggle("project-card--chosen",
                                !!fresh.querySelector(".badge--in-ballot"));
        }
        part.replaceWith(document.importNode(fresh, true));
      }
    });
  }

  function focusAfter(key, form) {
    // Keep the keyboard where it was: the new button of the same project, or the ballot.
    // A press in the ballot summary goes to its heading: its first button now belongs to
    // another project, which a second Enter would take out too.
    var holder = key && key !== "ballot" &&
      document.querySelector('[data-refresh="' + key + '"]');
    var target = holder && (holder.querySelector("button") || holder);
    if (!target || !document.contains(target)) {
      target = document.getElementById("ballot-title");
    }
    if (target) {
      if (!target.matches("button, a")) {
        target.setAttribute("tabindex", "-1");
      }
      target.focus();
    }
  }

  function submit(form) {
    var holder = form.closest("[data-refresh]");
    var key = holder ? holder.getAttribute("data-refresh") : null;
    busy = true;
    form.setAttribute("aria-busy", "true");
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "Accept": "text/html" }
    }).then(function (response) {
      return response.text().then(function (html) {
        return { ok: response.ok, status: response.status, html: html };
      });
    }).then(function (answer) {
      var doc = new DOMParser().parseFromString(answer.html, "text/html");
      if (answer.ok) {
        refresh(doc);
        focusAfter(key, form);
        announce([textOf(doc, ".flashes"), textOf(doc, ".ballot__sentence")].join(" ").trim());
      } else if (answer.status === 400) {
        var reason = textOf(doc, ".alert--error") || textOf(doc, "h1");
        refresh(doc);
        focusAfter(key, form);
        announce(reason);
      } else {
        form.submit();
      }
    }).catch(function () {
      form.submit();
    }).then(function () {
      busy = false;
      form.removeAttribute("aria-busy");
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-ballot")) {
      return;
    }
    event.preventDefault();
    if (!busy) {
      submit(form);
    }
  });
}());
