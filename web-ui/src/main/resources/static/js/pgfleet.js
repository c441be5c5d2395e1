// pgfleet dashboard behaviour: small, framework-free, loaded once by the layout. No inline scripts anywhere
// (the Content-Security-Policy forbids them), so every behaviour hangs off a data- attribute.
(function () {
  "use strict";

  // htmx requests carry the CSRF token that Spring Security expects on every state-changing request.
  document.addEventListener("htmx:configRequest", function (e) {
    var header = document.querySelector('meta[name="csrf-header"]');
    var token = document.querySelector('meta[name="csrf-token"]');
    if (header && token) {
      e.detail.headers[header.content] = token.content;
    }
  });

  function flash(button, text) {
    var original = button.dataset.label || button.textContent;
    button.dataset.label = original;
    button.textContent = text;
    setTimeout(function () { button.textContent = original; }, 2000);
  }

  function copy(button, text) {
    navigator.clipboard.writeText(text).then(function () { flash(button, "Copied"); },
      function () { flash(button, "Copy failed"); });
  }

  document.addEventListener("click", function (e) {
    var button = e.target.closest("[data-copy-url], [data-copy-target], [data-open-dialog], [data-close-dialog]");
    if (!button) {
      return;
    }
    if (button.dataset.copyUrl) {
      // The full string (with the password) is fetched only now, on this click, and never put into the page.
      fetch(button.dataset.copyUrl, { credentials: "same-origin", cache: "no-store" })
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
        .then(function (text) { copy(button, text); }, function () { flash(button, "Copy failed"); });
    } else if (button.dataset.copyTarget) {
      var source = document.querySelector(button.dataset.copyTarget);
      if (source) {
        copy(button, source.textContent.trim());
      }
    } else if (button.dataset.openDialog) {
      var dialog = document.getElementById(button.dataset.openDialog);
      if (dialog) {
        dialog.showModal();
      }
    } else if (button.hasAttribute("data-close-dialog")) {
      e.preventDefault();
      button.closest("dialog").close();
    }
  });

  // Typed-name confirmation: the button stays disabled until the name matches (the server checks it too).
  document.addEventListener("input", function (e) {
    var input = e.target;
    if (!input.dataset || !input.dataset.confirmMatch) {
      return;
    }
    var button = input.form && input.form.querySelector("[data-confirm-button]");
    if (button) {
      button.disabled = input.value.trim() !== input.dataset.confirmMatch;
    }
  });
})();
