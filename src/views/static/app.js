// Progressive enhancement only: every page works without this file. It reveals a Copy button
// next to fields marked data-copy; without JavaScript the field itself is selectable.
document.querySelectorAll('.copy-button[data-copy-target]').forEach(function (button) {
  var field = document.getElementById(button.getAttribute('data-copy-target'));
  if (!field || !navigator.clipboard) return;
  button.hidden = false;
  button.addEventListener('click', function () {
    navigator.clipboard.writeText(field.value.replace(/\s+/g, '')).then(function () {
      button.textContent = 'Copied';
      setTimeout(function () { button.textContent = 'Copy'; }, 2000);
    });
  });
});
document.querySelectorAll('input[data-copy]').forEach(function (field) {
  field.addEventListener('focus', function () { field.select(); });
});
var summary = document.getElementById('error-summary');
if (summary) summary.focus();
