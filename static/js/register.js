// The registration form after "sold out": its button joins the waiting list of the tier chosen then. Choosing
// another tier turns it back into a plain registration, so nobody joins a waiting list they did not mean to.
(function () {
  "use strict";
  var form = document.querySelector("form.form");
  var intent = form && form.querySelector("input[data-waiting-list]");
  var button = form && form.querySelector("button[data-waiting-list-label]");
  if (!intent || !button) return;
  var checked = form.querySelector("input[name=tier]:checked");
  var refused = checked ? checked.value : "";
  function update() {
    var now = form.querySelector("input[name=tier]:checked");
    var same = (now ? now.value : "") === refused;
    intent.disabled = !same;
    button.textContent = same ? button.dataset.waitingListLabel : button.dataset.registerLabel;
  }
  form.addEventListener("change", function (event) {
    if (event.target.name === "tier") update();
  });
})();
