// Passkeys (issue 13 part B). Progressive enhancement: the passkey controls are rendered hidden and
// only shown here when the browser supports WebAuthn; without JavaScript the pages work as before.
// Each ceremony asks the server for options (a CSRF-checked form post answered with JSON), runs the
// browser's dialog through @simplewebauthn/browser (static/vendor), puts the answer in the form's
// hidden `credential` field and submits the form: the server answers with a redirect, as for any form.
(function () {
  var lib = window.SimpleWebAuthnBrowser;
  if (!lib || !lib.browserSupportsWebAuthn()) return;

  function fields(form, names) {
    var body = new URLSearchParams();
    names.forEach(function (name) {
      var input = form.elements.namedItem(name);
      if (input && typeof input.value === 'string') body.append(name, input.value);
    });
    return body;
  }

  function askOptions(url, body) {
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: body.toString(),
    }).then(function (res) {
      return res.json().then(
        function (json) {
          if (!res.ok) throw new Error((json && json.error && json.error.message) || 'Something went wrong. Reload the page and try again.');
          return json.options;
        },
        function () {
          throw new Error('Something went wrong. Reload the page and try again.');
        },
      );
    });
  }

  function say(form, text) {
    var box = form.querySelector('[data-passkey-message]');
    if (!box) return;
    box.textContent = text;
    box.hidden = text === '';
  }

  function explain(error) {
    // The user closed the dialog or it timed out: the browser's NotAllowedError.
    if (error && error.name === 'NotAllowedError') return 'The passkey dialog was closed. Try again when you are ready.';
    return (error && error.message) || 'The passkey could not be used.';
  }

  function hideNoJsNotes() {
    document.querySelectorAll('[data-passkey-nojs]').forEach(function (note) {
      note.hidden = true;
    });
  }

  var authenticate = function (options) {
    return lib.startAuthentication({ optionsJSON: options });
  };
  var register = function (options) {
    return lib.startRegistration({ optionsJSON: options });
  };

  // One ceremony: ask the options from the url on `box` (the form itself, or a box inside it) with
  // `names` of the form's fields, run the browser's dialog with `start`, put the answer in the
  // form's `credential` field and submit the form (after `beforeSubmit`); problems are said in `box`.
  function ceremony(box, form, names, start, beforeSubmit) {
    say(box, '');
    askOptions(box.getAttribute('data-options-url'), fields(form, names))
      .then(start)
      .then(function (answer) {
        form.elements.namedItem('credential').value = JSON.stringify(answer);
        if (beforeSubmit) beforeSubmit();
        form.submit();
      })
      .catch(function (error) {
        say(box, explain(error));
      });
  }

  // A form whose own submission runs the ceremony first (its `credential` still empty).
  function onSubmit(form, names, start, beforeSubmit) {
    form.hidden = false;
    form.addEventListener('submit', function (event) {
      if (form.elements.namedItem('credential').value !== '') return;
      event.preventDefault();
      ceremony(form, form, names, start, beforeSubmit);
    });
  }

  // Sign in with a passkey: /login (discoverable credential, no username or password typed).
  document.querySelectorAll('form[data-passkey-sign-in]').forEach(function (form) {
    onSubmit(form, ['_csrf'], authenticate, function () {
      var zone = form.elements.namedItem('time_zone');
      if (zone) zone.value = Intl.DateTimeFormat().resolvedOptions().timeZone || '';
    });
  });

  // Confirm with a passkey: the review step of a large money move (issue 13 item 4). The box sits
  // inside the review form; the answer goes in its `credential` field and the form is sent as "Send".
  document.querySelectorAll('[data-passkey-step-up]').forEach(function (box) {
    var form = box.closest('form');
    if (!form) return;
    box.hidden = false;
    hideNoJsNotes();
    box.querySelector('button').addEventListener('click', function () {
      ceremony(box, form, ['_csrf'], authenticate, function () {
        var step = document.createElement('input');
        step.type = 'hidden';
        step.name = 'step';
        step.value = 'confirm';
        form.appendChild(step);
      });
    });
  });

  // The second sign-in step with a passkey instead of a code (/login/second-factor): only the
  // passkeys of the user whose password was right are offered.
  document.querySelectorAll('form[data-passkey-second-factor]').forEach(function (form) {
    hideNoJsNotes();
    onSubmit(form, ['_csrf'], authenticate);
  });

  // Add a passkey: /settings (the password, and a code when one is on, are checked first).
  document.querySelectorAll('form[data-passkey-register]').forEach(function (form) {
    hideNoJsNotes();
    onSubmit(form, ['_csrf', 'current_password', 'otp'], register, function () {
      // The password was checked with the options; it is not sent again.
      ['current_password', 'otp'].forEach(function (name) {
        var input = form.elements.namedItem(name);
        if (input) input.disabled = true;
      });
    });
  });
})();
