// Console behaviour that htmx does not cover: keyboard shortcuts (declared by data-key attributes in the page)
// and canned replies. Everything here is optional: the pages read the same without it.
(function () {
  "use strict";
  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.form) {
      event.preventDefault();
      event.target.form.requestSubmit();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (event.key === "g") { window.location.href = "/console/inbox"; return; }
    var element = document.querySelector('[data-key="' + event.key + '"]');
    if (!element) return;
    event.preventDefault();
    if (element.tagName === "BUTTON" || element.tagName === "A") element.click(); else element.focus();
  });
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.dataset && target.dataset.cannedFor && target.value) {
      var box = document.getElementById(target.dataset.cannedFor);
      box.value = target.value;
      box.focus();
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (event.detail.successful && form.tagName === "FORM" && form.dataset.reset !== undefined) form.reset();
  });
})();
document.addEventListener("htmx:xhr:progress", function (event) {
  var bar = document.getElementById("upload-progress");
  if (bar && event.detail.lengthComputable) bar.value = Math.round((event.detail.loaded / event.detail.total) * 100);
});
