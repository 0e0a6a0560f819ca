// "Add another incident" on the session form: a copy of the formset's empty form (rendered in a
// <template>) added in the page. Nothing is sent, so nothing is checked and no error shows before
// the therapist saves; an added form left as offered is ignored on saving, like the page's own
// empty one. Without this script the button stays hidden and the page still works: save the
// draft, then each edit offers one more empty incident.
(function () {
  "use strict";
  const button = document.getElementById("add-incident");
  if (!button) {
    return;
  }
  const template = document.getElementById(button.dataset.template);
  const forms = document.getElementById(button.dataset.target);
  const prefix = button.dataset.prefix;
  const total = document.getElementById(`id_${prefix}-TOTAL_FORMS`);
  const max = document.getElementById(`id_${prefix}-MAX_NUM_FORMS`);
  if (!template || !forms || !total || !max) {
    return;
  }

  function full() {
    return Number(total.value) >= Number(max.value);
  }

  button.hidden = full();
  button.addEventListener("click", function () {
    if (full()) {
      return;
    }
    const index = Number(total.value);
    // Django's placeholder for the form's index, in every name, id, label and description.
    const html = template.innerHTML
      .replaceAll("__prefix__", String(index))
      .replaceAll("__number__", String(index + 1));
    forms.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    const added = forms.lastElementChild;
    const first = added.querySelector("select, textarea, input:not([type='hidden'])");
    if (first) {
      first.focus();
    }
    button.hidden = full();
  });
})();
