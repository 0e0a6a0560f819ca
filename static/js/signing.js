// The signing mode's pad: the client's signature drawn on the canvas goes into the form's hidden
// "signature" field as a PNG data URL when the form is sent (signature_pad, vendored).
(function () {
  "use strict";
  const canvas = document.getElementById("signature-pad");
  const form = document.getElementById("signing-form");
  if (!canvas || !form || typeof SignaturePad === "undefined") {
    return;
  }
  const field = form.querySelector("input[name='signature']");
  const pad = new SignaturePad(canvas, { penColor: "#111" });

  function resize() {
    // Draw at the screen's pixel density; a resize clears the pad, so keep what was drawn.
    const data = pad.toData();
    const ratio = Math.max(window.devicePixelRatio || 1, 1);
    canvas.width = canvas.offsetWidth * ratio;
    canvas.height = canvas.offsetHeight * ratio;
    canvas.getContext("2d").scale(ratio, ratio);
    pad.clear();
    pad.fromData(data);
  }

  window.addEventListener("resize", resize);
  resize();
  document.getElementById("signature-clear").addEventListener("click", function () {
    pad.clear();
    field.value = "";
  });
  form.addEventListener("submit", function () {
    field.value = pad.isEmpty() ? "" : pad.toDataURL("image/png");
  });
})();
