// Progressive enhancement only: every page works without this file. It reveals a Copy button
// next to fields marked data-copy; without JavaScript the field itself is selectable.
// Sign-up and sign-in tell the server the browser's time zone (pages then show times in it; without
// JavaScript they show UTC, named, until the person picks a zone in Settings).
document.querySelectorAll('input[data-browser-time-zone]').forEach(function (field) {
  try {
    field.value = Intl.DateTimeFormat().resolvedOptions().timeZone || '';
  } catch (e) {
    // An old browser without Intl time zones: the server keeps UTC.
  }
});
document.querySelectorAll('.copy-button[data-copy-target]').forEach(function (button) {
  var field = document.getElementById(button.getAttribute('data-copy-target'));
  if (!field || !navigator.clipboard) return;
  button.hidden = false;
  button.addEventListener('click', function () {
    navigator.clipboard.writeText(field.value.replace(/\s+/g, '')).then(function () {
      button.textContent = 'Copied';
      setTimeout(function () {
        button.textContent = 'Copy';
      }, 2000);
    });
  });
});
document.querySelectorAll('input[data-copy]').forEach(function (field) {
  field.addEventListener('focus', function () {
    field.select();
  });
});
var summary = document.getElementById('error-summary');
if (summary) summary.focus();
