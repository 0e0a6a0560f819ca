/*
 * The agreement forms (intake, new agreement, revision): choosing one of the practice's standard
 * wordings copies its terms into the agreed terms, to be adapted.
 *
 * Each <select data-terms-for="ID"> names its terms <textarea>; each option carries the wording's
 * terms and category (data-terms, data-category). Terms typed by hand are replaced only once the
 * user confirms; on the new-agreement page the category follows the wording. Without JavaScript
 * the server uses a chosen wording when the terms are left empty (boundaries.forms.AgreementForm).
 */
(function () {
  "use strict";

  var selects = document.querySelectorAll("select[data-terms-for]");
  if (!selects.length) {
    return;
  }
  // In the page before anything is said, so that screen readers pick up what it says later.
  var status = document.createElement("p");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  document.body.appendChild(status);

  function isWording(select, text) {
    return Array.prototype.some.call(select.options, function (option) {
      return option.getAttribute("data-terms") === text;
    });
  }

  function fill(select) {
    var terms = document.getElementById(select.getAttribute("data-terms-for"));
    var option = select.options[select.selectedIndex];
    var wording = option && option.getAttribute("data-terms");
    if (!terms || !wording) {
      select.setAttribute("data-previous", select.value);
      return;
    }
    var typed = terms.value.trim();
    if (typed && typed !== terms.defaultValue.trim() && !isWording(select, terms.value) &&
        !window.confirm("Replace the terms written so far with “" + option.text + "”?")) {
      select.value = select.getAttribute("data-previous") || "";
      return;
    }
    select.setAttribute("data-previous", select.value);
    terms.value = wording;
    terms.dispatchEvent(new Event("input", { bubbles: true }));
    var category = select.form && select.form.elements.namedItem("category");
    var code = option.getAttribute("data-category");
    if (category && category.tagName === "SELECT" && category.querySelector('option[value="' + code + '"]')) {
      category.value = code;
    }
    status.textContent = "The agreed terms now read as the standard wording “" + option.text + "”; edit them as needed.";
  }

  selects.forEach(function (select) {
    select.setAttribute("data-previous", select.value);
    select.addEventListener("change", function () {
      fill(select);
    });
  });
})();
