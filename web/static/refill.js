/* A refused form keeps what was typed: the page of a refusal carries the posted fields
   (script#refused-form, JSON); they go back into the form whose hidden fields match them. */
(function () {
  "use strict";
  function start() {
    var data = document.getElementById("refused-form");
    if (!data) { return; }
    var posted;
    try { posted = JSON.parse(data.textContent); } catch (e) { return; }
    var forms = document.querySelectorAll("form[method=post], form[method=POST]");
    var target = null;
    Array.prototype.forEach.call(forms, function (form) {
      if (target) { return; }
      var hidden = form.querySelectorAll("input[type=hidden]");
      var matches = hidden.length > 0;
      Array.prototype.forEach.call(hidden, function (input) {
        if (input.name === "csrf_token" || input.name === "version") { return; }
        if (posted[input.name] !== input.value) { matches = false; }
      });
      if (matches && form.querySelector("input[type=hidden][name=op]")) { target = form; }
    });
    if (!target) { return; }
    Array.prototype.forEach.call(target.elements, function (field) {
      if (!field.name || field.type === "hidden" || field.type === "submit") { return; }
      if (field.type === "checkbox" || field.type === "radio") {
        field.checked = Object.prototype.hasOwnProperty.call(posted, field.name)
          && (field.type === "checkbox" || posted[field.name] === field.value);
      } else if (Object.prototype.hasOwnProperty.call(posted, field.name)) {
        field.value = posted[field.name];
      }
    });
    target.classList.add("refused");
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
